"""The web page: ``GET /`` and ``POST /`` (the profile form), ``/upload`` (a history file).

Server-rendered (Jinja2, autoescaped) with charts as inline SVG, so the form
works with JavaScript off: a plain POST renders the answer. ``page.js`` only
makes it smoother (submits without a reload). Every asset comes from this
package (``/static/page/...``): no CDN, works offline.

The page calls the same service methods as the JSON API (``recommend``,
``earnings``), and shows the contract's own field-level problems next to the
field. Build it with :func:`make_router` around a zero-argument callable that
returns the app's service (a :class:`livelift.service.Recommender`).
"""

from __future__ import annotations

import mimetypes
from collections.abc import Callable, Sequence
from importlib import resources
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from ...errors import InputError
from . import forms, views
from .eventlogs import PROFILE_INPUTS, is_missing_info, missing_info_errors, parse_defaults
from .uploads import DEFAULT_READERS, EXAMPLE_NOTE, UploadReader, accepted_suffixes, example_history, read_upload

__all__ = ["make_router", "STATIC_PREFIX"]

STATIC_PREFIX = "/static/page"
_STATIC = frozenset({"page.css", "page.js"})


def _environment() -> Any:
    from jinja2 import Environment, PackageLoader, select_autoescape

    env = Environment(loader=PackageLoader("livelift.web.page", "templates"),
                      autoescape=select_autoescape(["html"]), trim_blocks=True, lstrip_blocks=True)
    env.globals["static"] = lambda name: f"{STATIC_PREFIX}/{name}"
    return env


def make_router(get_service: Callable[[], Any], *, readers: Sequence[UploadReader] = DEFAULT_READERS) -> APIRouter:
    """The page's routes. ``readers`` turn uploads into history frames (see ``uploads.py``)."""
    router = APIRouter(include_in_schema=False)
    env = _environment()
    suffixes = accepted_suffixes(readers)

    def render(name: str, status: int = 200, **context: Any) -> HTMLResponse:
        svc = get_service()
        context.setdefault("model", svc.model_summary)
        context.setdefault("fields", forms.FIELDS)
        context.setdefault("suffixes", suffixes)
        context.setdefault("reader_names", [r.name for r in readers])
        context.setdefault("upload_fields", [f for f in forms.FIELDS if f.name in PROFILE_INPUTS])
        context.setdefault("values", {})
        context.setdefault("errors", {})
        return HTMLResponse(env.get_template(name).render(**context), status_code=status)

    @router.get("/", response_class=HTMLResponse)
    async def form_page() -> HTMLResponse:
        return render("profile.html", values=forms.initial_values(), errors={}, answer=None, tab="profile")

    @router.post("/", response_class=HTMLResponse)
    async def form_submit(request: Request) -> HTMLResponse:
        async with request.form() as form:
            raw = {f.name: str(form.get(f.name, "") or "") for f in forms.FIELDS}
        try:
            profile = forms.parse_form(raw)
        except InputError as exc:
            return render("profile.html", 422, values=raw, errors=forms.field_errors(exc), answer=None,
                          tab="profile")
        svc = get_service()
        rec = await run_in_threadpool(svc.recommend, profile)
        return render("profile.html", values=raw, errors={}, answer=views.answer(rec), tab="profile")

    @router.get("/upload", response_class=HTMLResponse)
    async def upload_page() -> HTMLResponse:
        return render("upload.html", creator_id="", problems=(), result=None, tab="upload")

    @router.post("/upload", response_class=HTMLResponse)
    async def upload_submit(request: Request) -> HTMLResponse:
        filename, data, creator_id, example, values = await _upload_form(request)
        page = {"creator_id": creator_id, "tab": "upload", "filename": filename, "values": values}
        try:
            defaults = parse_defaults(values)
        except InputError as exc:
            return render("upload.html", 422, problems=exc.as_dicts(), errors=_by_field(exc), result=None, **page)
        try:
            result = await run_in_threadpool(_history_answer, get_service(), filename, data, creator_id, readers,
                                             example, defaults)
        except InputError as exc:
            errors = missing_info_errors(exc, defaults) if is_missing_info(exc) else {}
            return render("upload.html", 422, problems=exc.as_dicts(), errors=errors, result=None, **page)
        return render("upload.html", problems=(), result=result, **page)

    @router.get(STATIC_PREFIX + "/{name}")
    async def static(name: str) -> Response:
        if name not in _STATIC:
            return Response("not found", status_code=404, media_type="text/plain")
        body = resources.files("livelift.web.page").joinpath("static", name).read_bytes()
        media = mimetypes.guess_type(name)[0] or "application/octet-stream"
        return Response(body, media_type=media, headers={"cache-control": "public, max-age=3600"})

    return router


async def _upload_form(request: Request) -> tuple[str, bytes, str, bool, dict[str, str]]:
    """(file name, file bytes, creator id, example?, the profile inputs as typed) from the upload form."""
    async with request.form() as form:  # closes the uploaded file's spool
        upload = form.get("history")
        filename = getattr(upload, "filename", "") or ""
        data = await upload.read() if hasattr(upload, "read") else b""
        values = {name: str(form.get(name, "") or "").strip() for name in PROFILE_INPUTS}
        return filename, data, str(form.get("creator_id", "") or "").strip(), form.get("example") == "1", values


def _by_field(exc: InputError) -> dict[str, list[dict[str, Any]]]:
    """Problems located ``upload.<field>`` -> {field: [{..., text}]} for the inputs they name."""
    out: dict[str, list[dict[str, Any]]] = {}
    for p in exc.as_dicts():
        name = str(p["loc"]).removeprefix("upload.")
        text = p["msg"] + (f"; expected {p['expected']}" if p.get("expected") else "") + (
            f" (got {p['input']})" if "input" in p else "")
        out.setdefault(name, []).append({**p, "text": text})
    return out


def _history_answer(svc: Any, filename: str, data: bytes, creator_id: str, readers: Sequence[UploadReader],
                    example: bool = False, defaults: dict[str, Any] | None = None) -> Any:
    from ...service.history import creator_weeks

    ingested = False
    if example:
        weeks, note = creator_weeks(example_history())
        note = EXAMPLE_NOTE
    else:
        read = read_upload(filename, data, readers, creator_id=creator_id or None, defaults=defaults)
        ingested = isinstance(read, tuple)  # an ingest reader's (CreatorWeeks, note)
        weeks, note = read if ingested else creator_weeks(read, creator_id or None)
    rec = svc.recommend(weeks.latest_profile)
    gifts = svc.earnings(diamonds=weeks.total_diamonds)
    out = views.history_answer(weeks, note, rec, gifts)
    if ingested:
        out["basis"] = (f"The recommendation below is for {weeks.creator_id}'s current profile: the last 4 weeks "
                        f"of LIVEs, as livelift ingest --profiles writes it.")
    return out
