"""Reading a rule file's YAML safely: duplicate keys refused, nesting bounded, errors located.

PyYAML's composer is recursive, so a hostile file nested thousands of levels
deep would exhaust the stack: :func:`read_yaml` first walks the (iterative)
event stream and refuses anything deeper than :data:`MAX_YAML_DEPTH`, naming
the rule and key where it can. Problems are collected, never raised.
"""

from __future__ import annotations

from typing import Any

import yaml

from ..errors import Problem
from .conditions import MAX_DEPTH

__all__ = ["read_yaml", "UNREADABLE", "MAX_YAML_DEPTH"]


class _UniqueKeyLoader(yaml.SafeLoader):
    """safe_load that refuses duplicate keys in a mapping (plain YAML keeps the last one)."""


def _construct_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r} (first on line {seen[key] + 1})", key_node.start_mark
            )
        seen[key] = key_node.start_mark.line
    return loader.construct_mapping(node, deep=deep)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


UNREADABLE: Any = object()
"""What :func:`_read_yaml` returns for a file that is not valid YAML (its problem is recorded)."""


MAX_YAML_DEPTH = 100
"""Most nested YAML collections in a rule file: enough for a condition at MAX_DEPTH
(each all/any group is a mapping and a list), well within what PyYAML's recursive
composer can build without exhausting the stack."""


def _too_deep(text: str, file: str) -> Problem | None:
    """A problem if the YAML nests deeper than MAX_YAML_DEPTH, found by PyYAML's
    (non-recursive) event parser, naming the rule and its key where possible."""
    from yaml.events import AliasEvent, CollectionEndEvent, CollectionStartEvent, MappingStartEvent, ScalarEvent

    stack: list[list[Any]] = []  # [is_mapping, expecting_key, current_key, id_value, items_seen]

    def value_done() -> None:
        if stack:
            top = stack[-1]
            if top[0]:
                top[1] = True
            else:
                top[4] += 1

    try:
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            if isinstance(event, CollectionStartEvent):
                stack.append([isinstance(event, MappingStartEvent), True, None, None, 0])
                if len(stack) > MAX_YAML_DEPTH:
                    line = event.start_mark.line + 1
                    if len(stack) > 3 and stack[0][0] and not stack[1][0] and stack[2][0] and stack[2][2] is not None:
                        rule = stack[2][3] if isinstance(stack[2][3], str) else f"rules[{stack[1][4]}]"
                        loc, at = f"{file}: rule {rule}, {stack[2][2]}", f", line {line}"
                    else:
                        loc, at = f"{file}: line {line}", ""
                    return Problem(
                        loc,
                        f"nested too deeply (more than {MAX_YAML_DEPTH} levels of YAML{at})",
                        f"a condition with at most {MAX_DEPTH} nested all/any/not groups",
                    )
            elif isinstance(event, CollectionEndEvent):
                stack.pop()
                value_done()
            elif isinstance(event, (ScalarEvent, AliasEvent)) and stack:
                top = stack[-1]
                if top[0] and top[1]:
                    top[1], top[2] = False, getattr(event, "value", None)
                else:
                    if top[0] and top[2] == "id":
                        top[3] = getattr(event, "value", None)
                    value_done()
    except yaml.YAMLError:
        return None  # the loader reports invalid YAML itself
    return None


def read_yaml(text: str, file: str, problems: list[Problem]) -> Any:
    deep = _too_deep(text, file)
    if deep is not None:
        problems.append(deep)
        return UNREADABLE
    try:
        return yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{file}: line {mark.line + 1}, column {mark.column + 1}" if mark is not None else file
        what = getattr(exc, "problem", None) or str(exc)
        problems.append(Problem(where, f"invalid YAML: {what}", "valid YAML"))
        return UNREADABLE
    except RecursionError:
        problems.append(Problem(file, "nested too deeply to be a rule file", "YAML nested a few dozen levels at most"))
        return UNREADABLE
