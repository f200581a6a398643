"""Properties of the redactor over arbitrary text (hypothesis)."""

from hypothesis import given, settings
from hypothesis import strategies as st

import nlp

WORDS = st.sampled_from(
    [
        "Sarah",
        "leeds",
        "07700 900123",
        "the",
        "HMPPS",
        "Mr",
        "Khan",
        "on",
        "12 June",
        "X123456",
        "caseload",
        ",",
        ".",
        "\n",
        "dave@example.org",
        "Napo",
        "at",
        "HMP",
        "Lewes",
    ]
)
texty = st.one_of(st.text(max_size=200), st.lists(WORDS, max_size=40).map(" ".join))


@settings(max_examples=150, deadline=None)
@given(text=texty)
def test_spans_are_sorted_disjoint_and_inside(text: str) -> None:
    result = nlp.redact(text)
    previous_end = 0
    for span in result.spans:
        assert 0 <= span.start < span.end <= len(text)
        assert span.start >= previous_end
        previous_end = span.end
    assert result.redacted == nlp.apply_spans(text, result.spans)


@settings(max_examples=100, deadline=None)
@given(text=texty)
def test_no_struck_contact_or_reference_survives(text: str) -> None:
    result = nlp.redact(text)
    for span in result.spans:
        if span.label in {"CONTACT", "ID"} and len(span.replacement) > 0:
            assert text[span.start : span.end] not in result.redacted.replace(span.replacement, "")


@settings(max_examples=60, deadline=None)
@given(text=texty)
def test_stable_on_its_own_output(text: str) -> None:
    once = nlp.redact(text).redacted
    twice = nlp.redact(once)
    assert all(s.label not in {"CONTACT", "ID"} for s in twice.spans)
