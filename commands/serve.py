"""The serve command: the HTTP JSON service and the web page."""

from __future__ import annotations

import click

from .shell import MODEL, RULES

# ---------------------------------------------------------------------- serve
@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True)
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True)
@click.option("--max-batch", type=click.IntRange(1, 100_000), default=1000, show_default=True,
              help="Most profiles accepted in one {\"profiles\": [...]} request.")
@click.option("--max-body-bytes", type=click.IntRange(1024), default=1_048_576, show_default=True,
              help="Larger request bodies get 413.")
@click.option("--access-log/--no-access-log", default=False, show_default=True, help="Log one line per request.")
@click.option("--db", "db", default=None,
              help="Plan store (see `livelift plan`): adds GET /v1/creators/{id}/plan and POST /v1/creators/{id}/weeks, "
                   "behind API keys from LIVELIFT_API_KEYS or LIVELIFT_API_KEYS_FILE.")
@MODEL
@RULES
def serve(host, port, workers, max_batch, max_body_bytes, access_log, db, model_path, rules_dirs):
    """Run the HTTP JSON service (OpenAPI at /docs and /openapi.json).

    The model and rules load before the port opens: if they cannot, the
    server does not start and says why.
    """
    if db:
        try:
            import sqlalchemy  # noqa: F401
        except ImportError:  # pragma: no cover - depends on the extra
            raise click.ClickException("`livelift serve --db` needs SQLAlchemy: pip install 'livelift[plans]'") from None
    try:
        from ..web.server import serve as run
    except ImportError as exc:  # pragma: no cover - depends on the extra
        raise click.ClickException(
            f"the HTTP service needs FastAPI and uvicorn (import failed: {exc}); "
            "install them with: pip install 'livelift[http]'"
        ) from None
    run(host=host, port=port, workers=workers, model_path=model_path, rules_dirs=rules_dirs,
        max_batch=max_batch, max_body_bytes=max_body_bytes, access_log=access_log, db=db)
