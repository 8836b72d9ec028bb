"""Serializing TikTokLive (v7) events to JSON lines, with the work-around its ``to_dict()`` needs.

TikTokLive 7.0.1 events carry their user and gift as ``ExtendedUser`` /
``ExtendedGift``, subclasses defined in ``TikTokLive.proto.custom_proto`` of
betterproto2 messages generated elsewhere. betterproto2 resolves a message's
string type hints (``"typing.Annotated[int, ...]"``) in the globals of the
module that defines the class (``sys.modules[cls.__module__]``), and
``custom_proto`` does not import ``typing`` (nor the generated modules'
aliases), so ``to_dict()`` on any event with a user or a gift raises
``NameError: name 'typing' is not defined`` -- events parsed off the wire too.
TikTokLive's own ``BaseEvent._type_hints`` fixes this for the event classes
(it resolves against the proto parent's module) but not for these two.

:func:`patch_type_hints` gives ``ExtendedUser`` and ``ExtendedGift`` the same
treatment: their hints are resolved in the globals of their generated proto
parent (``User``'s / ``Gift``'s module), which has every name the strings
use. Injecting ``typing`` alone into ``custom_proto`` is not enough (the
hints also name module aliases such as ``__model__message__common__``), and
merging both parents' globals into one module would let ``Gift``'s and
``User``'s same-named aliases clash. The patch is idempotent and changes no
data, only how the type hints are looked up.

TikTokLive is optional (``pip install 'livelift[record]'``); importing this
module does not import it.
"""

from __future__ import annotations

import dataclasses
import sys
from typing import Any, get_type_hints

__all__ = ["patch_type_hints", "event_to_dict", "event_line"]

_PATCHED = False


def patch_type_hints() -> None:
    """Make ``to_dict()`` work on TikTokLive events that carry a user or a gift (see the module doc)."""
    global _PATCHED
    if _PATCHED:
        return
    import betterproto2
    from TikTokLive.proto import custom_proto

    def _parent_hints(cls: type) -> dict[str, Any]:
        for base in cls.__mro__[1:]:
            if isinstance(base, type) and issubclass(base, betterproto2.Message) and base.__module__ != cls.__module__:
                return get_type_hints(cls, sys.modules[base.__module__].__dict__, {})
        return get_type_hints(cls, sys.modules[cls.__module__].__dict__, {})  # pragma: no cover

    for name in ("ExtendedUser", "ExtendedGift"):
        klass = getattr(custom_proto, name, None)
        if klass is not None:
            klass._type_hints = classmethod(_parent_hints)
    _PATCHED = True


def event_to_dict(event: Any, *, snake: bool = True, defaults: bool = True) -> dict[str, Any]:
    """One TikTokLive event -> a JSON-ready dict (betterproto2's PROTO_JSON output).

    ``snake=True, defaults=True`` is what ingest reads best (snake_case keys,
    ``repeat_end: 0`` present); ``snake=False, defaults=False`` is the
    library's own default (camelCase, zero values omitted, int64 as strings).
    Hand-written events go through :func:`dataclasses.asdict` (``ConnectEvent``)
    or give ``{}`` (``DisconnectEvent``, which has no fields).
    """
    if not hasattr(event, "to_dict"):  # ConnectEvent (a dataclass), DisconnectEvent (no fields)
        return dataclasses.asdict(event) if dataclasses.is_dataclass(event) else {}
    patch_type_hints()
    from betterproto2 import Casing

    return event.to_dict(casing=Casing.SNAKE if snake else Casing.CAMEL, include_default_values=defaults)


def event_line(event: Any, *, snake: bool = True, defaults: bool = True, timestamp_ms: int | None = None,
               creator: str | None = None) -> dict[str, Any]:
    """The line ingest reads: ``{"type": "GiftEvent", "timestamp": ms, "creator": ..., "data": {...}}``."""
    line: dict[str, Any] = {"type": type(event).__name__}
    if timestamp_ms is not None:
        line["timestamp"] = int(timestamp_ms)
    if creator:
        line["creator"] = creator
    line["data"] = event_to_dict(event, snake=snake, defaults=defaults)
    return line
