"""The data contract's vocabulary: columns, their types and valid ranges, strategies.

This module is the single source of truth for ``../shared/docs/data-contract.md``
(v1). It imports nothing heavy, so the rules loader, the CLI and the HTTP
schemas can all use it. ``values.py`` holds each kind's rule; ``contract.py`` enforces it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = [
    "CONTROL",
    "STRATEGIES",
    "ALL_STRATEGIES",
    "CATEGORIES",
    "Column",
    "PROFILE_COLUMNS",
    "HISTORY_COLUMNS",
    "OPTIONAL_COLUMNS",
    "STRATEGY_SOURCES",
    "FEATURE_COLUMNS",
    "NUMERIC_FEATURES",
    "TRUTH_PREFIX",
    "REGIONS",
    "EARNINGS_MAX",
    "column",
]

CONTROL = "none"
"""The 'did nothing new' strategy every uplift is measured against."""

STRATEGIES: tuple[str, ...] = (
    "engage_audience",
    "promote",
    "improve_content",
    "collaborate",
    "increase_frequency",
)
"""The five strategies livelift ranks (``none`` is the control, not a strategy)."""

ALL_STRATEGIES: tuple[str, ...] = (CONTROL, *STRATEGIES)

CATEGORIES: tuple[str, ...] = ("gaming", "music", "talk", "education", "beauty", "fitness", "other")

REGIONS: frozenset[str] = frozenset(
    """AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ
    BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO
    DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU
    GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW
    KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU
    MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW
    PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF
    TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA
    ZM ZW XK""".split()
)
"""ISO 3166-1 alpha-2 officially assigned codes (249), plus XK (Kosovo, in common use): the valid ``region`` values."""

TRUTH_PREFIX = "true_uplift_"
"""Simulator-only columns ``true_uplift_<strategy>`` (expected uplift vs ``none``)."""



@dataclass(frozen=True)
class Column:
    """One contract column: name, kind and valid range.

    ``kind`` is one of ``string``, ``int``, ``float``, ``choice``, ``date``,
    ``region``. Bounds are inclusive unless ``min_exclusive``.
    """

    name: str
    kind: str
    description: str
    min: float | None = None
    max: float | None = None
    min_exclusive: bool = False
    choices: tuple[str, ...] | None = None

    @property
    def expected(self) -> str:
        """What a valid value looks like, in words (used in error messages)."""
        if self.kind == "choice":
            return "one of " + ", ".join(repr(c) for c in (self.choices or ()))
        if self.kind == "string":
            return "a non-empty string"
        if self.kind == "date":
            return "an ISO date (YYYY-MM-DD)"
        if self.kind == "region":
            return "an ISO 3166 alpha-2 country code such as 'US' or 'KR'"
        noun = "an integer" if self.kind == "int" else "a number"
        lo, hi = _fmt(self.min), _fmt(self.max)
        if self.min is not None and self.max is not None:
            if self.min_exclusive:
                return f"{noun} > {lo} and <= {hi}"
            return f"{noun} between {lo} and {hi}"
        if self.min is not None:
            return f"{noun} {'>' if self.min_exclusive else '>='} {lo}"
        return noun

    def in_range(self, value: Any) -> Any:
        """Range check for a number, or elementwise for a numpy array (NaN is never in range).

        Only comparisons and ``&``: the one bound rule for a value and a column.
        """
        ok = value == value  # False for NaN
        if self.min is not None:
            ok = ok & ((value > self.min) if self.min_exclusive else (value >= self.min))
        if self.max is not None:
            ok = ok & (value <= self.max)
        return ok


def _fmt(x: float | None) -> str:
    if x is None:
        return ""
    return f"{int(x):,}" if float(x).is_integer() else f"{x:g}"


PROFILE_COLUMNS: tuple[Column, ...] = (
    Column("creator_id", "string", "stable id of the creator"),
    Column("followers", "int", "followers at the start of the week", min=0, max=1_000_000_000),
    Column("avg_viewers", "float", "average concurrent viewers over the previous 4 weeks of LIVEs", min=0, max=100_000_000),
    Column("engagement_rate", "float", "share of LIVE viewers who liked, commented or shared, previous 4 weeks", min=0, max=1),
    Column("streams_per_week", "float", "LIVE streams per week, previous 4 weeks", min=0, max=21),
    Column("avg_stream_minutes", "float", "average LIVE length in minutes, previous 4 weeks", min=0, max=1440, min_exclusive=True),
    Column("retention_rate", "float", "average watch time / stream length (content-quality proxy)", min=0, max=1),
    Column("prior_weekly_diamonds", "float", "average diamonds from gifts per week, previous 4 weeks", min=0, max=10_000_000_000),
    Column("category", "choice", "content niche (unknown values map to 'other')", choices=CATEGORIES),
    Column("creator_age", "int", "creator's age in years", min=13, max=120),
)
"""Required columns of a profile (``recommend``) and of every history row.

