"""Bad input to earnings gets a plain message that says what is valid: no Python dict, no profile talk.

`livelift earnings` with neither or both amounts used to print
"(got {'diamonds': None, 'coins': None})"; over HTTP a body that is not an object
said "valid dictionary" and a broken JSON body was told to send "one profile".
"""

from __future__ import annotations

import json

import httpx
import pytest
from click.testing import CliRunner

from livelift import InputError, earnings
from livelift.cli import main
from livelift.errors import NO_INPUT
from livelift.web.app import create_app

PYTHON_WORDS = ("{'", "None", "dictionary", "dict")


def _plain(text: str) -> bool:
    return not any(w in text for w in PYTHON_WORDS)


@pytest.mark.parametrize("kwargs, said", [({}, "nothing to convert"), ({"diamonds": 1, "coins": 2.5}, "not both")])
def test_python_and_cli_say_what_is_valid_without_a_dict(kwargs, said):
    with pytest.raises(InputError) as err:
        earnings(**kwargs)
    assert err.value.input is NO_INPUT and _plain(str(err.value)) and said in str(err.value)
    assert err.value.expected.startswith("exactly one of diamonds or coins")
    args = [a for k, v in kwargs.items() for a in (f"--{k}", str(v))]
    res = CliRunner().invoke(main, ["earnings", *args])
    assert res.exit_code == 1 and "Traceback" not in res.output
    assert _plain(res.output) and said in res.output and "exactly one of diamonds or coins" in res.output
    if kwargs:
        assert "1 diamonds and 2.5 coins" in res.output  # the values given, in words


@pytest.fixture(scope="module")
def http(recommender, serving):
    with serving(create_app(recommender, coalesce=False)) as url, httpx.Client(base_url=url, timeout=60) as c:
        yield c


@pytest.mark.parametrize("raw", [b"{}", b'{"diamonds": 1, "coins": 2}', b"[]", b'"abc"', b"5", b"true", b"{",
                                 b'{"diamonds": '], ids=["empty", "both", "list", "string", "number", "bool",
                                                        "broken", "cut"])
def test_http_errors_are_plain_and_name_diamonds_and_coins(http, raw):
    r = http.post("/v1/earnings", content=raw, headers={"Content-Type": "application/json"})
    assert r.status_code == 422
    (err,) = r.json()["detail"]
    assert err["loc"] == ["body"], err
    assert _plain(err["msg"]) and _plain(err["ctx"]["expected"]), err
    assert "diamonds" in err["ctx"]["expected"] and "coins" in err["ctx"]["expected"], err
    assert "profile" not in err["msg"] + err["ctx"]["expected"], err  # the earnings route takes no profiles
    if raw in (b"[]", b'"abc"', b"5", b"true"):
        kind = {b"[]": "a list", b'"abc"': "a string", b"5": "a number", b"true": "true/false"}[raw]
        assert err["msg"] == f"the body must be a JSON object, not {kind}"
        assert err["input"] == json.loads(raw)


def test_a_body_that_is_not_an_object_is_plain_on_recommendations_too(http):
    r = http.post("/v1/recommendations", json="a profile")
    (err,) = r.json()["detail"]
    assert r.status_code == 422 and _plain(err["msg"]) and "profile" in err["msg"]


@pytest.mark.parametrize("args, said", [(["--diamonds", "1e300"], "out of range"), (["--coins", "2e12"], "out of range"),
                                        (["--diamonds", "-5"], "out of range"), (["--diamonds", "inf"], "not a finite number")])
def test_cli_and_python_refuse_what_http_refuses(args, said):
    """One bound everywhere: HTTP refused 1e300 diamonds, the CLI printed a 300-digit dollar amount."""
    from livelift.data.fields import EARNINGS_MAX

    res = CliRunner().invoke(main, ["earnings", *args])
    assert res.exit_code == 1 and "Traceback" not in res.output, res.output
    assert f"{args[0][2:]}: {said}" in res.output and f"a number from 0 to {EARNINGS_MAX:,}" in res.output
    with pytest.raises(InputError) as err:
        earnings(**{args[0][2:]: float(args[1])})
    assert err.value.loc == args[0][2:] and err.value.expected == f"a number from 0 to {EARNINGS_MAX:,}"
    assert earnings(diamonds=EARNINGS_MAX).usd > 0  # the bound itself is fine


def test_http_earnings_bound_is_the_one_bound(http):
    from livelift.data.fields import EARNINGS_MAX

    r = http.post("/v1/earnings", json={"diamonds": EARNINGS_MAX * 10})
    assert r.status_code == 422 and r.json()["detail"][0]["ctx"]["le"] == EARNINGS_MAX
