"""Running the HTTP service: :func:`serve` (``livelift serve``) and the multi-worker factory.

Configuration for worker processes comes from the environment: ``LIVELIFT_MODEL``,
``LIVELIFT_RULES`` (directories joined with ``os.pathsep``), ``LIVELIFT_MAX_BODY_BYTES``
and ``LIVELIFT_MAX_BATCH``. With several workers, uvicorn imports
``livelift.web.server:app_from_env`` in each; :func:`serve` sets those variables.
"""

import copy
import os
import socket
from collections.abc import Iterable
from typing import Any, Optional

from fastapi import FastAPI

from .app import DEFAULT_MAX_BATCH, DEFAULT_MAX_BODY, create_app
from .context import load_service
from ..errors import InputError

__all__ = ["serve", "app_from_env", "log_config", "ENV_MODEL", "ENV_RULES", "ENV_MAX_BODY", "ENV_MAX_BATCH", "ENV_PLAN_DB",
           "APP_FACTORY"]

ENV_MODEL = "LIVELIFT_MODEL"
ENV_RULES = "LIVELIFT_RULES"
ENV_MAX_BODY = "LIVELIFT_MAX_BODY_BYTES"
ENV_MAX_BATCH = "LIVELIFT_MAX_BATCH"
ENV_PLAN_DB = "LIVELIFT_PLAN_DB"
"""A plan store (``livelift serve --db``): adds the personal-plan routes behind API keys."""
APP_FACTORY = "livelift.web.server:app_from_env"
"""What uvicorn imports in each worker process."""


def app_from_env(environ: Optional[dict] = None) -> FastAPI:
    """uvicorn factory for multi-worker runs: configuration from ``LIVELIFT_*`` variables."""
    env = os.environ if environ is None else environ
    rules = tuple(p for p in env.get(ENV_RULES, "").split(os.pathsep) if p)
    return create_app(
        model_path=env.get(ENV_MODEL) or None,
        rules_dirs=rules,
        max_body_bytes=_env_int(env, ENV_MAX_BODY, DEFAULT_MAX_BODY),
        max_batch=_env_int(env, ENV_MAX_BATCH, DEFAULT_MAX_BATCH),
        freeze_gc=True,
        plan_db=env.get(ENV_PLAN_DB) or None,
        environ=env,
    )


def _env_int(env: Any, name: str, default: int) -> int:
    raw = env.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value < 1:
        raise InputError(f"environment variable {name} must be a positive integer", loc=name, input=raw,
                         expected="a positive integer")
    return value


def log_config(level: str = "info") -> dict:
    """uvicorn's logging config plus the ``livelift`` logger on the same handler."""
    from uvicorn.config import LOGGING_CONFIG

    cfg = copy.deepcopy(LOGGING_CONFIG)
    cfg["loggers"]["livelift"] = {"handlers": ["default"], "level": level.upper(), "propagate": False}
    return cfg


def _check_can_listen(host: str, port: int) -> None:
    """Fail with a clear InputError (not uvicorn's exit 3) if host:port cannot be bound."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except (OSError, UnicodeError) as exc:
        raise InputError(f"cannot resolve host {host!r} ({exc})", loc="--host", input=host,
                         expected="an address of this machine such as 127.0.0.1, ::1 or 0.0.0.0") from None
    family, socktype, proto, _, addr = infos[0]
    with socket.socket(family, socktype, proto) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(addr)
        except OSError as exc:
            raise InputError(f"cannot listen on {host}:{port}: {exc.strerror or exc}", loc="--port",
                             input=port, expected="a free port (or --port 0 for any), on an address of this machine",
                             hint="Is another server (or livelift serve) already running there?") from None


def _export_config(model_path: Any, rules_dirs: tuple[str, ...], max_body_bytes: int, max_batch: int) -> None:
    """Hand the configuration to worker processes (they run :func:`app_from_env`)."""
    os.environ[ENV_RULES] = os.pathsep.join(rules_dirs)
    if model_path is not None:
        os.environ[ENV_MODEL] = str(model_path)
    else:
        os.environ.pop(ENV_MODEL, None)
    os.environ[ENV_MAX_BODY] = str(max_body_bytes)
    os.environ[ENV_MAX_BATCH] = str(max_batch)


def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: int = 1,
    model_path: Any = None,
    rules_dirs: Iterable[Any] = (),
    *,
    max_body_bytes: int = DEFAULT_MAX_BODY,
    max_batch: int = DEFAULT_MAX_BATCH,
    log_level: str = "info",
    access_log: bool = False,
    db: Any = None,
) -> None:
    """Load the model and rules, then serve until interrupted.

    Raises :class:`ModelError` / :class:`RuleFileError` / :class:`InputError` *before*
    binding the port if the model or rules cannot be used (the CLI prints it and exits 1).
    ``access_log`` adds uvicorn's line per request (off: it doubles the CPU per request).
    ``db`` (a plan store) adds the personal-plan routes, behind the API keys of
    ``LIVELIFT_API_KEYS`` / ``LIVELIFT_API_KEYS_FILE`` (checked before the port opens).
    """
    import uvicorn

    if workers < 1:
        raise InputError("workers must be >= 1", loc="--workers", input=workers, expected="an integer >= 1")
    rules_dirs = tuple(str(d) for d in rules_dirs)
    # Requests already run side by side; OpenMP threads inside scikit-learn's predict only
    # oversubscribe the cores (a 1,000-profile batch: 0.4 s with 1 thread, 0.7-5.5 s without).
    # Set before scikit-learn loads OpenMP; inherited by the workers.
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    service = load_service(model_path, rules_dirs)  # raises LiveLiftError: refuse to start
    _check_can_listen(host, port)
    opts = {"log_level": log_level, "log_config": log_config(log_level), "access_log": access_log}
    if workers == 1:
        app = create_app(service, max_body_bytes=max_body_bytes, max_batch=max_batch, freeze_gc=True, plan_db=db)
        uvicorn.Server(uvicorn.Config(app, host=host, port=port, **opts)).run()
        return
    del service  # each worker loads its own copy; this one only proved that loading works
    _export_config(model_path, rules_dirs, max_body_bytes, max_batch)
    if db:  # each worker opens the store; the keys are checked here first
        from .routers.plans import load_keys

        load_keys()
        os.environ[ENV_PLAN_DB] = str(db)
    uvicorn.run(APP_FACTORY, factory=True, host=host, port=port, workers=workers, **opts)
