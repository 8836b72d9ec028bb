"""Validated rule data: :class:`Rule` and :class:`RuleSet` (built by ``loader.py``)."""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Mapping

from ..data.fields import EARNINGS_MAX
from ..domain import EarningsEstimate, Fact, RuleHit
from ..errors import InputError, RuleFileError, did_you_mean
from .conditions import MAX_DEPTH, Condition, depth
from .parameters import Parameter

__all__ = ["Rule", "RuleSet", "KINDS", "STRATEGY_KINDS", "DENIALS"]

KINDS = ("fact", "eligibility", "block", "boost", "caution")
STRATEGY_KINDS = ("block", "boost", "caution")
"""A strategy rule's kind says what its reason does: ``block`` rules the strategy out,
``boost`` argues for it, ``caution`` against it."""
DENIALS = ("go_live", "earn_gifts")


@dataclass(frozen=True)
class Rule:
    """One rule, validated, with parameters resolved and its reason rendered.

    ``strategy`` is set for block/boost/caution rules (a strategy name or
    ``all``); ``denies`` for eligibility rules (``go_live``, ``earn_gifts``).
    ``file`` names where it came from.
    """

    id: str
    kind: str
    when: Condition
    reason: str
    sources: tuple[str, ...]
    strategy: str | None = None
    denies: tuple[str, ...] = ()
    file: str = ""

    def __post_init__(self) -> None:
        # Every engine walks ``when`` recursively: refuse trees deep enough to exhaust the stack.
        if depth(self.when) > MAX_DEPTH:
            raise RuleFileError(
                f"nested too deeply (more than {MAX_DEPTH} levels of all/any/not)",
                loc=f"{self.file or 'rules'}: rule {self.id}, when",
                expected=f"a condition with at most {MAX_DEPTH} nested groups",
            )

    def hit(self) -> RuleHit:
        return RuleHit(id=self.id, kind=self.kind, reason=self.reason, sources=self.sources)


EARNINGS_EXPECTED = f"exactly one of diamonds or coins, a number from 0 to {EARNINGS_MAX:,} (e.g. 25000 diamonds)"
"""What :meth:`RuleSet.earnings` takes, in words (the CLI's --diamonds / --coins, the Python keywords)."""


def _number(value: Any, name: str) -> float | None:
    if value is None:
        return None
    valid = f"a number from 0 to {EARNINGS_MAX:,}"
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise InputError("not a number", loc=name, expected=valid, input=value)
    x = float(value)
    if not math.isfinite(x):
        raise InputError("not a finite number", loc=name, expected=valid, input=value)
    if not 0 <= x <= EARNINGS_MAX:
        raise InputError("out of range", loc=name, expected=valid, input=value)
    return x


@dataclass(frozen=True)
class RuleSet:
    """Every rule (shipped first, in file order, then user rules) and the parameters."""

    rules: tuple[Rule, ...]
    parameters: Mapping[str, Parameter]
    notices: tuple[str, ...] = ()
    _by_id: Mapping[str, Rule] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "parameters", MappingProxyType(dict(self.parameters)))
        object.__setattr__(self, "_by_id", MappingProxyType({r.id: r for r in self.rules}))

    def __len__(self) -> int:
        return len(self.rules)

    def rule(self, rule_id: str) -> Rule:
        """The rule called ``rule_id``; :class:`InputError` (with a suggestion) if none."""
        try:
            return self._by_id[rule_id]
        except KeyError:
            raise InputError(
                f"no rule {rule_id!r}{did_you_mean(rule_id, self._by_id)}", loc="rule id", expected="a rule id of this rule set", input=rule_id
            ) from None

    def facts(self) -> tuple[Fact, ...]:
        """Every ``kind: fact`` rule as a :class:`~livelift.domain.Fact` (text = its reason)."""
        return tuple(Fact(id=r.id, text=r.reason, sources=r.sources) for r in self.rules if r.kind == "fact")

    def earnings(self, diamonds: float | None = None, coins: float | None = None) -> EarningsEstimate:
        """Diamonds (or the coins viewers spent on gifts) -> estimated USD with a low/high range.

        Give exactly one of ``diamonds`` or ``coins``. Coins become diamonds at
        ``diamonds_per_coin`` (a gift's diamond count equals its coin price, some
        sources say half); diamonds become USD at ``diamond_usd``. The range
        multiplies the parameters' low ends and high ends.
        """
        d = _number(diamonds, "diamonds")
        c = _number(coins, "coins")
        if (d is None) == (c is None):
            raise InputError(
                "nothing to convert: give diamonds or coins" if d is None
                else f"give diamonds or coins, not both (given: {d:,g} diamonds and {c:,g} coins)",
                loc="earnings",
                expected=EARNINGS_EXPECTED,
            )
        needed = ["diamond_usd"] + (["diamonds_per_coin"] if c is not None else [])
        missing = [n for n in needed if n not in self.parameters]
        if missing:
            raise InputError(
                f"the rule set has no parameter {missing[0]!r}", loc="parameters", expected="parameters " + ", ".join(needed), input=missing
            )
        usd_per = self.parameters["diamond_usd"]
        used = [usd_per]
        notes: list[str] = []
        if c is not None:
            rate = self.parameters["diamonds_per_coin"]
            used.append(rate)
            d_val, (d_lo, d_hi) = c * rate.value, (c * rate.range[0], c * rate.range[1])
            self._coin_notes(c, used, notes)
        else:
            d_val = d_lo = d_hi = d
        lo_usd, hi_usd = usd_per.range
        self._payout_notes(used, notes)
        return EarningsEstimate(
            diamonds=d_val,
            usd=d_val * usd_per.value,
            usd_low=d_lo * lo_usd,
            usd_high=d_hi * hi_usd,
            coins=c,
            parameters=tuple(p.as_dict() for p in used),
            notes=tuple(notes),
        )

    def _coin_notes(self, coins: float, used: list[Parameter], notes: list[str]) -> None:
        """What viewers paid for ``coins``, at each coin price the rule set knows."""
        for name, label in (("coin_usd_web", "on the web"), ("coin_usd_app", "in the app")):
            p = self.parameters.get(name)
            if p is not None:
                used.append(p)
                notes.append(f"Viewers paid about ${coins * p.value:,.2f} for {coins:,.0f} coins {label}.")

    def _payout_notes(self, used: list[Parameter], notes: list[str]) -> None:
        """The creator's share and the cash-out limits, where the rule set has them."""
        share = self.parameters.get("creator_share_net")
        if share is not None:
            used.append(share)
            notes.append(f"Diamond value is already the creator's {share.value:.0%} share of net revenue; it is not split again.")
        mw = self.parameters.get("min_withdrawal_usd")
        if mw is not None:
            used.append(mw)
            notes.append(f"Cash-out needs a minimum balance; sources say ${mw.range[0]:,.0f} to ${mw.range[1]:,.0f}.")
        mx = self.parameters.get("max_daily_withdrawal_usd")
        if mx is not None:
            used.append(mx)
            notes.append(f"At most ${mx.value:,.0f} can be withdrawn per day.")
