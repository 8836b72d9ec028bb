"""Errors livelift raises on purpose, as one tree.

Catch at whatever level suits you::

    LiveLiftError             base class; ``str(exc)`` is a complete, user-facing message
     |
     +-- InputError           bad user data: a file, a profile, a flag, an HTTP body.
     |                        Names where (file, row, column / field), what was wrong,
     |                        the bad value and what is valid. Also a ``ValueError``.
     |
     +-- RuleFileError        rule files that cannot be used. Holds *all* problems found
     |                        (``exc.problems``), each naming the file, rule id and field.
     |
     +-- ModelError           a model file that cannot be used: not found, tampered with
                              (digest mismatch), trained with other library versions,
                              not a livelift model. Says what to do about it.

Every error carries its parts as attributes in FastAPI's shape: ``loc`` (where),
``msg`` (what), ``input`` (the bad value, if any) and ``expected`` (what is valid),
so programs can read them without parsing text. ``str(exc)`` reads
``"<loc>: <msg>; expected <expected> (got <input!r>)"``.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Any

from .data.plain import jsonable  # a foundation module: imports nothing from livelift

__all__ = [
    "LiveLiftError",
    "InputError",
    "RuleFileError",
    "ModelError",
    "Problem",
    "NO_INPUT",
]


class _NoInput:
    """Marker for 'no offending value to show' (``None`` can be a bad value)."""

    def __repr__(self) -> str:
        return "NO_INPUT"

    def __reduce__(self) -> str:
        return "NO_INPUT"  # unpickles as the module's singleton: `is NO_INPUT` holds across processes (Dask)


NO_INPUT: Any = _NoInput()


@dataclass(frozen=True)
class Problem:
    """One thing that is wrong: where, what, what would be valid, and the bad value."""

    loc: str
    msg: str
    expected: str | None = None
    input: Any = field(default=NO_INPUT)

    def __str__(self) -> str:
        text = f"{self.loc}: {self.msg}" if self.loc else self.msg
        if self.expected:
            text += f"; expected {self.expected}"
        if self.input is not NO_INPUT:
            text += f" (got {_short_repr(self.input)})"
        return text

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"loc": self.loc, "msg": self.msg}
        if self.expected is not None:
            out["expected"] = self.expected
        if self.input is not NO_INPUT:
            out["input"] = jsonable(self.input)
        return out


def _short_repr(value: Any, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


SUGGEST_CUTOFF = 0.7
"""How close (difflib ratio, case-insensitive) a name must be to a known one to be suggested."""


def close_matches(name: str, candidates: Any) -> list[str]:
    """Known names close to ``name`` (case-insensitive), best first; never ``name`` itself."""
    lowered = {str(c).lower(): str(c) for c in candidates}
    found = difflib.get_close_matches(str(name).lower(), list(lowered), n=3, cutoff=SUGGEST_CUTOFF)
    return [lowered[m] for m in found if lowered[m] != name]


def did_you_mean(name: Any, candidates: Any) -> str:
    """`` (did you mean 'x'?)`` for the closest known name, or ``""``."""
    if not isinstance(name, str):
        return ""
    close = close_matches(name, candidates)
    return f" (did you mean {close[0]!r}?)" if close else ""




class LiveLiftError(Exception):
    """Base of every error livelift raises on purpose.

    ``problems`` holds one or more :class:`Problem`; the first one also fills
    ``loc``, ``msg``, ``expected`` and ``input``. ``hint`` is an optional next
    step for the user ("run `livelift train ...`").
    """

    def __init__(
        self,
        msg: str,
        *,
        loc: str = "",
        expected: str | None = None,
        input: Any = NO_INPUT,
        hint: str | None = None,
        problems: list[Problem] | tuple[Problem, ...] = (),
    ) -> None:
        first = Problem(loc=loc, msg=msg, expected=expected, input=input)
        self.problems: tuple[Problem, ...] = tuple(problems) or (first,)
        self.loc = first.loc
        self.msg = first.msg
        self.expected = first.expected
        self.input = first.input
        self.hint = hint
        super().__init__(str(self))

    @classmethod
    def from_problems(cls, problems: list[Problem], *, headline: str | None = None, hint: str | None = None):
        """One error holding several problems (e.g. every broken rule at once)."""
        if not problems:
            raise ValueError("from_problems needs at least one problem")
        first = problems[0]
        err = cls(first.msg, loc=first.loc, expected=first.expected, input=first.input, hint=hint, problems=problems)
        err.headline = headline
        err.args = (str(err),)
        return err

    headline: str | None = None

    def __str__(self) -> str:
        if len(self.problems) == 1 and not self.headline:
            text = str(self.problems[0])
        else:
            head = self.headline or f"{len(self.problems)} problems"
            text = head + ":\n" + "\n".join(f"  - {p}" for p in self.problems)
        if self.hint:
            text += f"\n{self.hint}"
        return text

    def as_dicts(self) -> list[dict[str, Any]]:
        return [p.as_dict() for p in self.problems]


class InputError(LiveLiftError, ValueError):
    """Bad user data: says the file/row/column (or field), the value and what is valid."""


class RuleFileError(LiveLiftError):
    """Rule files that cannot be used; ``problems`` lists every one found."""


class ModelError(LiveLiftError):
    """A model file that cannot be used, with what to do about it."""
