"""Every error the HTTP service answers, in one shape.

``{"detail": [{"type", "loc", "msg", "input", "ctx": {"expected", ...}}]}`` for request
validation (422), the data contract's :class:`InputError` (422), bodies that are not
JSON (422), bodies over the size limit (413, built in ``middleware.py``), unknown
paths and methods (404/405), a model or rules failing at request time (503) and bugs
(500, details only in the log). ``ctx.expected`` always says what would be valid.

Echoed values are made safe to encode (a lone surrogate is written as ``\\ud800``)
and short (long text is cut), so an error can never fail to be sent.
"""

import difflib
import logging
import math
from collections.abc import Sequence
from typing import Any, Optional

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from . import schemas
from ..errors import InputError, LiveLiftError, ModelError, RuleFileError

__all__ = ["record", "error_response", "jsonable", "input_error_records", "install_handlers", "INTERNAL"]

log = logging.getLogger("livelift.http")

MAX_ECHO = 200
"""Longest text echoed back in ``input`` (a 1 MB id is not sent back twice)."""

_TAGS = {schemas.SINGLE_TAG, schemas.BATCH_TAG}
_JSON_EXPECTED = ("a UTF-8 JSON object of reasonable depth, e.g. one profile or "
                  '{"profiles": [...]}, with Content-Type: application/json')
_EARNINGS_JSON_EXPECTED = 'a UTF-8 JSON object such as {"diamonds": 10000} or {"coins": 700}, with Content-Type: application/json'


def _safe_text(text: str, limit: Optional[int] = None) -> str:
    """``text`` encodable as UTF-8 (lone surrogates escaped), cut to ``limit`` characters if given."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    if limit is not None and len(text) > limit:
        return f"{text[:limit]}... ({len(text):,} characters)"
    return text


def jsonable(value: Any, limit: Optional[int] = None) -> Any:
    """``value`` as plain JSON: numpy scalars unwrapped, non-finite floats as text, strings
    safe to encode (and cut to ``limit`` characters, for echoes in errors)."""
    if value is None or isinstance(value, (bool, int)):
        return value
    if isinstance(value, str):
        return _safe_text(value, limit)
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, dict):
        return {_safe_text(str(k), limit): jsonable(v, limit) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v, limit) for v in value]
    if isinstance(value, BaseException):
        return _safe_text(str(value), limit)
    try:  # numpy scalars
        return jsonable(value.item(), limit)
    except AttributeError:
        return _safe_text(str(value), limit)


def record(typ: str, loc: Sequence[Any], msg: str, value: Any, expected: str, **ctx: Any) -> dict[str, Any]:
    """One error record (every field made safe to encode)."""
    return {
        "type": typ,
        "loc": [p if isinstance(p, int) else _safe_text(str(p), MAX_ECHO) for p in loc],
        "msg": _safe_text(msg, 4 * MAX_ECHO),
        "input": jsonable(value, MAX_ECHO),
        "ctx": {**{k: jsonable(v, MAX_ECHO) for k, v in ctx.items()}, "expected": _safe_text(expected)},
    }


def error_response(records: list[dict[str, Any]], status: int, headers: Optional[dict] = None) -> JSONResponse:
    return JSONResponse({"detail": records}, status_code=status, headers=headers)


INTERNAL = record("internal_error", [], "internal server error", None,
                  "nothing: the request may be fine; the server log has the details of this bug")


# --------------------------------------------------------------------------- request validation


def _clean_loc(loc: Sequence[Any]) -> list[Any]:
    """Drop the union tag pydantic puts after "body" (["body","batch","profiles",3,...])."""
    out = list(loc)
    if len(out) >= 2 and out[0] == "body" and out[1] in _TAGS:
        del out[1]
    return out


def _suggest(name: str, candidates: Sequence[str]) -> Optional[str]:
    """A field ``name`` may be a misspelling of (never ``name`` itself: a real
    profile field that is merely in the wrong place, e.g. beside "profiles")."""
    close = difflib.get_close_matches(name, candidates, n=1, cutoff=0.7)
    return close[0] if close and close[0] != name else None


def _is_earnings(path: str) -> bool:
    return path.endswith("/earnings")


def _allowed_fields(path: str, raw_loc: Sequence[Any]) -> str:
    """What may appear where an unknown field was found."""
    if _is_earnings(path):
        return "only the field 'diamonds' or the field 'coins'"
    if len(raw_loc) == 3 and raw_loc[1] == schemas.BATCH_TAG:
        return "only the field 'profiles' (a list of profiles)"
    return "only the fields " + ", ".join(schemas.PROFILE_FIELD_NAMES)


def _json_expected(path: str) -> str:
    return _EARNINGS_JSON_EXPECTED if _is_earnings(path) else _JSON_EXPECTED


def _body_expected(path: str) -> str:
    if _is_earnings(path):
        return schemas.EARNINGS_EXPECTED
    return 'one profile object or {"profiles": [profile, ...]}'


def _json_kind(value: Any) -> str:
    """The JSON name of a decoded body's type ("a list", "a string", "null")."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number"
    return {str: "a string", list: "a list"}.get(type(value), "that")