Upper bounds are sanity limits far above any real account (the largest TikTok
accounts have ~2e8 followers; 1e10 diamonds a week is ~$50M), so that absurd
values such as 1e308 are refused at the boundary instead of overflowing inside
the model: followers <= 1e9, avg_viewers <= 1e8, prior_weekly_diamonds <= 1e10.
"""

OUTCOME_COLUMNS: tuple[Column, ...] = (
    Column("strategy", "choice", "what the creator tried this week", choices=ALL_STRATEGIES),
    Column("gift_diamonds", "float", "diamonds received from LIVE gifts during the week (the outcome)", min=0),
)

HISTORY_COLUMNS: tuple[Column, ...] = PROFILE_COLUMNS + OUTCOME_COLUMNS
"""Required columns of a history file (``train``, ``evaluate``)."""

STRATEGY_SOURCES: tuple[str, ...] = ("detected", "labelled", "default")
"""Values of ``strategy_source`` (``livelift ingest`` fills it: ``ingest/labels.py``)."""

OPTIONAL_COLUMNS: tuple[Column, ...] = (
    Column("week", "date", "ISO date of the week's Monday"),
    Column("region", "region", "ISO 3166 alpha-2 country code"),
    Column("likes", "float", "likes received in the week", min=0),
    Column("comments", "float", "comments received in the week", min=0),
    Column("new_followers", "float", "new followers in the week", min=0),
    Column("data_source", "choice", "where the row comes from: 'simulated' (livelift simulate) or 'real'", choices=("simulated", "real")),
    Column("gifts", "float", "gifts received in the week (a count; gift_diamonds is their value)", min=0),
    Column("strategy_source", "choice", "how the week's strategy is known: 'labelled' (a labels file), 'detected' "
           "(seen in the LIVEs: co-hosting, more streams) or 'default' (nothing detected: none)",
           choices=STRATEGY_SOURCES),
)
"""Used when present, ignored otherwise. ``gifts`` and ``strategy_source`` are what ``livelift ingest``
writes beside the contract's columns (``facts --history`` counts the gifts; ``strategy_source`` says which
strategies were labelled and which were guessed from the LIVEs), so every reader accepts them quietly. ``region`` also feeds the rules (age 19 in KR);
``data_source`` marks simulated rows in the file itself, so a model trained on
them is labelled synthetic whatever the file's format or other columns."""

SIMULATED = "simulated"

EARNINGS_MAX = 1_000_000_000_000
"""Largest diamonds / coins an earnings estimate takes (1e12 diamonds is ~$5 billion): the CLI's
--diamonds / --coins, ``RuleSet.earnings`` and ``POST /v1/earnings`` all refuse more."""

FEATURE_COLUMNS: tuple[str, ...] = tuple(c.name for c in PROFILE_COLUMNS if c.name != "creator_id")
"""Model inputs, in order: the profile columns except the id."""

NUMERIC_FEATURES: tuple[str, ...] = tuple(c for c in FEATURE_COLUMNS if c != "category")

_BY_NAME = {c.name: c for c in PROFILE_COLUMNS + OUTCOME_COLUMNS + OPTIONAL_COLUMNS}


def column(name: str) -> Column:
    """The :class:`Column` called ``name`` (KeyError if it is not in the contract)."""
    return _BY_NAME[name]
