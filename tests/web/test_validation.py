"""Bad input over HTTP: 422 (or 413) in the one error shape, naming where, what and what is valid."""

from __future__ import annotations

import json
from typing import Any, Iterator

import httpx
import pytest

from livelift.data.fields import PROFILE_COLUMNS, column

JSON = {"content-type": "application/json"}


def _bad_values(col) -> list[Any]:
    if col.kind in ("int", "float"):
        vals = []
        if col.min is not None:
            vals.append(col.min if col.min_exclusive else col.min - 1)
        if col.max is not None:
            vals.append(col.max + 1)
        if col.kind == "int":
            vals.append((col.min or 0) + 1.5)  # not an integer
        return vals
    return [""]  # strings and choices must be non-empty


OUT_OF_RANGE = [pytest.param(c, v, id=f"{c.name}={v!r}") for c in PROFILE_COLUMNS for v in _bad_values(c)]


@pytest.mark.parametrize("col, value", OUT_OF_RANGE)
def test_each_field_out_of_range_names_field_value_and_valid_range(client, example_profile, col, value, only_error):
    err = only_error(client.post("/v1/recommendations", json={**example_profile, col.name: value}))
    assert err["loc"] == ["body", col.name]
    assert err["input"] == value
    if col.name != "creator_id":
        assert err["ctx"]["expected"] == col.expected


@pytest.mark.parametrize("col, value", OUT_OF_RANGE[::3])
def test_batch_error_names_the_profile_index(client, example_profile, col, value, only_error, make_profiles):
    profiles = make_profiles(example_profile, 5)
    profiles[3] = {**profiles[3], col.name: value}
    err = only_error(client.post("/v1/recommendations", json={"profiles": profiles}))
    assert err["loc"] == ["body", "profiles", 3, col.name]
    assert err["input"] == value


def test_every_profile_number_has_an_upper_bound():
    for col in PROFILE_COLUMNS:
        if col.kind in ("int", "float"):
            assert col.max is not None and col.max < 1e300, col.name


@pytest.mark.parametrize("field", [c.name for c in PROFILE_COLUMNS if c.kind in ("int", "float")])
def test_1e308_is_refused_for_every_number(client, example_profile, field, only_error):
    err = only_error(client.post("/v1/recommendations", json={**example_profile, field: 1e308}))
    assert err["loc"] == ["body", field] and err["type"] == "less_than_equal"
    assert err["ctx"]["expected"] == column(field).expected and err["ctx"]["le"] == column(field).max


def test_misspelt_field_is_rejected_with_a_suggestion(client, example_profile, error_shape):
    body = {k: v for k, v in example_profile.items() if k != "followers"}
    body["folowers"] = 5200
    r = client.post("/v1/recommendations", json=body)
    assert r.status_code == 422
    errors = {tuple(e["loc"]): e for e in error_shape(r.json())}
    extra = errors[("body", "folowers")]
    assert extra["type"] == "extra_forbidden"
    assert "did you mean 'followers'" in extra["msg"]
    assert extra["input"] == 5200
    assert errors[("body", "followers")]["type"] == "missing"


@pytest.mark.parametrize(
    "field, value",
    [("followers", "25"), ("creator_age", "25"), ("engagement_rate", "0.1"), ("engagement_rate", True),
     ("avg_viewers", None), ("creator_id", 17.5), ("creator_id", True), ("creator_id", 123),
     ("category", ["gaming"]), ("region", 1)],
)
def test_wrong_type_is_not_coerced(client, example_profile, field, value, only_error):
    err = only_error(client.post("/v1/recommendations", json={**example_profile, field: value}))
    assert err["loc"] == ["body", field]
    assert err["input"] == value


def test_integer_creator_id_is_refused_with_how_to_fix_it(client, example_profile, only_error):
    err = only_error(client.post("/v1/recommendations", json={**example_profile, "creator_id": 123}))
    assert err["type"] == "string_type" and err["input"] == 123
    assert "quote numeric ids" in err["ctx"]["expected"]


def test_creator_id_is_capped_at_256_characters(client, example_profile, only_error, jsonify):
    ok = client.post("/v1/recommendations", json={**example_profile, "creator_id": "x" * 256})
    assert ok.status_code == 200 and ok.json()["creator_id"] == "x" * 256
    r = client.post("/v1/recommendations", json={**example_profile, "creator_id": "x" * 60_000})
    err = only_error(r)
    assert err["loc"] == ["body", "creator_id"] and err["type"] == "string_too_long"
    assert err["ctx"]["max_length"] == 256 and "256" in err["ctx"]["expected"]
    assert len(r.content) < 2_000, "a long id is not echoed back whole"
    for blank in (" ", "\t\n"):
        err = only_error(client.post("/v1/recommendations", json={**example_profile, "creator_id": blank}))
        assert err["loc"] == ["body", "creator_id"]