def _validation_record(err: dict, request: Request) -> dict:
    raw_loc = tuple(err.get("loc", ()))
    loc = _clean_loc(raw_loc)
    typ = err.get("type", "value_error")
    msg = err.get("msg", "invalid value")
    value = err.get("input")
    ctx = dict(err.get("ctx") or {})
    if ctx.pop("pattern", None) is not None and typ == "string_pattern_mismatch":
        msg = "unknown country code"  # the region regex is long; ctx.expected says it in words
    path = request.url.path
    expected = ctx.pop("expected", None) or schemas.expected_for_loc(loc)
    if isinstance(value, (bytes, bytearray)):  # the body was not decoded as JSON
        typ, msg, value = "content_type", "the body must be JSON, sent with the header 'Content-Type: application/json'", \
            request.headers.get("content-type")
        ctx, expected = {}, "Content-Type: application/json"
    elif typ == "json_invalid":
        where = f" at character {loc[1]}" if len(loc) > 1 else ""
        msg, loc, value, expected = f"the body is not valid JSON ({ctx.pop('error', msg)}){where}", ["body"], None, \
            _json_expected(path)
        ctx = {"position": raw_loc[1]} if where else {}
    elif typ == "string_unicode":
        expected = "text of Unicode characters (UTF-8), without lone UTF-16 surrogates such as \\ud800"
    elif typ == "model_attributes_type" and loc == ["body"]:  # pydantic says "valid dictionary": Python's word
        msg, expected = f"the body must be a JSON object, not {_json_kind(value)}", _body_expected(path)
    elif typ == "missing" and loc == ["body"]:
        msg, expected = "a JSON body is required", _body_expected(path)
    elif typ == "extra_forbidden":
        name = str(loc[-1]) if loc else ""
        hint = _suggest(name, ("diamonds", "coins") if _is_earnings(path) else schemas.PROFILE_FIELD_NAMES)
        msg = f"unknown field {name!r}" + (f" (did you mean {hint!r}?)" if hint else "")
        expected = _allowed_fields(path, raw_loc)
    elif typ == "too_long" and isinstance(value, (list, tuple)):
        value = f"<{len(value)} items>"  # don't echo a huge batch back
        expected = f"at most {ctx.get('max_length', '?')} items; split the batch"
    elif typ == "too_short" and isinstance(value, (list, tuple)):
        value = f"<{len(value)} items>"
        expected = "at least 1 profile: an empty batch has nothing to rank"
    elif typ == "missing" and expected is not None:
        expected = f"the field {loc[-1]!r}: {expected}"
    return record(typ, loc, msg, value, expected or _body_expected(path), **ctx)


async def _on_validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    return error_response([_validation_record(e, request) for e in exc.errors()], 422)


# --------------------------------------------------------------------------- the service's own errors


