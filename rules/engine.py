"""The durable-rules adapter: validated rule data in, :class:`Evaluation` out.

Everything here follows ``docs/durable-rules.md`` (its traps are silent):

* Rules reach durable as a JSON ruleset built from the validated data
  (:func:`to_durable`); durable's JSON never appears in ``rules/``.
* A :class:`durable.engine.Host` subclass with ``_run`` a no-op (no background
  timer threads: with them, results go wrong under load and threads crash the
  process) and ``get_action`` returning one generic one-parameter recorder
  (two parameters would make durable treat it as async) that writes the
  indices of the rules it stands for to a thread-local sink. Rules with the
  same condition share one durable rule: each firing costs an action round
  trip (JSON in and out of the C engine), and six shipped rules test
  ``followers < 1000``.
* Numbers are written so durable's parser accepts them
  (:func:`~livelift.rules.conditions.safe_number`: it refuses ``1e-05``).
* Every rule is ``$and``-ed with a positive anchor ``{"_kind": "creator_profile"}``
  (a ``$nex``-only rule loops forever), plus one catch-all rule ``__seen`` on the
  anchor alone (an unmatched fact raises); the catch-all also records the
  ``when: always`` rules, which need no condition of their own.
* Each profile is asserted as a *fact* (``post`` fires only one rule) in a
  fresh session id, and that session is deleted in ``finally`` (1,024 live
  sessions at most; never delete a sid whose creation raised MemoryError: it
  segfaults). A ``threading.Lock`` serializes calls into durable.
* ``$or`` fires once per true branch: hits are de-duplicated and put back in
  rule-file order. The profile is a :class:`~livelift.domain.Profile` the data
  contract validated (a mapping goes through
  :func:`livelift.data.contract.parse_profile` first), so every value has its
  contract type before it reaches durable, which coerces ``"25" >= 18`` to true;
  a ``None`` region is left out (missing).
* Every rule has a ``cap``, so an action receives a list of the matching
  facts, each carrying ``_pidx``: :meth:`DurableEngine.evaluate_many` asserts a
  chunk of profiles in one session (``assert_facts``; the catch-all keeps one
  unmatched profile from losing the batch) and maps hits back by ``_pidx``.
* Each engine registers its ruleset under its own unique name (durable refuses
  a name twice); to reload rules, build a new engine.
"""

from __future__ import annotations

import copy
import itertools
import json
import os
import threading
import uuid
from functools import lru_cache
from typing import Any, Iterable, Mapping

from ..data.contract import parse_profile
from ..domain import Profile
from ..errors import InputError, Problem, RuleFileError
from .conditions import FIELDS, All, Always, AnyOf, Condition, Leaf, depth, safe_number, to_nnf
from .ruleset import Rule, RuleSet
from .verdicts import Evaluation, resolve

__all__ = ["DurableEngine", "to_durable", "profile_fact", "ANCHOR"]

ANCHOR = {"_kind": "creator_profile"}
CATCH_ALL = "__seen"
_ORDER_OPS = {"<": "$lt", "<=": "$lte", ">": "$gt", ">=": "$gte"}
_ENGINE_IDS = itertools.count()
_CAP = 1000
"""Each rule's ``cap``: one action call per rule per session with up to this many facts (``c.m`` a list)."""
_CACHE_SIZE = 4096


def _leaf(leaf: Leaf) -> dict[str, Any]:
    f, op, v = leaf.field, leaf.op, leaf.value
    if op == "==":
        return {f: v}
    if op == "!=":
        return {"$neq": {f: v}}
    if op in _ORDER_OPS:
        return {_ORDER_OPS[op]: {f: v}}
    if op == "in":
        return _join("$or", [{f: x} for x in v])
    if op == "not_in":
        return _join("$and", [{"$neq": {f: x}} for x in v])
    if op == "between":
        return {"$and": [{"$gte": {f: v[0]}}, {"$lte": {f: v[1]}}]}
    if op == "exists":
        return {"$ex": {f: 1}}
    if op == "missing":
        return {"$nex": {f: 1}}
    raise ValueError(f"no durable translation for op {op!r}")


def _join(op: str, items: list[dict[str, Any]]) -> dict[str, Any]:
    return items[0] if len(items) == 1 else {op: items}


def _expr(cond: Condition) -> dict[str, Any]:
    if isinstance(cond, Leaf):
        return _leaf(cond)
    if isinstance(cond, All):
        return _join("$and", [_expr(c) for c in cond.items])
    if isinstance(cond, AnyOf):
        return _join("$or", [_expr(c) for c in cond.items])
    raise ValueError(f"no durable translation for {cond!r}")


