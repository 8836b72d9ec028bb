"""TikTokLive 7.0.1's to_dict() trap (NameError: name 'typing' is not defined) and our work-around."""

from __future__ import annotations

import subprocess
import sys

import pytest

TikTokLive = pytest.importorskip("TikTokLive")

BUILD = """
from TikTokLive.events import GiftEvent
from TikTokLive.proto.custom_proto import ExtendedGift, ExtendedUser
e = GiftEvent(gift_id=1, repeat_count=2, user=ExtendedUser(id=1, display_id="a"),
              gift=ExtendedGift(id=1, type=1, diamond_count=5))
"""


@pytest.mark.slow  # trains a model / starts a fresh interpreter
def test_the_trap_exists_without_the_patch():
    code = BUILD + "\ntry:\n    e.to_dict()\nexcept NameError as exc:\n    print('NameError', exc)\n"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert "NameError name 'typing' is not defined" in out.stdout, out.stderr[-500:]


def test_the_patch_makes_both_casings_serialize():
    from TikTokLive.events import GiftEvent
    from TikTokLive.proto.custom_proto import ExtendedGift, ExtendedUser

    from livelift.ingest.tiktoklive import event_to_dict

    e = GiftEvent(gift_id=1, repeat_count=2, user=ExtendedUser(id=1, display_id="a"),
                  gift=ExtendedGift(id=1, type=1, diamond_count=5))
    snake = event_to_dict(e)
    camel = event_to_dict(e, snake=False, defaults=False)
    assert snake["gift"]["diamond_count"] == 5 and snake["repeat_end"] == 0 and snake["user"]["display_id"] == "a"
    assert camel["gift"]["diamondCount"] == 5 and "repeatEnd" not in camel and camel["user"]["displayId"] == "a"
    # and the library reads its own output back
    back = GiftEvent.from_dict(camel)
    assert back.repeat_count == 2 and back.gift.diamond_count == 5
