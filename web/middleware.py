"""Pure ASGI middleware of the HTTP service: the body size limit and the last-resort error guard."""

import html
import logging
from collections.abc import Callable
from typing import Any, Optional

from .errors import INTERNAL, error_response, record

__all__ = ["BodyLimit", "ErrorGuard"]

log = logging.getLogger("livelift.http")


class BodyLimit:
    """413 for request bodies over ``max_bytes``.

    Rejects on ``Content-Length`` before reading anything, and counts the bytes
    actually streamed (chunked bodies, lying headers). The body is buffered (it is
    at most ``max_bytes``) and replayed to the app, so the app never sees a partial
    body and no exception has to travel through the framework.
    """

    def __init__(self, app: Any, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = int(max_bytes)

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.max_bytes:
            await self._reject(scope, send, declared)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":  # http.disconnect: nothing to serve
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await self._reject(scope, send, size)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        replayed = False

        async def replay() -> dict:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _reject(self, scope: dict, send: Callable, size: int) -> None:
        if scope.get("method") == "POST" and scope.get("path") in PAGE_FORMS:
            await self._reject_page(scope, send, size)
            return
        rec = record(
            "body_too_large",
            ["body"],
            f"request body is larger than {self.max_bytes:,} bytes",
            None,
            f"a body of at most {self.max_bytes:,} bytes; split large batches into several requests",
            max_bytes=self.max_bytes,
            received_bytes_at_least=size,
        )
        response = error_response([rec], 413, headers={"connection": "close"})
        await response({"type": "http"}, _no_receive, send)


    async def _reject_page(self, scope: dict, send: Callable, size: int) -> None:
        """The web page's forms get a page a browser shows, not JSON about batches."""
        from starlette.responses import HTMLResponse

        back = html.escape(scope.get("path") or "/")
        limit = _size_text(self.max_bytes)
        body = (
            "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>File too large - livelift</title>"
            "</head><body><main><h1>The file is too large for this page</h1>"
            f"<p>This server takes at most {limit} per upload ({self.max_bytes:,} bytes; "
            f"this one is at least {size:,} bytes).</p>"
            "<p>Compress an event log (<code>gzip events.jsonl</code> gives <code>events.jsonl.gz</code>, which this page "
            "reads), upload fewer weeks, or run <code>livelift ingest FILE -o history.csv</code> on your computer, "
            "which has no size limit. The server's operator sets the limit with "
            "<code>livelift serve --max-body-bytes</code>.</p>"
            f"<p><a href=\"{back}\">Back</a></p></main></body></html>"
        )
        response = HTMLResponse(body, status_code=413, headers={"connection": "close"})
        await response({"type": "http"}, _no_receive, send)


PAGE_FORMS = ("/", "/upload")
"""The web page's form posts (``web/page/router.py``): a too-large body there gets an HTML page."""


def _size_text(n: int) -> str:
    return f"{n / 1024 ** 2:,.1f} MiB" if n >= 1024 ** 2 else f"{n / 1024:,.0f} KiB"


async def _no_receive() -> dict:  # pragma: no cover - JSONResponse never reads
    return {"type": "http.disconnect"}


def _content_length(scope: dict) -> Optional[int]:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


class ErrorGuard:
    """An unexpected exception becomes a logged 500 in the one error shape.

    Sits inside Starlette's ServerErrorMiddleware, so the exception is answered here
    (traceback to the log, no details to the client) and the keep-alive connection
    survives, instead of being re-raised to the server.
    """

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: dict) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception:
            log.exception("unhandled error on %s %s", scope.get("method"), scope.get("path"))
            if started:  # too late for a clean answer: let the server drop the connection
                raise
            await error_response([INTERNAL], 500)(scope, _no_receive, send)
