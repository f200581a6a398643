"""Theme suggestions: matched on lemmas and phrases, best first, nothing for small talk."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import nlp


def themes(text: str) -> list[str]:
    return nlp.redact(text).themes


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        ("My caseloads have doubled and the WMT says 160%.", "workload"),
        ("The SFO review blamed the PO, not the risk assessment process.", "risk-assessment"),
        ("I was bullied for months and my grievance went nowhere.", "bullying-culture"),
        ("OASys crashed twice and the IT ticket was closed unresolved.", "it-systems"),
        ("Signed off with stress, then occupational health suggested a phased return.", "wellbeing"),
        ("The pay award is below inflation again and people keep resigning.", "pay-retention"),
        ("Napo are balloting for industrial action.", "unions"),
        ("Half my PQiP cohort left before they qualified.", "training"),
        (
            "Transforming Rehabilitation split us in two and unification glued us back.",
            "structure-privatisation",
        ),
        ("We unlock the wing for an hour; the regime on the landings is a fiction.", "prisons"),
        ("The inspectorate's thematic inspection said what we had said for years.", "inspections"),
    ],
)
def test_suggests_the_theme_from_inflected_words_and_phrases(text: str, slug: str) -> None:
    assert slug in themes(text)


def test_best_first_and_at_most_three() -> None:
    text = (
        "Caseloads are unmanageable, the backlog grows, overtime is unpaid and the workload tool "
        "is a joke. OASys crashed once."
    )
    found = themes(text)
    assert found[0] == "workload" and len(found) <= 3


def test_small_talk_suggests_nothing() -> None:
    assert themes("Had a nice chat with a colleague about the weather.") == []


def test_one_weak_word_is_not_enough() -> None:
    assert "workload" not in themes("Can you cover for me on Friday?")


def test_taxonomy_is_data_with_the_slugs_the_app_expects() -> None:
    data = json.loads((Path(nlp.__file__).parent / "data" / "themes.json").read_text(encoding="utf-8"))
    slugs = [t["slug"] for t in nlp.THEMES]
    assert slugs == [t["slug"] for t in data]
    assert {
        "workload",
        "risk-assessment",
        "management",
        "pay-retention",
        "training",
        "it-systems",
        "wellbeing",
        "bullying-culture",
        "unions",
        "structure-privatisation",
        "prisons",
        "inspections",
    } == set(slugs)
    assert all(set(t) == {"slug", "name", "description"} for t in nlp.THEMES)