def to_durable(rules: Iterable[Rule]) -> tuple[dict[str, Any], dict[str, tuple[int, ...]]]:
    """(durable-rules JSON ruleset, action name -> indices of the rules it records).

    ``not`` is pushed down to the leaves first (durable has no negation). Rules
    with the same condition share one durable rule ``c<k>`` (whose action
    records all of them): each firing costs a Python action round trip, and the
    shipped rules often share a condition (``followers < 1000`` gates six). The
    ``when: always`` rules are recorded by the catch-all ``__seen``.
    """
    definition: dict[str, Any] = {}
    groups: dict[str, list[int]] = {CATCH_ALL: []}
    by_expr: dict[str, str] = {}
    for i, rule in enumerate(rules):
        if isinstance(rule.when, Always):
            groups[CATCH_ALL].append(i)
            continue
        expr = {"$and": [dict(ANCHOR), _expr(to_nnf(rule.when))]}
        key = json.dumps(expr, sort_keys=True)
        name = by_expr.get(key)
        if name is None:
            name = by_expr[key] = f"c{len(by_expr)}"
            definition[name] = {"all": [{"m": expr}], "run": name, "cap": _CAP}
            groups[name] = []
        groups[name].append(i)
    definition[CATCH_ALL] = {"all": [{"m": dict(ANCHOR)}], "run": CATCH_ALL, "cap": _CAP}
    return definition, {name: tuple(ids) for name, ids in groups.items()}


@lru_cache(maxsize=1)
def _host_class() -> type:
    """The Host subclass (built on first use so ``import livelift.rules`` stays light)."""
    from durable import engine as durable_engine

    class _Host(durable_engine.Host):
        """No timer threads; every action name resolves to the generic recorder."""

        def __init__(self, sink: threading.local, groups: Mapping[str, tuple[int, ...]]):
            self._sink = sink
            self._groups = groups
            super().__init__()

        def _run(self) -> None:  # no background dispatch/timer threads
            return None

        def get_action(self, action_name: str):
            sink = self._sink
            hit: tuple[int, ...] = self._groups[action_name]

            def record(c):  # one parameter: durable runs it synchronously
                matched = c.m  # a list of facts: every rule has a "cap"
                for fact in matched if isinstance(matched, list) else (matched,):
                    pidx = fact["_pidx"]
                    sink.hits.extend((i, pidx) for i in hit)

            return record

    return _Host


def profile_fact(profile: Profile | Mapping[str, Any], *, source: str = "profile") -> dict[str, Any]:
    """The rule fields of a validated profile as a durable fact (a missing region left out).

    A :class:`~livelift.domain.Profile` is trusted as validated; a mapping is
    validated by :func:`livelift.data.contract.parse_profile` (the one value
    rule: unknown category -> ``other``, region an ISO code).
    """
    if not isinstance(profile, Profile):
        profile = parse_profile(profile, source=source)
    fact: dict[str, Any] = {}
    for name in FIELDS:
        value = getattr(profile, name)
        if value is not None:
            fact[name] = safe_number(value) if type(value) is float else value
    return fact


_DURABLE_DEPTH = 14
"""Nested all/any groups durable-rules 2.0.28 compiled in our measurements (15 was refused, error 113)."""