@pytest.mark.parametrize("field", ["creator_id", "category", "region"])
def test_lone_surrogate_escape_is_422(client, example_profile, field, only_error):
    body = json.dumps({**example_profile, field: "PLACEHOLDER"}).replace("PLACEHOLDER", "\\ud800")
    err = only_error(client.post("/v1/recommendations", content=body.encode(), headers=JSON))
    assert err["loc"] == ["body", field]
    assert err["input"] == "\\ud800", "echoed escaped, so the answer can be encoded"


def test_lone_surrogate_as_raw_bytes_is_422(client, example_profile, error_shape):
    body = json.dumps({**example_profile, "creator_id": "PLACEHOLDER"}).encode()
    body = body.replace(b"PLACEHOLDER", b"\xed\xb2\x80")  # UTF-8 form of the surrogate U+DC80
    r = client.post("/v1/recommendations", content=body, headers=JSON)
    assert r.status_code == 422, r.text
    (err,) = error_shape(r.json())
    assert err["loc"][0] == "body"


def test_lone_surrogate_in_a_field_name_is_422(client, example_profile, error_shape):
    body = json.dumps({**example_profile, "PLACEHOLDER": 1}).replace("PLACEHOLDER", "\\udfff")
    r = client.post("/v1/recommendations", content=body.encode(), headers=JSON)
    assert r.status_code == 422, r.text
    (err,) = error_shape(r.json())
    assert err["loc"] == ["body"] and err["type"] == "string_unicode" and err["input"] == "\\udfff"


@pytest.mark.parametrize("region", ["ZZ", "zz", "UK", "U", "USA", "U S", "US,KR"])
def test_unknown_region_is_refused_by_the_schema(client, example_profile, region, only_error):
    err = only_error(client.post("/v1/recommendations", json={**example_profile, "region": region}))
    assert err["loc"] == ["body", "region"] and err["input"] == region
    assert "ISO 3166" in err["ctx"]["expected"] and "pattern" not in err["ctx"]


def test_region_schema_accepts_exactly_what_the_contract_accepts(client, example_profile):
    """Of all two-letter codes, the schema's pattern matches exactly those the data contract takes."""
    import itertools
    import re

    from livelift import InputError
    from livelift.data.contract import parse_profile

    pattern = client.get("/openapi.json").json()["components"]["schemas"]["ProfileIn"]["properties"]["region"]
    (regex,) = [s["pattern"] for s in pattern["anyOf"] if "pattern" in s]

    def contract_takes(code: str) -> bool:
        try:
            parse_profile({**example_profile, "region": code})
        except InputError:
            return False
        return True

    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    for code in (a + b for a, b in itertools.product(letters, letters)):
        for text in (code, code.lower()):
            assert bool(re.fullmatch(regex, text)) == contract_takes(text), text
    assert re.fullmatch(regex, "KR") and not re.fullmatch(regex, "ZZ")
    for text in ("", " ", "\t\n", " kr ", "\u2003US", "K R", " ZZ ", "USA"):  # blank = not given; spaces stripped
        assert bool(re.fullmatch(regex, text)) == contract_takes(text), repr(text)


def test_empty_batch_is_422(client, only_error, limits):
    err = only_error(client.post("/v1/recommendations", json={"profiles": []}))
    assert err["loc"] == ["body", "profiles"] and err["type"] == "too_short"
    assert err["ctx"]["min_length"] == 1


def test_batch_over_the_limit(client, example_profile, only_error, limits, make_profiles):
    max_batch = limits["max_batch"]
    profiles = make_profiles(example_profile, max_batch + 1)
    err = only_error(client.post("/v1/recommendations", json={"profiles": profiles}))
    assert err["loc"] == ["body", "profiles"]
    assert err["type"] == "too_long"
    assert err["ctx"]["max_length"] == max_batch
    assert str(max_batch) in err["ctx"]["expected"]
    ok = client.post("/v1/recommendations", json={"profiles": profiles[:max_batch]})
    assert ok.status_code == 200 and ok.json()["count"] == max_batch


def test_body_that_is_neither_profile_nor_batch(client, example_profile, only_error):
    err = only_error(client.post("/v1/recommendations", json=[example_profile]))
    assert err["loc"] == ["body"]
    assert "profiles" in err["msg"]
    err = only_error(client.post("/v1/recommendations", content=b"null", headers=JSON))
    assert err["loc"] == ["body"] and "profiles" in err["msg"]
    for path in ("/v1/recommendations", "/v1/earnings"):
        err = only_error(client.post(path, headers=JSON))  # no body at all
        assert err["loc"] == ["body"] and err["msg"] == "a JSON body is required"


