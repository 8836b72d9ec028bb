"""/openapi.json declares every response; real answers match it; /docs and /redoc work offline."""

from __future__ import annotations

import re

import pytest

from livelift.data.fields import PROFILE_COLUMNS
from livelift.web import responses

URL = re.compile(r"""(?:https?:)?//[^\s"'<>)]+""")


@pytest.fixture(scope="module")
def spec(client) -> dict:
    r = client.get("/openapi.json")
    assert r.status_code == 200
    return r.json()


def _resolve(spec: dict, schema: dict) -> dict:
    ref = schema.get("$ref")
    if ref is None:
        return schema
    name = ref.rsplit("/", 1)[-1]
    return spec["components"]["schemas"][name]


def test_every_200_413_422_declares_a_non_empty_json_schema(spec):
    seen = []
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            codes = {"200"} | ({"413", "422"} if method == "post" else set())
            assert codes <= set(op["responses"]), (path, method, sorted(op["responses"]))
            for code in codes:
                schema = op["responses"][code]["content"]["application/json"]["schema"]
                body = _resolve(spec, schema)
                assert body.get("properties") or body.get("anyOf") or body.get("oneOf"), (path, method, code, schema)
                seen.append((path, method, code))
    assert len(seen) == 3 * 1 + 2 * 3  # three GETs, two POSTs
    for path in ("/v1/recommendations", "/v1/earnings"):
        for code in ("413", "422"):
            ref = spec["paths"][path]["post"]["responses"][code]["content"]["application/json"]["schema"]["$ref"]
            assert ref.endswith("/ErrorOut")


def test_request_schemas_state_the_rules(spec):
    schemas = spec["components"]["schemas"]
    profile = schemas["ProfileIn"]
    assert profile["additionalProperties"] is False
    assert set(profile["required"]) == {c.name for c in PROFILE_COLUMNS}
    props = profile["properties"]
    assert props["engagement_rate"]["maximum"] == 1
    assert props["creator_id"]["type"] == "string" and props["creator_id"]["maxLength"] == 256
    for col in PROFILE_COLUMNS:
        if col.kind in ("int", "float"):
            assert props[col.name]["maximum"] == col.max, col.name
    batch = schemas["ProfileBatchIn"]["properties"]["profiles"]
    assert (batch["minItems"], batch["maxItems"]) == (1, 20)
    earnings = schemas["EarningsIn"]
    assert earnings["oneOf"] == [{"required": ["diamonds"]}, {"required": ["coins"]}]
    assert earnings["additionalProperties"] is False
    assert all(p["type"] == "number" and p["maximum"] == 1e12 for p in earnings["properties"].values())


def test_openapi_documents_paths_and_examples(spec):
    for path in ("/healthz", "/v1/facts", "/v1/model", "/v1/recommendations", "/v1/earnings"):
        assert path in spec["paths"], path
    rec_body = spec["paths"]["/v1/recommendations"]["post"]["requestBody"]["content"]["application/json"]
    assert set(rec_body["examples"]) == {"single", "batch"}
    assert "profiles" in rec_body["examples"]["batch"]["value"]
    earn_body = spec["paths"]["/v1/earnings"]["post"]["requestBody"]["content"]["application/json"]
    assert earn_body["examples"]


def test_real_answers_validate_against_the_declared_models(client, example_profile, make_profiles):
    responses.HealthOut.model_validate(client.get("/healthz").json())
    responses.FactsOut.model_validate(client.get("/v1/facts").json())
    responses.ModelCardOut.model_validate(client.get("/v1/model").json())
    one = client.post("/v1/recommendations", json=example_profile).json()
    responses.RecommendationOut.model_validate(one)
    minor = {**example_profile, "creator_age": 15}  # the rules block strategies for minors
    many = client.post("/v1/recommendations", json={"profiles": [minor, *make_profiles(example_profile, 3)]}).json()
    responses.RecommendationBatchOut.model_validate(many)
    assert any(not s["allowed"] for s in many["results"][0]["strategies"])
    for body in ({"diamonds": 5}, {"coins": 5}):
        responses.EarningsOut.model_validate(client.post("/v1/earnings", json=body).json())
    responses.ErrorOut.model_validate(client.post("/v1/earnings", json={}).json())


def test_blocked_strategies_may_have_null_uplift(client, example_profile):
    """The service may stop computing uplift for a strategy the rules block: null must validate."""
    rec = client.post("/v1/recommendations", json=example_profile).json()
    for s in rec["strategies"]:
        s.update(allowed=False, rank=None, uplift_diamonds=None, uplift_low=None, uplift_high=None, uplift_usd=None)
    rec["ranked"] = []
    responses.RecommendationOut.model_validate(rec)


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_docs_pages_reference_no_external_url_and_their_assets_load(client, page):
    r = client.get(page)
    assert r.status_code == 200 and "text/html" in r.headers["content-type"]
    html = r.text
    assert URL.findall(html) == [], "the page must load nothing from another host (works offline)"
    assets = re.findall(r"""(?:src|href)=["']([^"']+)["']""", html)
    assert any(a.endswith(".js") for a in assets), assets
    for asset in assets:
        got = client.get(asset)
        assert got.status_code == 200, asset
        assert len(got.content) > 1000, asset
    if page == "/docs":
        assert any(a.endswith(".css") for a in assets)
        assert "validatorUrl" in html and '"validatorUrl": null' in html.replace("'", '"')
    assert "/openapi.json" in html