class DurableEngine:
    """Evaluates profiles against a :class:`RuleSet` on durable-rules. Thread-safe.

    ``evaluate(profile)`` takes a validated :class:`~livelift.domain.Profile`
    (or a mapping, which :func:`~livelift.data.contract.parse_profile` validates).
    """

    def __init__(self, ruleset: RuleSet):
        self.ruleset = ruleset
        self._rules: tuple[Rule, ...] = ruleset.rules
        self.name = f"livelift_{os.getpid()}_{next(_ENGINE_IDS)}_{uuid.uuid4().hex[:8]}"
        self.definition, self._groups = to_durable(self._rules)
        self._sink = threading.local()
        self._lock = threading.Lock()
        self._sids = itertools.count()
        self._cache: dict[tuple[int, ...], Evaluation] = {}
        host_cls = _host_class()
        self._host = host_cls(self._sink, self._groups)
        try:
            # set_rulesets mutates its argument (drops "run"): hand it a copy
            self._host.set_rulesets({self.name: copy.deepcopy(self.definition)})
        except Exception as exc:
            raise self._refused(exc, host_cls) from exc

    def __repr__(self) -> str:
        return f"DurableEngine({len(self._rules)} rules, ruleset {self.name!r})"

    def _refused(self, exc: Exception, host_cls: type) -> RuleFileError:
        """Find which rules durable refuses (it only says "error code: 202")."""
        problems = []
        for k, (name, members) in enumerate(self._groups.items()):
            probe = host_cls(threading.local(), self._groups)
            try:
                probe.set_rulesets({f"{self.name}_probe{k}": {name: copy.deepcopy(self.definition[name])}})
            except Exception as rule_exc:  # durable raises bare Exception
                for i in members:
                    rule = self._rules[i]
                    levels = depth(rule.when)
                    why = (f" (its condition nests {levels} all/any/not groups: durable-rules compiles about "
                           f"{_DURABLE_DEPTH} at most; flatten it or split it into several rules)"
                           if levels > _DURABLE_DEPTH - 4 else "")
                    problems.append(
                        Problem(f"{rule.file}: rule {rule.id}, when", f"durable-rules refused the rule: {rule_exc}{why}",
                                "a condition durable-rules can compile")
                    )
        if not problems:
            files = ", ".join(dict.fromkeys(r.file for r in self._rules)) or "rules"
            problems.append(Problem(files, f"durable-rules refused the rule set: {exc}", "rules durable-rules can compile"))
        return RuleFileError.from_problems(problems, headline="durable-rules could not compile the rules")

    def _assert(self, facts: list[dict[str, Any]]) -> list[tuple[int, int]]:
        """Assert ``facts`` (each with ``_pidx``) in one fresh session; (rule index, _pidx) hits."""
        sink = self._sink
        hits: list[tuple[int, int]] = []
        sink.hits = hits
        with self._lock:
            sid = str(next(self._sids))
            for fact in facts:
                fact["_kind"] = ANCHOR["_kind"]
                fact["sid"] = sid
            created = False
            delete = True
            try:
                if len(facts) == 1:
                    state = self._host.assert_fact(self.name, facts[0])
                else:
                    state = self._host.assert_facts(self.name, facts)
                created = True
            except MemoryError:
                delete = False  # deleting the sid whose creation failed segfaults
                raise
            except Exception as exc:  # durable raises bare Exception with an error code
                raise RuleFileError(
                    f"durable-rules failed evaluating the profile: {exc}",
                    loc=f"rules ({', '.join(dict.fromkeys(r.file for r in self._rules))})",
                    expected="rules durable-rules can evaluate",
                ) from exc
            finally:
                if delete:
                    try:
                        self._host.delete_state(self.name, sid)
                    except Exception:
                        if created:
                            raise
            sink.hits = None
        if isinstance(state, dict) and state.get("exception"):
            raise RuleFileError(f"a rule action failed: {state['exception']}", loc=f"ruleset {self.name}")
        return hits

    def _result(self, indices: set[int]) -> Evaluation:
        key = tuple(sorted(indices))
        found = self._cache.get(key)
        if found is None:
            if len(self._cache) >= _CACHE_SIZE:
                self._cache.clear()
            found = self._cache[key] = resolve([self._rules[i] for i in key])
        return found

    def evaluate(self, profile: Profile | Mapping[str, Any], *, source: str = "profile") -> Evaluation:
        """Which rules fire for ``profile`` and what they decide (one durable session per profile)."""
        fact = profile_fact(profile, source=source)
        fact["_pidx"] = 0
        return self._result({i for i, _ in self._assert([fact])})

    def evaluate_many(self, profiles: Iterable[Profile | Mapping[str, Any]], *, chunk: int = 200) -> list[Evaluation]:
        """:meth:`evaluate` for many profiles, ``chunk`` facts per durable session (``assert_facts``).

        Mappings are validated before any profile reaches durable (errors name
        ``profiles[i]``). Same answers as :meth:`evaluate`, a few times faster.
        """
        if not isinstance(chunk, int) or isinstance(chunk, bool) or not 1 <= chunk <= _CAP:
            raise InputError(f"chunk must be an integer from 1 to {_CAP}", loc="chunk", expected=f"1..{_CAP}", input=chunk)
        facts = [profile_fact(p, source=f"profiles[{i}]") for i, p in enumerate(profiles)]
        out: list[Evaluation] = []
        for start in range(0, len(facts), chunk):
            part = facts[start : start + chunk]
            for j, fact in enumerate(part):
                fact["_pidx"] = j
            fired: list[set[int]] = [set() for _ in part]
            for i, pidx in self._assert(part):
                fired[pidx].add(i)
            out.extend(self._result(f) for f in fired)
        return out
