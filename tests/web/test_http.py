"""The HTTP service, over real sockets (httpx's tests/conftest.py pattern).

A uvicorn server runs in a thread on 127.0.0.1 with an OS-chosen port; tests
talk to it with httpx and timeouts. The app wraps the shipped Recommender (the
``recommender`` session fixture), so answers can be compared with the Python API.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Iterator

import httpx
import pytest
import uvicorn

from livelift import ModelError
from livelift.data.fields import PROFILE_COLUMNS
from livelift.web.app import create_app, serve
from livelift.service import recommendation_to_dict

MAX_BATCH = 20
MAX_BODY = 64 * 1024
TIMEOUT = httpx.Timeout(30.0)


# ---------------------------------------------------------------------- live server
@contextlib.contextmanager
def running(app: Any, *, deadline: float = 30.0) -> Iterator[str]:
    """Serve ``app`` on 127.0.0.1:<free port> in a thread; yield its base URL."""
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_config=None, log_level="warning", ws="none", lifespan="on")
    server = uvicorn.Server(config)
    exit_codes: list[Any] = []

    def run() -> None:
        try:
            server.run()
        except SystemExit as exc:  # uvicorn exits 3 when the lifespan startup fails
            exit_codes.append(exc.code)

    thread = threading.Thread(target=run, name="uvicorn-test", daemon=True)
    thread.start()
    try:
        end = time.monotonic() + deadline
        while not server.started:
            if not thread.is_alive():
                raise RuntimeError(f"uvicorn exited during startup (exit code {exit_codes})")
            if time.monotonic() > end:
                raise RuntimeError(f"uvicorn did not start within {deadline} s")
            time.sleep(0.01)
        port = server.servers[0].sockets[0].getsockname()[1]
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=deadline)


@pytest.fixture(scope="module")
def base_url(recommender) -> Iterator[str]:
    app = create_app(recommender, max_batch=MAX_BATCH, max_body_bytes=MAX_BODY)
    with running(app) as url:
        yield url


@pytest.fixture(scope="module")
def client(base_url) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base_url, timeout=TIMEOUT) as c:
        yield c


def _jsonify(obj: Any) -> Any:
    """What a Python object looks like after a JSON round trip."""
    return json.loads(json.dumps(obj))


def _profiles(example: dict, n: int) -> list[dict]:
    out = []
    for i in range(n):
        p = dict(example)
        p["creator_id"] = f"c{i}"
        p["followers"] = 300 + 997 * i
        p["creator_age"] = 15 + (i % 30)
        p["engagement_rate"] = round(0.02 + 0.03 * (i % 9), 4)
        out.append(p)
    return out


# ---------------------------------------------------------------------- happy paths
def test_single_profile_is_exactly_the_python_answer(client, recommender, example_profile):
    r = client.post("/v1/recommendations", json=example_profile)
    assert r.status_code == 200, r.text
    expected = _jsonify(recommendation_to_dict(recommender.recommend(example_profile)))
    assert r.json() == expected
    assert r.json()["ranked"], "an eligible adult with 5k followers gets ranked strategies"


def test_batch_is_exactly_the_python_batch_answer(client, recommender, example_profile):
    profiles = _profiles(example_profile, 7)
    r = client.post("/v1/recommendations", json={"profiles": profiles})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["count"] == 7
    assert [x["creator_id"] for x in body["results"]] == [p["creator_id"] for p in profiles]
    expected = [_jsonify(recommendation_to_dict(rec)) for rec in recommender.recommend_many(profiles)]
    assert body["results"] == expected
    assert client.post("/v1/recommendations", json={"profiles": []}).json() == {"results": [], "count": 0}


def test_integral_float_is_accepted_for_integer_fields(client, recommender, example_profile):
    r = client.post("/v1/recommendations", json={**example_profile, "followers": 5200.0})
    assert r.status_code == 200, r.text
    assert r.json() == _jsonify(recommendation_to_dict(recommender.recommend(example_profile)))


def test_healthz_facts_and_model_card(client, recommender):
    h = client.get("/healthz").json()
    assert h["status"] == "ok"
    assert h["synthetic"] is recommender.model_summary.synthetic
    facts = client.get("/v1/facts").json()
    assert facts["count"] == len(recommender.facts()) > 0
    assert facts["facts"] == _jsonify([dataclasses.asdict(f) for f in recommender.facts()])
    card = client.get("/v1/model").json()
    assert card == _jsonify(recommender.model_card())
    assert card.get("synthetic") is recommender.model_summary.synthetic


@pytest.mark.parametrize("body, kwargs", [({"diamonds": 10000}, {"diamonds": 10000}), ({"coins": 700}, {"coins": 700})])
def test_earnings(client, recommender, body, kwargs):
    r = client.post("/v1/earnings", json=body)
    assert r.status_code == 200, r.text
    assert r.json() == _jsonify(dataclasses.asdict(recommender.earnings(**kwargs)))
    assert r.json()["usd"] > 0


def test_openapi_documents_paths_and_examples(client):
    spec = client.get("/openapi.json").json()
    for path in ("/healthz", "/v1/facts", "/v1/model", "/v1/recommendations", "/v1/earnings"):
        assert path in spec["paths"], path
    rec_body = spec["paths"]["/v1/recommendations"]["post"]["requestBody"]["content"]["application/json"]
    assert set(rec_body["examples"]) == {"single", "batch"}
    assert "profiles" in rec_body["examples"]["batch"]["value"]
    earn_body = spec["paths"]["/v1/earnings"]["post"]["requestBody"]["content"]["application/json"]
    assert earn_body["examples"]
    profile_schema = spec["components"]["schemas"]["ProfileIn"]
    assert profile_schema["additionalProperties"] is False
    assert set(profile_schema["required"]) == {c.name for c in PROFILE_COLUMNS}
    assert profile_schema["properties"]["engagement_rate"]["maximum"] == 1
    batch_schema = spec["components"]["schemas"]["ProfileBatchIn"]
    assert batch_schema["properties"]["profiles"]["maxItems"] == MAX_BATCH


# ---------------------------------------------------------------------- bad input -> 422
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


def _only_error(r: httpx.Response) -> dict:
    assert r.status_code == 422, r.text
    detail = r.json()["detail"]
    assert len(detail) == 1, detail
    err = detail[0]
    assert set(err) == {"type", "loc", "msg", "input", "ctx"}
    return err


@pytest.mark.parametrize("col, value", OUT_OF_RANGE)
def test_each_field_out_of_range_names_field_value_and_valid_range(client, example_profile, col, value):
    err = _only_error(client.post("/v1/recommendations", json={**example_profile, col.name: value}))
    assert err["loc"] == ["body", col.name]
    assert err["input"] == value
    assert err["ctx"]["expected"] == col.expected


@pytest.mark.parametrize("col, value", OUT_OF_RANGE[::3])
def test_batch_error_names_the_profile_index(client, example_profile, col, value):
    profiles = _profiles(example_profile, 5)
    profiles[3] = {**profiles[3], col.name: value}
    err = _only_error(client.post("/v1/recommendations", json={"profiles": profiles}))
    assert err["loc"] == ["body", "profiles", 3, col.name]
    assert err["input"] == value


def test_misspelt_field_is_rejected_with_a_suggestion(client, example_profile):
    body = {k: v for k, v in example_profile.items() if k != "followers"}
    body["folowers"] = 5200
    r = client.post("/v1/recommendations", json=body)
    assert r.status_code == 422
    errors = {tuple(e["loc"]): e for e in r.json()["detail"]}
    extra = errors[("body", "folowers")]
    assert extra["type"] == "extra_forbidden"
    assert "did you mean 'followers'" in extra["msg"]
    assert extra["input"] == 5200
    assert errors[("body", "followers")]["type"] == "missing"


@pytest.mark.parametrize(
    "field, value",
    [("followers", "25"), ("creator_age", "25"), ("engagement_rate", "0.1"), ("engagement_rate", True),
     ("avg_viewers", None), ("creator_id", 17.5), ("creator_id", True), ("category", ["gaming"])],
)
def test_wrong_type_is_not_coerced(client, example_profile, field, value):
    err = _only_error(client.post("/v1/recommendations", json={**example_profile, field: value}))
    assert err["loc"] == ["body", field]
    assert err["input"] == value
    assert err["ctx"]["expected"]


def test_body_that_is_neither_profile_nor_batch(client, example_profile):
    err = _only_error(client.post("/v1/recommendations", json=[example_profile]))
    assert err["loc"] == ["body"]
    assert "profiles" in err["msg"]
    err = _only_error(client.post("/v1/recommendations", content=b"null", headers={"content-type": "application/json"}))
    assert err["loc"] == ["body"] and "profiles" in err["msg"]
    for path in ("/v1/recommendations", "/v1/earnings"):
        err = _only_error(client.post(path, headers={"content-type": "application/json"}))  # no body at all
        assert err["loc"] == ["body"] and err["msg"] == "a JSON body is required"
        assert err["ctx"]["expected"]


def test_body_that_is_not_json(client, example_profile):
    r = client.post("/v1/recommendations", content=b'{"creator_id": ', headers={"content-type": "application/json"})
    assert r.status_code == 422
    assert r.json()["detail"][0]["type"] == "json_invalid"
    err = _only_error(client.post("/v1/recommendations", content=json.dumps(example_profile).encode()))
    assert err["type"] == "content_type"


def test_batch_over_the_limit(client, example_profile):
    profiles = _profiles(example_profile, MAX_BATCH + 1)
    err = _only_error(client.post("/v1/recommendations", json={"profiles": profiles}))
    assert err["loc"] == ["body", "profiles"]
    assert err["type"] == "too_long"
    assert err["ctx"]["max_length"] == MAX_BATCH
    assert str(MAX_BATCH) in err["ctx"]["expected"]
    ok = client.post("/v1/recommendations", json={"profiles": profiles[:MAX_BATCH]})
    assert ok.status_code == 200 and ok.json()["count"] == MAX_BATCH


@pytest.mark.parametrize(
    "body, loc",
    [({"diamonds": -1}, ["body", "diamonds"]), ({"coins": "700"}, ["body", "coins"]), ({}, ["body"]),
     ({"diamonds": 1, "coins": 2}, ["body"]), ({"diamons": 10}, ["body", "diamons"])],
)
def test_bad_earnings(client, body, loc):
    r = client.post("/v1/earnings", json=body)
    assert r.status_code == 422, r.text
    assert loc in [e["loc"] for e in r.json()["detail"]]


# ---------------------------------------------------------------------- size limit -> 413
def test_oversized_body_is_413(client, example_profile):
    big = {"profiles": [example_profile] * 400}  # > 64 KiB
    payload = json.dumps(big).encode()
    assert len(payload) > MAX_BODY
    r = client.post("/v1/recommendations", content=payload, headers={"content-type": "application/json"})
    assert r.status_code == 413
    assert r.json()["detail"][0]["ctx"]["max_bytes"] == MAX_BODY
    assert client.get("/healthz").status_code == 200  # server still fine


def test_oversized_streamed_body_without_content_length_is_413(base_url, example_profile):
    chunk = json.dumps(example_profile).encode()

    def stream() -> Iterator[bytes]:  # chunked transfer: no Content-Length to trust
        yield b'{"profiles": ['
        for _ in range(MAX_BODY // len(chunk) + 5):
            yield chunk + b","
        yield chunk + b"]}"

    with httpx.Client(base_url=base_url, timeout=TIMEOUT) as c:
        r = c.post("/v1/recommendations", content=stream(), headers={"content-type": "application/json"})
    assert r.status_code == 413


# ---------------------------------------------------------------------- concurrency
def test_32_concurrent_requests_agree(base_url, recommender, example_profile):
    """Concurrent singles (coalesced into batches server-side) give the Python API's answer;
    a profile the contract rejects fails alone, not its batch-mates."""
    other = {**example_profile, "creator_id": "other", "followers": 950, "category": "music"}
    bad = {**example_profile, "creator_id": "bad", "region": "ZZ"}
    bodies = [(example_profile, other, bad)[i % 3] for i in range(96)]
    local = threading.local()
    clients: list[httpx.Client] = []

    def post(body: dict) -> tuple[int, str, bytes]:
        if not hasattr(local, "client"):
            local.client = httpx.Client(base_url=base_url, timeout=TIMEOUT)
            clients.append(local.client)
        r = local.client.post("/v1/recommendations", json=body)
        return r.status_code, body["creator_id"], r.content

    try:
        with ThreadPoolExecutor(max_workers=32) as pool:
            results = list(pool.map(post, bodies))
    finally:
        for c in clients:
            c.close()
    expected_status = {example_profile["creator_id"]: 200, "other": 200, "bad": 422}
    assert [s for s, _, _ in results] == [expected_status[b["creator_id"]] for b in bodies]
    by_id: dict[str, set[bytes]] = {}
    for _, cid, content in results:
        by_id.setdefault(cid, set()).add(content)
    assert {k: len(v) for k, v in by_id.items()} == {example_profile["creator_id"]: 1, "other": 1, "bad": 1}
    for body in (example_profile, other):
        (content,) = by_id[body["creator_id"]]
        assert json.loads(content) == _jsonify(recommendation_to_dict(recommender.recommend(body)))
    (content,) = by_id["bad"]
    assert json.loads(content)["detail"][0]["loc"] == ["body", "region"]


@pytest.mark.parametrize("coalesce, threads", [(False, 2), (False, 0)])
def test_uncoalesced_settings_give_the_same_answers(recommender, example_profile, coalesce, threads):
    app = create_app(recommender, coalesce=coalesce, service_threads=threads)
    with running(app) as url, httpx.Client(base_url=url, timeout=TIMEOUT) as c:
        r = c.post("/v1/recommendations", json=example_profile)
        bad = c.post("/v1/recommendations", json={**example_profile, "region": "ZZ"})
    assert r.json() == _jsonify(recommendation_to_dict(recommender.recommend(example_profile)))
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["body", "region"]


# ---------------------------------------------------------------------- failures of the service
class _Broken:
    """The real service, except that recommend fails the way we tell it to."""

    def __init__(self, real: Any, exc: Exception) -> None:
        self._real = real
        self._exc = exc

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)

    def recommend(self, profile: Any) -> Any:
        raise self._exc

    def recommend_many(self, profiles: Any) -> Any:
        raise self._exc


def test_unexpected_error_is_500_without_details(recommender, example_profile):
    app = create_app(_Broken(recommender, RuntimeError("secret internals /etc/passwd")))
    with running(app) as url, httpx.Client(base_url=url, timeout=TIMEOUT) as c:
        r = c.post("/v1/recommendations", json=example_profile)
        assert r.status_code == 500
        assert r.json() == {"detail": "internal server error"}
        assert "secret" not in r.text
        assert c.get("/healthz").status_code == 200


def test_contract_rejection_from_the_service_is_422_in_the_same_shape(client, example_profile):
    """'ZZ' passes the request schema (two letters) but is no ISO 3166 code: the service says so."""
    err = _only_error(client.post("/v1/recommendations", json={**example_profile, "region": "ZZ"}))
    assert err["loc"] == ["body", "region"]
    assert err["input"] == "ZZ"
    assert "ISO 3166" in err["ctx"]["expected"]
    profiles = _profiles(example_profile, 4)
    profiles[2]["region"] = "ZZ"
    err = _only_error(client.post("/v1/recommendations", json={"profiles": profiles}))
    assert err["loc"] == ["body", "profiles", 2, "region"]
    assert err["input"] == "ZZ"


class _Drifting:
    """The real service, except that batches come back off by one part in 1e12."""

    def __init__(self, real: Any) -> None:
        self._real = real

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)

    def recommend_many(self, profiles: Any) -> Any:
        out = []
        for rec in self._real.recommend_many(profiles):
            drift = tuple(
                dataclasses.replace(s, uplift_diamonds=s.uplift_diamonds * (1 + 1e-12))
                if s.uplift_diamonds is not None else s
                for s in rec.strategies
            )
            out.append(dataclasses.replace(rec, strategies=drift))
        return out


def test_coalescing_only_when_batches_are_exact(client, recommender, example_profile):
    from livelift.web.app import is_batch_invariant

    assert client.get("/healthz").json()["coalescing"] is is_batch_invariant(recommender)
    app = create_app(_Drifting(recommender))
    with running(app) as url, httpx.Client(base_url=url, timeout=TIMEOUT) as c:
        assert c.get("/healthz").json()["coalescing"] is False
        r = c.post("/v1/recommendations", json=example_profile)
    assert r.json() == _jsonify(recommendation_to_dict(recommender.recommend(example_profile)))


# ---------------------------------------------------------------------- refusing to start
@pytest.mark.parametrize("content", [None, b"this is not a joblib file"])
def test_serve_refuses_a_broken_model_before_binding(tmp_path, content):
    model = tmp_path / "model.joblib"
    if content is not None:
        model.write_bytes(content)
    with socket.socket() as held:  # if serve() bound first it would hit "address in use", not ModelError
        held.bind(("127.0.0.1", 0))
        held.listen()
        port = held.getsockname()[1]
        with pytest.raises(ModelError) as err:
            serve(host="127.0.0.1", port=port, model_path=model)
    assert "model.joblib" in str(err.value)


def test_lifespan_load_failure_stops_the_server(tmp_path, caplog):
    app = create_app(model_path=tmp_path / "missing.joblib")
    with pytest.raises(RuntimeError, match="exited during startup"):
        with running(app, deadline=20):
            pass  # pragma: no cover - must not get here
    assert "missing.joblib" in caplog.text


@pytest.mark.parametrize(
    "raw",
    [b"\xff\xfe{\"followers\": 1}", b"[" * 5000 + b"]" * 5000],
    ids=["not-utf8", "nested-too-deeply"],
)
def test_undecodable_body_is_422_in_the_usual_shape(client, raw):
    r = client.post("/v1/recommendations", content=raw, headers={"content-type": "application/json"})
    assert r.status_code == 422
    (err,) = r.json()["detail"]
    assert err["loc"][0] == "body" and err["type"] == "json_invalid"
    assert err["msg"]


def test_serve_refuses_a_port_in_use_before_starting(recommender):
    from livelift import InputError

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(InputError) as err:
            serve(host="127.0.0.1", port=port)
    assert str(port) in str(err.value) and "--port" in str(err.value)


def test_numeric_creator_id_is_text_like_everywhere_else(client, recommender, example_profile):
    r = client.post("/v1/recommendations", json={**example_profile, "creator_id": 123})
    assert r.status_code == 200, r.text
    assert r.json()["creator_id"] == "123"
    assert r.json() == _jsonify(recommendation_to_dict(recommender.recommend({**example_profile, "creator_id": 123})))


def test_profile_fields_beside_profiles_get_no_nonsense_suggestion(client, example_profile):
    r = client.post("/v1/recommendations", json={**example_profile, "profiles": [example_profile]})
    assert r.status_code == 422
    msgs = [e["msg"] for e in r.json()["detail"]]
    assert any("creator_id" in m for m in msgs)
    assert not any("did you mean 'creator_id'" in m for m in msgs)
