"""What one JSON line says: its event kind, time, room, message id and fields.

A line is one JSON object. Its event type sits under ``type`` or ``event``
(or ``event_type``) as a TikTokLive class name (``GiftEvent``), a Node
connector event name (``gift``, ``roomUser``, ``streamEnd``) or a Webcast
method (``WebcastGiftMessage``). Its fields sit at the top level or under
``data``. The time comes from ``common.createTime`` / ``common.create_time``
(epoch ms, often a string), the Node v1 flat ``createTime``, or a top-level
``timestamp`` / ``ts`` (epoch ms or ISO 8601). The room from
``common.roomId`` / ``room_id`` / ``roomId`` (or the last connect event of the
file, for the Node v1 connector whose events carry no room id).
"""

from __future__ import annotations


from .keys import BadField, epoch_ms, get, sub, text, whole

__all__ = ["kind_of", "envelope", "head", "when", "room_of", "msg_id_of", "user_id", "KINDS"]

# kind -> names that mean it, lower-cased with 'event', 'webcast' and 'message' removed
_NAMES: dict[str, tuple[str, ...]] = {
    "gift": ("gift",),
    "like": ("like",),
    "comment": ("comment", "chat"),
    "follow": ("follow",),
    "share": ("share",),
    "social": ("social",),
    "viewers": ("roomuserseq", "roomuser"),
    "join": ("join", "member"),
    "connect": ("connect", "connected"),
    "end": ("liveend", "streamend"),
    "control": ("control",),
    "disconnect": ("disconnect", "disconnected"),
    "collab": (
        "linkmicbattle", "linkmicarmies", "linkmicmethod", "linkmicfanticketmethod", "linkmicbattletask",
        "linkmicbattlepunishfinish", "linkmicbattleitemcard", "linkmiclayoutstate", "linklayer", "linkstate",
        "link", "linkmicband",
    ),
    # known, carry nothing the history needs: not counted as unknown
    "ignored": (
        "emotechat", "emote", "envelope", "questionnew", "subnotify", "subscribe", "goalupdate", "roompin",
        "room", "rankupdate", "ranktext", "hourlyrank", "hourlyrankreward", "poll", "caption", "barrage",
        "superfan", "superfanjoin", "superfanbox", "liveintro", "roomverify", "system", "toast", "imdelete",
        "inroombanner", "giftbroadcast", "giftpanelupdate", "giftprompt", "giftdynamicrestriction",
        "livepause", "liveunpause", "websocketresponse", "rawdata", "decodeddata", "streamstatuschange",
        "error", "oecliveshopping", "guide", "notice", "bottom", "capsule", "speaker", "accesscontrol",
        "accessrecall", "boostcard", "gameranknotify", "marqueeannouncement", "msgdetect",
        "messagedetect", "partnershipdropsupdate", "partnershipgameoffline", "partnershippunish",
        "perception", "roomnotify", "subpinevent", "unauthorizedmember", "viewerpicksupdate", "roommessage",
        "websocketconnected", "unknown",
    ),
}
KINDS: dict[str, str] = {name: kind for kind, names in _NAMES.items() for name in names}
_CACHE: dict[str, str | None] = {}


def kind_of(name: str) -> str | None:
    """'GiftEvent', 'gift', 'WebcastGiftMessage' -> 'gift'; None for an unknown type."""
    try:
        return _CACHE[name]
    except KeyError:
        pass
    key = name.strip().lower().replace("_", "").replace("-", "")
    if key.startswith("webcast"):
        key = key[7:]
    for suffix in ("message", "event"):
        if key.endswith(suffix) and len(key) > len(suffix):
            key = key[: -len(suffix)]
    kind = KINDS.get(key)
    if len(_CACHE) < 10_000:
        _CACHE[name] = kind
    return kind


_TYPE_KEYS = ("type", "event", "event_type", "eventType")


def envelope(obj: dict) -> tuple[str | None, dict]:
    """-> (type name or None, the object holding the event's fields)."""
    name = obj.get("type")
    if type(name) is not str:
        name = None
        for key in _TYPE_KEYS[1:]:
            v = obj.get(key)
            if type(v) is str:
                name = v
                break
    data = obj.get("data")
    return name, (data if type(data) is dict else obj)


