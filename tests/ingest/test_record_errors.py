"""`livelift record` when TikTok cannot be reached or refuses: a message and what to try, exit 1, no traceback."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

pytest.importorskip("TikTokLive")

from TikTokLive import TikTokLiveClient  # noqa: E402
from TikTokLive.client import errors as tl  # noqa: E402

from livelift.cli import main  # noqa: E402


def test_no_network_is_a_message_not_a_traceback(tmp_path, monkeypatch):
    # a proxy on a closed loopback port: the real client fails to connect, with or without a network
    for var in ("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY", "https_proxy", "http_proxy", "all_proxy"):
        monkeypatch.setenv(var, "http://127.0.0.1:9")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    r = CliRunner().invoke(main, ["record", "@you", "-o", str(tmp_path / "events.jsonl")])
    assert r.exit_code == 1, r.output
    assert r.exception is None or isinstance(r.exception, SystemExit), repr(r.exception)
    assert "@you: could not reach TikTok" in r.output and "internet connection" in r.output
    assert "Traceback" not in r.output


@pytest.mark.parametrize("error, says", [
    (tl.UserOfflineError(), "not LIVE right now"),
    (tl.UserNotFoundError("you", "no room"), "no LIVE for this handle"),
    (tl.AgeRestrictedError(), "age-restricted"),
    (tl.WebcastBlockedError("blocked"), "refused or blocked"),
])
def test_tiktoklive_errors_say_what_happened_and_what_to_try(tmp_path, monkeypatch, error, says):
    def run(self, *a, **k):
        raise error

    monkeypatch.setattr(TikTokLiveClient, "run", run)
    r = CliRunner().invoke(main, ["record", "@you", "-o", str(tmp_path / "events.jsonl")])
    assert r.exit_code == 1 and says in r.output and "@you" in r.output, r.output
    assert r.exception is None or isinstance(r.exception, SystemExit), repr(r.exception)