def test_body_that_is_not_json(client, example_profile, only_error):
    err = only_error(client.post("/v1/recommendations", content=b'{"creator_id": ', headers=JSON))
    assert err["type"] == "json_invalid" and err["loc"] == ["body"] and err["ctx"]["position"] == 15
    err = only_error(client.post("/v1/recommendations", content=json.dumps(example_profile).encode()))
    assert err["type"] == "content_type"


@pytest.mark.parametrize(
    "raw",
    [b"\xff\xfe{\"followers\": 1}", b"[" * 5000 + b"]" * 5000],
    ids=["not-utf8", "nested-too-deeply"],
)
def test_undecodable_body_is_422_in_the_usual_shape(client, raw, only_error):
    err = only_error(client.post("/v1/recommendations", content=raw, headers=JSON))
    assert err["loc"][0] == "body" and err["type"] == "json_invalid"


@pytest.mark.parametrize(
    "body, loc, typ",
    [({"diamonds": -1}, ["body", "diamonds"], "greater_than_equal"),
     ({"coins": "700"}, ["body", "coins"], "float_type"),
     ({}, ["body"], "diamonds_or_coins"),
     ({"diamonds": 1, "coins": 2}, ["body"], "diamonds_or_coins"),
     ({"diamonds": None, "coins": 2}, ["body", "diamonds"], "float_type"),
     ({"diamonds": 1e308}, ["body", "diamonds"], "less_than_equal"),
     ({"diamons": 10}, ["body", "diamons"], "extra_forbidden")],
)
def test_bad_earnings(client, body, loc, typ, only_error):
    err = only_error(client.post("/v1/earnings", json=body))
    assert (err["loc"], err["type"]) == (loc, typ)
    if typ == "diamonds_or_coins":
        assert "exactly one" in err["msg"] and "diamonds" in err["ctx"]["expected"]
    if typ == "extra_forbidden":
        assert "did you mean 'diamonds'" in err["msg"]


def test_profile_fields_beside_profiles_get_no_nonsense_suggestion(client, example_profile, error_shape):
    r = client.post("/v1/recommendations", json={**example_profile, "profiles": [example_profile]})
    assert r.status_code == 422
    msgs = [e["msg"] for e in error_shape(r.json())]
    assert any("creator_id" in m for m in msgs)
    assert not any("did you mean 'creator_id'" in m for m in msgs)


def test_unknown_path_and_method_use_the_one_shape(client, only_error):
    err = only_error(client.get("/v1/nothing"), 404)
    assert err["loc"] == ["path"] and err["input"] == "/v1/nothing"
    r = client.get("/v1/earnings")
    err = only_error(r, 405)
    assert "POST" in err["ctx"]["expected"] and "POST" in r.headers["allow"]


# ---------------------------------------------------------------------- size limit -> 413
def test_oversized_body_is_413(client, example_profile, only_error, limits):
    payload = json.dumps({"profiles": [example_profile] * 400}).encode()
    assert len(payload) > limits["max_body"]
    err = only_error(client.post("/v1/recommendations", content=payload, headers=JSON), 413)
    assert err["ctx"]["max_bytes"] == limits["max_body"]
    assert client.get("/healthz").status_code == 200  # server still fine


def test_oversized_upload_on_the_web_page_gets_a_page_not_json(client, limits):
    """A browser uploading a big event log on /upload was shown raw JSON telling it to 'split large batches'."""
    big = b'{"type": "LikeEvent"}\n' * (limits["max_body"] // 20 + 10)
    r = client.post("/upload", files={"history": ("events.jsonl", big, "application/octet-stream")})
    assert r.status_code == 413 and r.headers["content-type"].startswith("text/html"), r.text[:200]
    assert "The file is too large for this page" in r.text and f"{limits['max_body']:,} bytes" in r.text
    assert "livelift ingest FILE" in r.text and "events.jsonl.gz" in r.text and "batches" not in r.text
    r = client.post("/v1/recommendations", content=big, headers=JSON)  # the JSON API keeps its JSON 413
    assert r.status_code == 413 and r.json()["detail"][0]["type"] == "body_too_large"
    assert client.get("/healthz").status_code == 200


def test_oversized_streamed_body_without_content_length_is_413(base_url, example_profile, limits, only_error):
    chunk = json.dumps(example_profile).encode()

    def stream() -> Iterator[bytes]:  # chunked transfer: no Content-Length to trust
        yield b'{"profiles": ['
        for _ in range(limits["max_body"] // len(chunk) + 5):
            yield chunk + b","
        yield chunk + b"]}"

    with httpx.Client(base_url=base_url, timeout=limits["timeout"]) as c:
        only_error(c.post("/v1/recommendations", content=stream(), headers=JSON), 413)
