"""Re-identification warnings: each kind fires on the detail it names and stays quiet on text
that only looks similar."""

from __future__ import annotations

import pytest

import nlp
from nlp import cautions


def kinds(text: str) -> set[str]:
    return {c.kind for c in cautions.find(text)}


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("I've been a PO for eleven years and never seen it this bad.", "service_length"),
        ("After twenty-three years in the service I am done.", "service_length"),
        ("I qualified back in 2009.", "service_length"),
        ("I have 23 years' service and nothing to show for it.", "service_length"),
        ("I'm a band 4 PSO on a generic team.", "grade"),
        ("As an SPO I see the rota before anyone.", "grade"),
        ("We're a team of six covering the whole county.", "team_size"),
        ("There are only three POs left in our office.", "team_size"),
        ("I'm the only Welsh-speaking PO in the area.", "unique_role"),
        ("I was seconded to the youth offending team last year.", "unique_role"),
        ("I'm the lead for domestic abuse in our cluster.", "unique_role"),
        ("The day that the inspectors came, the lift broke.", "exact_event"),
        ("It happened last Tuesday in the interview room.", "exact_event"),
        ("They moved me while I was pregnant.", "personal"),
    ],
)
def test_each_kind_fires(text: str, kind: str) -> None:
    assert kind in kinds(text)


@pytest.mark.parametrize(
    "text",
    [
        "The man got four years in prison for it.",  # a sentence, not the writer's service
        "As the governor said, nothing will change.",  # someone else's grade
        "Caseloads keep going up and nobody listens.",
    ],
)
def test_quiet_on_lookalikes(text: str) -> None:
    assert not kinds(text) & {"service_length", "grade"}


def test_offsets_point_at_the_detail() -> None:
    text = "Honestly, I've been a PSO for eleven years."
    found = [c for c in cautions.find(text) if c.kind == "service_length"]
    assert found and text[found[0].start : found[0].end] == "for eleven years"


def test_two_personal_details_add_a_combined_warning() -> None:
    text = "I'm a band 4 PSO and I've been in probation for nine years."
    found = cautions.find(text)
    assert "combination" in {c.kind for c in found}
    assert "grade" in {c.kind for c in found} and "service_length" in {c.kind for c in found}
    assert "combination" not in kinds("It happened last Tuesday.")


def test_messages_are_calm_plain_sentences() -> None:
    text = "I'm the only SPO here, a team of five, for twelve years, and last Monday it all fell apart."
    for caution in cautions.find(text):
        assert caution.message.endswith(".")
        assert "!" not in caution.message and caution.message[0].isupper()


def test_warnings_come_back_from_redact() -> None:
    result = nlp.redact("I'm the only PSO in a team of three.")
    assert {"unique_role", "team_size", "combination"} <= {w.kind for w in result.warnings}
