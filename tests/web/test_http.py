"""The HTTP service over real sockets: answers equal the Python API's, concurrency, failures, start-up."""

from __future__ import annotations

import dataclasses
import json
import socket
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from livelift import InputError, ModelError
from livelift.text.shapes import recommendation_to_dict
from livelift.web.app import create_app
from livelift.web.batching import is_batch_invariant, probe_profiles
from livelift.web.server import APP_FACTORY, app_from_env, serve

TIMEOUT = httpx.Timeout(30.0)


# ---------------------------------------------------------------------- happy paths
def test_single_profile_is_exactly_the_python_answer(client, recommender, example_profile, jsonify):
    r = client.post("/v1/recommendations", json=example_profile)
    assert r.status_code == 200, r.text
    assert r.json() == jsonify(recommendation_to_dict(recommender.recommend(example_profile)))
    assert r.json()["ranked"], "an eligible adult with 5k followers gets ranked strategies"


def test_batch_is_exactly_the_python_batch_answer(client, recommender, example_profile, jsonify, make_profiles):
    profiles = make_profiles(example_profile, 7)
    r = client.post("/v1/recommendations", json={"profiles": profiles})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["count"] == 7
    assert [x["creator_id"] for x in body["results"]] == [p["creator_id"] for p in profiles]
    assert body["results"] == [jsonify(recommendation_to_dict(rec)) for rec in recommender.recommend_many(profiles)]


def test_integral_float_and_lower_case_region_are_accepted(client, recommender, example_profile, jsonify):
    r = client.post("/v1/recommendations", json={**example_profile, "followers": float(example_profile["followers"])})
    assert r.status_code == 200, r.text
    assert r.json() == jsonify(recommendation_to_dict(recommender.recommend(example_profile)))
    r = client.post("/v1/recommendations", json={**example_profile, "region": "kr"})
    assert r.status_code == 200, r.text
    assert r.json()["profile"]["region"] == "KR"


def test_healthz_facts_and_model_card(client, recommender, jsonify):
    h = client.get("/healthz").json()
    assert h["status"] == "ok"
    assert h["synthetic"] is recommender.model_summary.synthetic
    facts = client.get("/v1/facts").json()
    assert facts["count"] == len(recommender.facts()) > 0
    assert facts["facts"] == jsonify([dataclasses.asdict(f) for f in recommender.facts()])
    card = client.get("/v1/model").json()
    assert card == jsonify(recommender.model_card())
    assert card.get("synthetic") is recommender.model_summary.synthetic


@pytest.mark.parametrize("body, kwargs", [({"diamonds": 10000}, {"diamonds": 10000}), ({"coins": 700}, {"coins": 700})])
def test_earnings(client, recommender, body, kwargs, jsonify):
    r = client.post("/v1/earnings", json=body)
    assert r.status_code == 200, r.text
    assert r.json() == jsonify(dataclasses.asdict(recommender.earnings(**kwargs)))
    assert r.json()["usd"] > 0


# ---------------------------------------------------------------------- concurrency
def test_32_concurrent_requests_agree(base_url, recommender, example_profile, jsonify):
    """Concurrent singles (coalesced into batches server-side) give the Python API's answer;
    a profile the contract rejects fails alone, not its batch-mates."""
    other = {**example_profile, "creator_id": "other", "followers": 950, "category": "music"}
    bad = {**example_profile, "creator_id": "bad", "creator_age": 12}
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
        assert json.loads(content) == jsonify(recommendation_to_dict(recommender.recommend(body)))
    (content,) = by_id["bad"]
    assert json.loads(content)["detail"][0]["loc"] == ["body", "creator_age"]


@pytest.mark.parametrize("coalesce, threads", [(False, 2), (False, 0)])
def test_uncoalesced_settings_give_the_same_answers(recommender, example_profile, coalesce, threads, serving, jsonify):
    app = create_app(recommender, coalesce=coalesce, service_threads=threads)
    with serving(app) as url, httpx.Client(base_url=url, timeout=TIMEOUT) as c:
        r = c.post("/v1/recommendations", json=example_profile)
        bad = c.post("/v1/recommendations", json={**example_profile, "region": "ZZ"})
    assert r.json() == jsonify(recommendation_to_dict(recommender.recommend(example_profile)))
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


