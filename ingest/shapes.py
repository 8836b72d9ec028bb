"""The JSON lines each client writes, built from TikTokLive's own event objects.

Used by the example generator, the tests and the benchmark, so every shape
starts from the real library's classes and serializer (``to_dict()``):

- :func:`tiktoklive_line`: TikTokLive (Python) ``to_dict()`` in snake_case
  with default values (what ``livelift record`` writes) or camelCase without
  them (the library's default: int64 as strings, ``repeatEnd: 0`` omitted),
  fields under ``data`` or at the top level, type under ``type`` or ``event``;
- :func:`node_v2_line`: TikTok-Live-Connector v2 (``WebcastEvent.*`` names,
  nested ``common`` / ``user`` / ``giftDetails``), re-keyed from the camelCase dict;
- :func:`node_v1_line`: TikTok-Live-Connector v1 (flat: ``simplifyObject``
  lifts ``user`` and ``giftDetails`` to the top level, ``repeatEnd`` becomes a
  boolean, ``msgId`` / ``createTime`` sit at the top level, and no room id).

The Node shapes follow the connector's source (``webcastDataConverter.js``
for v1, the v2 README's event names); they are re-keyed here because the
Node library cannot run in Python.
"""

from __future__ import annotations

from typing import Any

from .tiktoklive import event_to_dict

__all__ = ["tiktoklive_line", "node_v2_line", "node_v1_line", "NODE_NAMES"]

NODE_NAMES = {
    "GiftEvent": "gift", "LikeEvent": "like", "CommentEvent": "chat", "RoomUserSeqEvent": "roomUser",
    "JoinEvent": "member", "FollowEvent": "follow", "ShareEvent": "share", "LiveEndEvent": "streamEnd",
    "ConnectEvent": "connected", "LinkMicBattleEvent": "linkMicBattle", "LinkMicArmiesEvent": "linkMicArmies",
    "EnvelopeEvent": "envelope", "SocialEvent": "social",
}


def tiktoklive_line(event: Any, *, snake: bool = True, nested: bool = True, type_key: str = "type",
                    timestamp: Any = None, extra: dict | None = None) -> dict[str, Any]:
    body = event_to_dict(event, snake=snake, defaults=snake)
    line: dict[str, Any] = {type_key: type(event).__name__}
    if timestamp is not None:
        line["timestamp"] = timestamp
    line.update(extra or {})
    if nested:
        line["data"] = body
    else:
        line.update(body)
    return line


def _camel(event: Any) -> dict[str, Any]:
    return event_to_dict(event, snake=False, defaults=False)


def _user(u: dict | None) -> dict[str, Any]:
    u = u or {}
    return {"userId": u.get("id", "0"), "uniqueId": u.get("displayId", ""), "nickname": u.get("nickname", "")}


def _v2_body(name: str, d: dict[str, Any]) -> dict[str, Any]:
    common = d.get("common", {})
    out: dict[str, Any] = {"common": {k: common[k] for k in ("msgId", "roomId", "createTime") if k in common}}
    if "user" in d:
        out["user"] = _user(d["user"])
    if name == "GiftEvent":
        g = d.get("gift", {})
        out.update(giftId=d.get("giftId"), repeatCount=d.get("repeatCount", 0), repeatEnd=d.get("repeatEnd", 0),
                   groupId=d.get("groupId", "0"),
                   giftDetails={"giftName": g.get("name", ""), "giftType": g.get("type", 0),
                                "diamondCount": g.get("diamondCount", 0)})
        if "toUser" in d:
            out["toUser"] = _user(d["toUser"])
    elif name == "LikeEvent":
        out.update(likeCount=d.get("count", 0), totalLikeCount=d.get("total", 0))
    elif name == "CommentEvent":
        out["comment"] = d.get("content", "")
    elif name == "RoomUserSeqEvent":
        out["viewerCount"] = d.get("total", 0)
    elif name in ("FollowEvent", "ShareEvent"):
        out["displayType"] = "pm_main_follow_message_viewer_2" if name == "FollowEvent" else "pm_mt_guidance_share"
    elif name == "ConnectEvent":
        out = {"roomId": str(d["room_id"]), "uniqueId": d["unique_id"], "isConnected": True}
    elif name == "LiveEndEvent":
        out["action"] = 3
    return out


def node_v2_line(event: Any, *, timestamp: Any = None) -> dict[str, Any]:
    """``{"type": "gift", "data": {...v2 nested...}}`` (+ ``timestamp`` if given)."""
    name = type(event).__name__
    d = event.__dict__ if name == "ConnectEvent" else _camel(event)
    line: dict[str, Any] = {"type": NODE_NAMES.get(name, name[0].lower() + name[1:-5]), "data": _v2_body(name, d)}
    if timestamp is not None:
        line["timestamp"] = timestamp
    return line


def node_v1_line(event: Any, *, timestamp: Any = None, host_id: str | None = None) -> dict[str, Any]:
    """``{"event": "gift", ...v1 flat fields...}``: user and gift details lifted, no room id.

    v1 puts the receiver's id on every gift (``giftExtra.receiverUserId``):
    pass ``host_id`` to set it on gifts to the host (the event has no ``to_user``).
    """
    name = type(event).__name__
    d = event.__dict__ if name == "ConnectEvent" else _camel(event)
    body = _v2_body(name, d)
    flat: dict[str, Any] = {"event": NODE_NAMES.get(name, name[0].lower() + name[1:-5])}
    common = body.pop("common", {})
    if "user" in body:
        flat.update(body.pop("user"))
    if name == "GiftEvent":
        details = body.pop("giftDetails")
        to = body.pop("toUser", None)
        body["repeatEnd"] = bool(int(body["repeatEnd"]))
        body["gift"] = {"gift_id": body["giftId"], "repeat_count": body["repeatCount"],
                        "repeat_end": int(body["repeatEnd"]), "gift_type": details["giftType"]}
        body.update(details)
        if to is not None:
            body["receiverUserId"] = to["userId"]
        elif host_id is not None:
            body["receiverUserId"] = host_id
    flat.update(body)
    if name in ("RoomUserSeqEvent", "LiveEndEvent", "ConnectEvent"):
        if timestamp is not None or "createTime" in common:
            flat["timestamp"] = timestamp if timestamp is not None else int(common["createTime"])
    else:
        if "msgId" in common:
            flat["msgId"] = common["msgId"]
        if "createTime" in common:
            flat["createTime"] = common["createTime"]
    if name == "ConnectEvent":
        flat.pop("roomId", None)
        flat["roomId"] = str(d["room_id"])
    return flat
