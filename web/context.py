"""What the routes share: the service (loaded once), how to call it, and the limits.

One :class:`AppState` per app, stored as ``app.state.livelift``; routes get it with
the :data:`State` dependency.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Annotated, Any, Optional

from fastapi import Depends, Request

from .batching import Coalescer, Runner
from ..service import Recommender

__all__ = ["AppState", "State", "get_state", "load_service", "startup_line", "version"]


def load_service(model_path: Any, rules_dirs: Iterable[Any]) -> Recommender:
    """The service the server answers with; raises :class:`LiveLiftError` if it cannot load."""
    return Recommender.load(model_path=model_path, rules_dirs=tuple(rules_dirs))


@dataclass
class AppState:
    """The service, the thread runner and coalescer, and the request limits of one app."""

    service: Optional[Any]
    model_path: Any = None
    rules_dirs: tuple[Any, ...] = ()
    max_batch: int = 1000
    max_body_bytes: int = 1_048_576
    run: Runner = field(default_factory=lambda: Runner(2))
    coalescer: Optional[Coalescer] = None
    coalesce: bool = False
    """Turned on by the lifespan once the service passes ``is_batch_invariant``."""

    def __post_init__(self) -> None:
        if self.coalescer is None:
            self.coalescer = Coalescer(self.run)

    def svc(self) -> Any:
        """The service (loaded here only when the app runs without its lifespan)."""
        if self.service is None:
            self.service = load_service(self.model_path, self.rules_dirs)
        return self.service


def get_state(request: Request) -> AppState:
    return request.app.state.livelift


State = Annotated[AppState, Depends(get_state)]


def startup_line(svc: Any) -> str:
    """The log line that says which model answers, and that synthetic figures are illustrations."""
    summary = svc.model_summary
    line = f"livelift: model {summary.name!r} (created {summary.created}, {summary.trained_rows:,} rows)"
    if summary.synthetic:
        line += (" is trained on SYNTHETIC history: its uplift figures illustrate the method, they are not "
                 "measurements of real creators")
    return line


def version() -> str:
    from .. import __version__

    return __version__