def _split_loc(loc: str) -> list[Any]:
    """The service's text location as a JSON path under the body.

    'profiles[3].engagement_rate' -> ['profiles', 3, 'engagement_rate'];
    'profile.followers' -> ['followers'] (a single profile *is* the body).
    """
    parts: list[Any] = []
    text = (loc or "").replace("]", "").replace("[", ".").replace(":", ".").replace(",", ".")
    for piece in text.split("."):
        piece = piece.strip()
        if not piece:
            continue
        parts.append(int(piece) if piece.isdigit() else piece)
    if parts and parts[0] in ("profile", "earnings"):
        del parts[0]
    return parts


_REQUEST_PARTS = ("body", "query", "path", "header")
"""A location that already starts with one of these is not put under ``prefix`` again
(``loc="query.week"`` -> ``["query", "week"]``, not ``["body", "query", "week"]``)."""


def _under(prefix: Sequence[Any], parts: list[Any]) -> list[Any]:
    return parts if parts and parts[0] in _REQUEST_PARTS else [*prefix, *parts]


def input_error_records(exc: LiveLiftError, prefix: Sequence[Any] = ("body",)) -> list[dict]:
    """An :class:`InputError` as the 422 records request validation gives."""
    return [
        record(
            "livelift_input",
            _under(prefix, _split_loc(problem.get("loc", ""))),
            problem.get("msg", str(exc)),
            problem.get("input"),
            problem.get("expected") or "see the schema at /openapi.json",
        )
        for problem in exc.as_dicts()
    ]


async def _on_input_error(request: Request, exc: InputError) -> JSONResponse:
    return error_response(input_error_records(exc), 422)


# --------------------------------------------------------------------------- HTTP-level errors


def _http_record(request: Request, exc: StarletteHTTPException) -> tuple[dict, int]:
    """FastAPI answers a body it cannot decode (not UTF-8, nested too deeply, a 5,000-digit
    integer) with 400 "There was an error parsing the body": that is a 422 json_invalid here."""
    if exc.status_code == 400 and request.method == "POST":
        return record("json_invalid", ["body"], "the body could not be read as JSON", None,
                      _json_expected(request.url.path)), 422
    if exc.status_code == 404:
        detail = str(exc.detail or "")
        if detail and detail != "Not Found":  # a route's own 404: the path exists, what it names does not
            return record("not_found", ["path"], detail, request.url.path,
                          "an existing resource for this route (see its description at /openapi.json)"), 404
        return record("not_found", ["path"], "no such path", request.url.path,
                      "one of the paths listed at /openapi.json"), 404
    if exc.status_code == 405:
        allow = next((v for k, v in (exc.headers or {}).items() if k.lower() == "allow"), "")
        return record("method_not_allowed", ["method"], f"{request.method} is not allowed here", request.method,
                      f"one of: {allow}" if allow else "a method listed at /openapi.json"), 405
    return record("http_error", [], str(exc.detail), None, "a request as described at /openapi.json"), exc.status_code


async def _on_http_exception(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    rec, status = _http_record(request, exc)
    return error_response([rec], status, headers=getattr(exc, "headers", None))


async def _on_unavailable(request: Request, exc: LiveLiftError) -> JSONResponse:
    log.error("service unavailable: %s", exc)
    rec = record("service_unavailable", [], "the model or rules are not available; see the server log", None,
                 "a retry once the operator has fixed the model or rules")
    return error_response([rec], 503)


async def _on_unexpected(request: Request, exc: Exception) -> JSONResponse:
    # Backstop for errors in the middleware stack itself; app errors stop at ErrorGuard.
    log.error("unhandled error on %s %s", request.method, request.url.path)
    return error_response([INTERNAL], 500)


def install_handlers(app: FastAPI) -> None:
    """Route every kind of error to its handler above."""
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    app.add_exception_handler(StarletteHTTPException, _on_http_exception)
    app.add_exception_handler(InputError, _on_input_error)
    app.add_exception_handler(ModelError, _on_unavailable)
    app.add_exception_handler(RuleFileError, _on_unavailable)
    app.add_exception_handler(Exception, _on_unexpected)
