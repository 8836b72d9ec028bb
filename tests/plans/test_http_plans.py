"""Plan routes over real HTTP on loopback (uvicorn in a thread), on SQLite and PostgreSQL."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Iterator

import pandas as pd
import pytest

httpx = pytest.importorskip("httpx")
pytest.importorskip("uvicorn")

from livelift.errors import InputError  # noqa: E402
from livelift.plans import creator_view, init_store  # noqa: E402
from livelift.web.app import create_app  # noqa: E402
from livelift.web.routers.plans import load_keys, parse_keys  # noqa: E402

FULL = "full-access-key-0123456789"
READ = "read-only-key-0123456789"


@pytest.fixture
def served(db_url, history, recommender, serving) -> Iterator[tuple[str, str]]:
    init_store(db_url, history, recommender)[0].dispose()
    # the wiring `livelift serve --db` uses: create_app(plan_db=...) with keys from the environment
    app = create_app(recommender, coalesce=False, plan_db=db_url,
                     environ={"LIVELIFT_API_KEYS": f"{FULL},{READ}=plan:read"})
    with serving(app) as url:
        yield url, db_url
    app.state.livelift_plans.dispose()


def _week_body(history, creator: str, week: str, strategy: str = "none", gift: float = 50.0) -> dict:
    row = history.frame[history.frame["creator_id"] == creator].tail(1).iloc[0]
    body = {k: (v.item() if hasattr(v, "item") else v) for k, v in row.items() if k not in ("likes", "comments", "new_followers")}
    body.update(week=week, strategy=strategy, gift_diamonds=gift, category=str(row["category"]))
    return body


def test_keys_401_403_and_the_open_routes(served, history):
    url, _ = served
    with httpx.Client(base_url=url, timeout=60) as c:
        assert c.get("/v1/creators/cr000001/plan").status_code == 401
        assert c.get("/v1/creators/cr000001/plan", headers={"Authorization": "Bearer wrong-key-0123456789"}).status_code == 401
        assert c.get("/v1/creators/cr000001/plan", headers={"Authorization": f"Basic {FULL}"}).status_code == 401
        body = _week_body(history, "cr000001", "2025-10-27")
        r = c.post("/v1/creators/cr000001/weeks", json=body, headers={"Authorization": f"Bearer {READ}"})
        assert r.status_code == 403
        ok = c.get("/v1/creators/cr000001/plan", headers={"Authorization": f"Bearer {READ}"})
        assert ok.status_code == 200 and ok.json()["week"] == "2025-10-27" and ok.json()["reason"]
        assert c.get("/v1/creators/nobody/plan", headers={"Authorization": f"Bearer {READ}"}).status_code == 404
        assert c.get("/healthz").status_code == 200  # stateless endpoints stay open
        r = c.post("/v1/creators/cr000001/weeks", json=body, headers={"Authorization": f"Bearer {FULL}"})
        assert r.status_code == 200 and r.json()["added"] == 1
        bad = dict(body, week="2025-11-03", followers=-1)
        r = c.post("/v1/creators/cr000001/weeks", json=bad, headers={"Authorization": f"Bearer {FULL}"})
        assert r.status_code == 422 and "followers" in r.text


def test_concurrent_weeks_for_one_creator_are_all_kept(served, history, recommender):
    url, db_url = served
    weeks = [(pd.Timestamp("2025-10-27") + pd.Timedelta(days=7 * i)).strftime("%Y-%m-%d") for i in range(16)]
    bodies = [_week_body(history, "cr000002", w, "promote" if i % 2 else "none", 100.0 + i) for i, w in enumerate(weeks)]
    bodies += bodies[:4]  # the same weeks again, at the same time: recorded once
    with httpx.Client(base_url=url, timeout=60, headers={"Authorization": f"Bearer {FULL}"}) as c:
        with ThreadPoolExecutor(8) as pool:
            codes = list(pool.map(lambda b: c.post("/v1/creators/cr000002/weeks", json=b).status_code, bodies))
    assert codes == [200] * len(bodies)
    from livelift.plans import Store

    view = creator_view(Store.open(db_url), recommender, "cr000002")
    assert len(view.weeks) == 8 + 16
    assert sorted(view.weeks["gift_diamonds"].tail(16)) == [100.0 + i for i in range(16)]


def test_key_configuration_errors(tmp_path, recommender):
    with pytest.raises(InputError, match="no API keys"):
        load_keys({})
    with pytest.raises(InputError, match="no API keys"):  # a plan store without keys refuses to start
        create_app(recommender, coalesce=False, plan_db=str(tmp_path / "plans.db"), environ={})
    with pytest.raises(InputError, match="unknown scope"):
        parse_keys(["a-long-enough-key-123=plan:write"], "env")
    f = tmp_path / "keys"
    f.write_text("# backend\nkey-from-a-file-0123456=weeks:write\n")
    (key,) = load_keys({"LIVELIFT_API_KEYS_FILE": str(f)})
    assert key.scopes == {"weeks:write"}
