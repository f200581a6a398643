"""Quality on a corpus written apart from the shared dev corpus, with none of its names or places:
ordinary-word names (Hope, Will, Patience), lowercase names, ordinary-word places (Bath, March,
Settle), prisons, courts, addresses, local organisations, and the same kinds of contact details
and references in other shapes. It guards the rules against being fitted to one set of names.

The thresholds are the acceptance figures of issue 3."""

from __future__ import annotations

import functools

from tests.nlp.corpus import Score, score


@functools.cache
def fresh() -> Score:
    first, second, third = (score(f"fresh_names{n}.jsonl") for n in ("", "_2", "_3"))
    return first.combine(second).combine(third)


def test_overall_recall() -> None:
    assert fresh().recall() >= 0.97, fresh().misses


def test_contacts_and_references_are_never_missed() -> None:
    assert fresh().recall("CONTACT") == 1.0, fresh().misses
    assert fresh().recall("ID") == 1.0, fresh().misses


def test_names_and_places() -> None:
    assert fresh().recall("PERSON") >= 0.95, fresh().misses
    assert fresh().recall("PLACE") >= 0.95, fresh().misses


def test_public_bodies_and_figures_survive() -> None:
    s = fresh()
    assert s.kept_struck / max(1, s.kept_total) <= 0.05


def test_little_else_is_struck() -> None:
    assert fresh().collateral <= 0.03
