"""Fixtures shared by the rules tests: the shipped rule set, both engines, profiles, YAML files."""

from __future__ import annotations

import textwrap

import pytest

# An adult above every threshold that fires no conditional rule.
BASE = dict(
    creator_id="c1",
    followers=5000,
    avg_viewers=20.0,
    engagement_rate=0.2,
    streams_per_week=10.0,
    avg_stream_minutes=60.0,
    retention_rate=0.5,
    prior_weekly_diamonds=300.0,
    category="gaming",
    creator_age=30,
    region="US",
)


@pytest.fixture(scope="session")
def ruleset():
    from livelift.rules import load_ruleset

    return load_ruleset()


@pytest.fixture(scope="session")
def durable(ruleset):
    from livelift.rules import DurableEngine

    return DurableEngine(ruleset)


@pytest.fixture(scope="session")
def vectorized(ruleset):
    from livelift.rules import VectorizedEvaluator

    return VectorizedEvaluator(ruleset)


@pytest.fixture(scope="session")
def make_profile():
    """``make_profile(changes)``: the BASE profile (a dict) with ``changes`` applied."""

    def make(changes):
        return {**BASE, **changes}

    return make


@pytest.fixture(scope="session")
def write_yaml():
    """``write_yaml(path, text)``: write dedented YAML text."""

    def write(path, text):
        path.write_text(textwrap.dedent(text), encoding="utf-8")

    return write
