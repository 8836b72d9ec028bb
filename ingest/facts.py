"""What events cannot show about a creator (followers, category, age, region): from summary rows,
``--creators`` and the ``--followers/--category/--creator-age`` defaults, each checked by the contract's rule."""

from __future__ import annotations

from typing import Any

from ..errors import InputError
from .rooms import Session
from .summaries import fact_value

__all__ = ["merge_facts", "base_facts", "with_defaults", "check_defaults"]


def merge_facts(info: dict, creator_info: dict) -> None:
    """Add one summary file's creator facts to ``info`` (files in input order: a later file wins)."""
    for who, facts in creator_info.items():
        info.setdefault(who, {}).update({k: v for k, v in facts.items() if not k.startswith("_")})


def base_facts(summary_info: dict, creators: dict[str, dict[str, Any]]) -> dict:
    """Summary rows' facts, overridden by --creators."""
    info = {who: dict(f) for who, f in summary_info.items()}
    for who, facts in creators.items():
        info.setdefault(who, {}).update({k: v for k, v in facts.items() if v is not None})
    return info


def with_defaults(info: dict, sessions: list[Session], defaults: dict[str, Any]) -> dict:
    """--followers/--category/--creator-age for what neither summaries nor --creators gave."""
    check_defaults(defaults)
    info = dict(info)
    for who in {s.creator_id for s in sessions}:
        facts = info[who] = dict(info.get(who, {}))
        for k, v in defaults.items():
            facts.setdefault(k, v)
    return info


def check_defaults(defaults: dict[str, Any]) -> None:
    """Each --followers/--category/--creator-age value by the data contract's rule for its column, so a
    bad option fails at once, naming the option and the valid range."""
    for name, value in defaults.items():
        if value is None:
            continue
        _, problem = fact_value(name, value)
        if problem is not None:
            raise InputError(problem[0], loc="--" + name.replace("_", "-"), input=value, expected=problem[1])
