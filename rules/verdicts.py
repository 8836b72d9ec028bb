"""What the rules decide for one profile: :class:`Evaluation` and :class:`StrategyVerdict`.

Both engines (durable-rules and the vectorized one) hand the rules that fired
to :func:`resolve`, so they cannot differ in how a verdict is reached:

* ``can_go_live`` / ``can_earn_gifts`` are false when an eligibility rule that
  fired ``denies`` them.
* A strategy is **blocked** when a ``block`` rule for it (or for ``all``)
  fired; otherwise it is **allowed**. No rule speaking means allowed: the
  shipped rules block every strategy for anyone who may not go LIVE by age, so
  the default only reaches adults.
* ``boosted`` / ``caution``: an allowed strategy with a ``boost`` / ``caution``
  rule that fired. A blocked strategy is neither.
* ``hits`` of a verdict: the eligibility rules that fired, then the rules
  that shaped it (the blocks if blocked, otherwise its boost/caution rules),
  in rule-file order, each a :class:`~livelift.domain.RuleHit` whose ``kind``
  labels its reason (``block``, ``boost``, ``caution``, ``eligibility``).
  ``rule_ids`` / ``reasons`` are the same hits' ids and reasons.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence

from ..domain import RuleHit
from ..data.fields import STRATEGIES
from .ruleset import STRATEGY_KINDS, Rule

__all__ = ["StrategyVerdict", "Evaluation", "resolve", "verdicts"]


class FrozenDict(dict):
    """A dict that refuses changes (evaluations are cached and shared), yet pickles and JSON-dumps."""

    def _refuse(self, *args, **kwargs):
        raise TypeError("an Evaluation's strategies cannot be changed")

    __setitem__ = __delitem__ = clear = pop = popitem = setdefault = update = __ior__ = _refuse  # type: ignore[assignment]

    def __reduce__(self):
        return (type(self), (dict(self),))

    def __hash__(self) -> int:  # type: ignore[override]
        return hash(tuple(self.items()))


@dataclass(frozen=True)
class StrategyVerdict:
    """One strategy for one profile, with the rules that shaped the verdict.

    ``hits`` carry each reason with its kind, so a caller can show a caution
    as a caution and a block with the rule that blocked; ``rule_ids`` and
    ``reasons`` list the same hits' ids and reasons.
    """

    strategy: str
    allowed: bool
    boosted: bool
    caution: bool
    rule_ids: tuple[str, ...]
    reasons: tuple[str, ...]
    hits: tuple[RuleHit, ...] = ()


@dataclass(frozen=True)
class Evaluation:
    """Everything the rules say about one profile.

    ``fired``: every rule that fired, in rule-file order. ``facts``: the fact and
    eligibility rules among them. ``strategies``: a verdict for each of the five
    strategies (keys in ``fields.STRATEGIES`` order).
    """

    fired: tuple[RuleHit, ...]
    strategies: Mapping[str, StrategyVerdict]
    can_go_live: bool
    can_earn_gifts: bool
    facts: tuple[RuleHit, ...]



def verdicts(fired: Sequence[Rule]) -> tuple[dict[str, StrategyVerdict], bool, bool]:
    """(verdict per strategy, can_go_live, can_earn_gifts) from the rules that fired, in file order."""
    eligibility = [r for r in fired if r.kind == "eligibility"]
    can_go_live = not any("go_live" in r.denies for r in eligibility)
    can_earn = not any("earn_gifts" in r.denies for r in eligibility)
    out: dict[str, StrategyVerdict] = {}
    for strategy in STRATEGIES:
        mine = [r for r in fired if r.kind in STRATEGY_KINDS and r.strategy in (strategy, "all")]
        blocks = [r for r in mine if r.kind == "block"]
        allowed = not blocks
        shaping = set(map(id, mine if allowed else blocks)) | set(map(id, eligibility))
        used = [r for r in fired if id(r) in shaping]
        out[strategy] = StrategyVerdict(
            strategy=strategy,
            allowed=allowed,
            boosted=allowed and any(r.kind == "boost" for r in mine),
            caution=allowed and any(r.kind == "caution" for r in mine),
            rule_ids=tuple(r.id for r in used),
            reasons=tuple(r.reason for r in used),
            hits=tuple(r.hit() for r in used),
        )
    return out, can_go_live, can_earn


def resolve(fired: Sequence[Rule]) -> Evaluation:
    """The :class:`Evaluation` for a profile whose fired rules are ``fired`` (file order)."""
    strategies, can_go_live, can_earn = verdicts(fired)
    hits = tuple(r.hit() for r in fired)
    return Evaluation(
        fired=hits,
        strategies=FrozenDict(strategies),
        can_go_live=can_go_live,
        can_earn_gifts=can_earn,
        facts=tuple(h for h in hits if h.kind in ("fact", "eligibility")),
    )