def test_unexpected_error_is_500_in_the_one_shape_without_details(recommender, example_profile, serving, only_error):
    app = create_app(_Broken(recommender, RuntimeError("secret internals /etc/passwd")))
    with serving(app) as url, httpx.Client(base_url=url, timeout=TIMEOUT) as c:
        r = c.post("/v1/recommendations", json=example_profile)
        err = only_error(r, 500)
        assert err["type"] == "internal_error" and err["msg"] == "internal server error"
        assert "secret" not in r.text and "passwd" not in r.text
        assert c.get("/healthz").status_code == 200


def test_model_failing_at_request_time_is_503(recommender, example_profile, serving, only_error):
    app = create_app(_Broken(recommender, ModelError("model file vanished")))
    with serving(app) as url, httpx.Client(base_url=url, timeout=TIMEOUT) as c:
        err = only_error(c.post("/v1/recommendations", json=example_profile), 503)
    assert err["type"] == "service_unavailable" and "vanished" not in err["msg"]


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


def test_coalescing_only_when_batches_are_exact(client, recommender, example_profile, serving, jsonify):
    assert client.get("/healthz").json()["coalescing"] is is_batch_invariant(recommender)
    assert is_batch_invariant(_Drifting(recommender)) is False
    app = create_app(_Drifting(recommender))
    with serving(app) as url, httpx.Client(base_url=url, timeout=TIMEOUT) as c:
        assert c.get("/healthz").json()["coalescing"] is False
        r = c.post("/v1/recommendations", json=example_profile)
    assert r.json() == jsonify(recommendation_to_dict(recommender.recommend(example_profile)))


def test_startup_probe_uses_fixed_profiles_not_the_simulator(monkeypatch, recommender):
    """The batch check runs on literal, valid, varied profiles; the simulator is never called."""
    import livelift.recommender.simulate as simulate

    def forbidden(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the HTTP server must not run the simulator")

    monkeypatch.setattr(simulate, "simulate_profiles", forbidden)
    monkeypatch.setattr(simulate, "simulate_history", forbidden)
    profiles = probe_profiles()
    assert profiles == probe_profiles(), "the same profiles on every start"
    assert len({p["category"] for p in profiles}) == 7 and min(p["creator_age"] for p in profiles) < 18
    recs = recommender.recommend_many(profiles)  # all valid under the contract
    assert len(recs) == len(profiles)
    assert is_batch_invariant(recommender) in (True, False)


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


def test_lifespan_load_failure_stops_the_server(tmp_path, caplog, serving):
    app = create_app(model_path=tmp_path / "missing.joblib")
    with pytest.raises(RuntimeError, match="exited during startup"):
        with serving(app, deadline=20):
            pass  # pragma: no cover - must not get here
    assert "missing.joblib" in caplog.text


def test_serve_refuses_a_port_in_use_before_starting(recommender):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(InputError) as err:
            serve(host="127.0.0.1", port=port)
    assert str(port) in str(err.value) and "--port" in str(err.value)


def test_worker_factory_reads_the_environment(tmp_path):
    """The string uvicorn imports in each worker resolves, and bad variables say which."""
    module, name = APP_FACTORY.split(":")
    assert getattr(__import__(module, fromlist=[name]), name) is app_from_env
    app = app_from_env({"LIVELIFT_MAX_BATCH": "7", "LIVELIFT_MAX_BODY_BYTES": "5000"})
    assert app.state.livelift.max_batch == 7 and app.state.livelift.max_body_bytes == 5000
    with pytest.raises(InputError, match="LIVELIFT_MAX_BATCH"):
        app_from_env({"LIVELIFT_MAX_BATCH": "many"})


def test_old_import_paths_still_resolve():
    from livelift.web import app as old

    assert old.serve is serve and old.is_batch_invariant is is_batch_invariant