def head(obj: dict, data: dict) -> tuple[int | None, str, str]:
    """-> (epoch ms or None, room id or '', message id or ''): the common header, read once.

    The fast path handles what the clients write most (a ``common`` object with
    digit-string or integer values); anything else goes through :func:`when`,
    :func:`room_of` and :func:`msg_id_of`.
    """
    common = data.get("common")
    if common is None:
        common = obj.get("common")
    if type(common) is dict:
        t = common.get("createTime")
        if t is None:
            t = common.get("create_time")
        r = common.get("roomId")
        if r is None:
            r = common.get("room_id")
        m = common.get("msgId")
        if m is None:
            m = common.get("msg_id")
        if (type(t) is int and t > _SECONDS_BELOW) or (type(t) is str and t.isascii() and t.isdigit() and len(t) >= 12):
            if r is not None and r != "0" and r != 0:
                return int(t), (r if type(r) is str else text(r)), (m if type(m) is str else text(m))
    return when(obj, data), room_of(obj, data), msg_id_of(obj, data)


_SECONDS_BELOW = 100_000_000_000


def when(obj: dict, data: dict) -> int | None:
    """Epoch ms of the event, or None when the line carries no time."""
    common = sub(data, "common") or sub(obj, "common")
    if common is not None:
        v = get(common, "create_time", "createTime")
        if v is not None and v != "0" and v != 0:
            return epoch_ms(v, "common.createTime")
    for holder in (data, obj) if data is not obj else (obj,):
        for key in ("createTime", "create_time", "timestamp", "ts", "time"):
            v = holder.get(key)
            if v is not None and v != "0" and v != 0:
                return epoch_ms(v, key)
    return None


def room_of(obj: dict, data: dict) -> str:
    """The room id as text ('' when the line has none)."""
    common = sub(data, "common") or sub(obj, "common")
    if common is not None:
        v = get(common, "room_id", "roomId")
        if v is not None and v != "0" and v != 0:
            return text(v)
    for holder in (data, obj):
        v = get(holder, "room_id", "roomId")
        if v is not None and v != "0" and v != 0:
            return text(v)
    return ""


def msg_id_of(obj: dict, data: dict) -> str:
    common = sub(data, "common") or sub(obj, "common")
    if common is not None:
        v = get(common, "msg_id", "msgId")
        if v is not None:
            return text(v)
    v = get(data, "msg_id", "msgId")
    return text(v)


def user_id(data: dict) -> str:
    """The acting user's id (numeric id, else @handle) or ''."""
    user = data.get("user")
    if type(user) is dict:
        v = user.get("id")
        if v is None or v == "0" or v == 0:
            v = user.get("userId") or user.get("user_id")
        if v:
            return v if type(v) is str else text(v)
        return text(get(user, "display_id", "displayId") or get(user, "unique_id", "uniqueId"))
    v = get(data, "user_id", "userId") or get(data, "unique_id", "uniqueId")
    return text(v)


def receiver(data: dict) -> tuple[str, str]:
    """-> (receiver @handle, receiver numeric id); ('', '') when the gift names no receiver."""
    to = sub(data, "to_user", "toUser")
    if to is not None:
        handle = get(to, "display_id", "displayId") or get(to, "unique_id", "uniqueId") or ""
        rid = get(to, "id") or get(to, "user_id", "userId") or ""
        return text(handle).lstrip("@").lower(), text(rid) if rid not in ("0", 0) else ""
    rid = get(data, "receiver_user_id", "receiverUserId")
    if rid is None:
        extra = sub(data, "gift_extra", "giftExtra")
        if extra is not None:
            rid = get(extra, "receiver_user_id", "receiverUserId")
    rid = text(rid)
    return "", rid if rid != "0" else ""


def gift_details(data: dict) -> tuple[int, int]:
    """-> (diamond count per gift, gift type); type 1 = streakable. Raises BadField if absent."""
    for key_s, key_c in (("gift", None), ("gift_details", "giftDetails")):
        g = sub(data, key_s, key_c)
        if g is None:
            continue
        d = get(g, "diamond_count", "diamondCount")
        t = get(g, "type")
        if t is None:
            t = get(g, "gift_type", "giftType")
        if d is None and key_s == "gift" and ("gift_id" in g or "repeat_count" in g):
            continue  # Node v1's legacy 'gift' object (no diamond count): the flat fields follow
        return whole(d, f"{key_s}.diamondCount"), whole(t, f"{key_s}.type")
    d = get(data, "diamond_count", "diamondCount")
    if d is None:
        raise BadField("gift.diamondCount", "a gift event without its gift's diamond count", None)
    return whole(d, "diamondCount"), whole(get(data, "gift_type", "giftType"), "giftType")
