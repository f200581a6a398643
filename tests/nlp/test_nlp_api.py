"""The contract the app codes against: names, types, JSON round trip, numbering, the CLI."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

import nlp

ROOT = Path(__file__).resolve().parents[2]
TEXT = (
    "My SPO Karl Brennan moved me to the Rotherham office. Karl said it was temporary. "
    "Ring 07700 900 123 or email k.brennan@example.org. HMPPS never replied."
)


def test_public_names() -> None:
    for name in (
        "redact",
        "redact_many",
        "Redaction",
        "Span",
        "Caution",
        "apply_spans",
        "THEMES",
        "KIND_NAMES",
        "detail_span",
        "recheck_warnings",
        "find_warnings",
        "WarningCheck",
    ):
        assert hasattr(nlp, name)
    assert nlp.KIND_NAMES == {
        "PERSON": "name",
        "PLACE": "place",
        "ORG": "organisation",
        "CONTACT": "contact",
        "ID": "reference",
        "DATE": "date",
        "DETAIL": "detail",
    }


def test_spans_are_sorted_disjoint_labelled_and_rebuild_the_text() -> None:
    result = nlp.redact(TEXT)
    assert result.text == TEXT
    previous_end = 0
    for span in result.spans:
        assert previous_end <= span.start < span.end <= len(TEXT)
        assert span.label in nlp.KIND_NAMES
        assert re.fullmatch(rf"\[{nlp.KIND_NAMES[span.label]}(?: \d+)?\]", span.replacement)
        previous_end = span.end
    assert nlp.apply_spans(TEXT, result.spans) == result.redacted


def test_same_person_same_number_other_person_other_number() -> None:
    result = nlp.redact("Dr Nkechi Obi met Ruth Kaye. Later Nkechi Obi called Ruth again.")
    names = {result.text[s.start : s.end]: s.replacement for s in result.spans if s.label == "PERSON"}
    assert names["Ruth Kaye"] == names["Ruth"]
    assert names["Dr Nkechi Obi"] == names["Nkechi Obi"]
    assert names["Ruth Kaye"] != names["Nkechi Obi"]
    assert set(names.values()) == {"[name 1]", "[name 2]"}


def test_round_trip_through_json() -> None:
    result = nlp.redact(TEXT)
    data = json.loads(json.dumps(result.to_dict()))
    assert nlp.Redaction.from_dict(data) == result


def test_apply_spans_takes_moderator_edits_and_refuses_overlaps() -> None:
    text = "Ask Jo at Hull."
    spans = [nlp.Span(4, 6, "PERSON", "[name 1]")]
    assert nlp.apply_spans(text, spans) == "Ask [name 1] at Hull."
    with pytest.raises(ValueError, match="overlap"):
        nlp.apply_spans(text, [nlp.Span(4, 6, "PERSON", "[x]"), nlp.Span(5, 9, "PLACE", "[y]")])


def test_keep_extra_adds_terms_for_one_call_only() -> None:
    text = "The Riverside Recovery Trust helped us."
    assert any(s.label == "ORG" for s in nlp.redact(text).spans)
    assert not nlp.redact(text, keep_extra=["Riverside Recovery Trust"]).spans
    assert any(s.label == "ORG" for s in nlp.redact(text).spans)


def test_exact_kinds_are_not_kept_by_the_keep_list() -> None:
    result = nlp.redact("Email hmpps.team@example.org now.", keep_extra=["hmpps"])
    assert [s.label for s in result.spans] == ["CONTACT"]


def test_redact_many_matches_redact() -> None:
    texts = [TEXT, "nothing here", "", "Gemma from HR at HMP Ranby"]
    assert nlp.redact_many(texts) == [nlp.redact(t) for t in texts]


def test_threads_share_one_model_safely() -> None:
    texts = [TEXT.replace("Karl", name) for name in ("Karl", "Imran", "Olu", "Bethan")] * 4
    expected = [nlp.redact(t) for t in texts]
    with ThreadPoolExecutor(max_workers=4) as pool:
        assert list(pool.map(nlp.redact, texts)) == expected


def test_cli_speaks_the_jsonl_contract() -> None:
    lines = [{"id": 7, "text": TEXT}, {"id": "b", "text": "Nothing to see."}]
    run = subprocess.run(
        [sys.executable, "-m", "nlp.redact", "--jsonl"],
        input="".join(json.dumps(line) + "\n" for line in lines),
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
        timeout=120,
    )
    out = [json.loads(line) for line in run.stdout.splitlines()]
    assert [o["id"] for o in out] == [7, "b"]
    assert set(out[0]) == {"id", "redacted", "spans"}
    spans = out[0]["spans"]
    assert all(set(s) == {"start", "end", "label"} for s in spans)
    struck = {TEXT[s["start"] : s["end"]] for s in spans}
    assert {"Karl Brennan", "Rotherham", "07700 900 123", "k.brennan@example.org"} <= struck
    assert "HMPPS" in out[0]["redacted"] and "Karl" not in out[0]["redacted"]
    assert out[1] == {"id": "b", "redacted": "Nothing to see.", "spans": []}


def test_detail_span_for_a_passage_a_moderator_strikes() -> None:
    text = "I was the one who found him on the landing that night."
    start = text.index(" found")
    span = nlp.detail_span(text, start, text.index(" that night"))
    assert span.label == "DETAIL" and span.replacement == "[detail]"
    assert text[span.start : span.end] == "found him on the landing"  # edges' spaces left out
    assert nlp.apply_spans(text, [span]) == "I was the one who [detail] that night."
    with pytest.raises(ValueError, match="no words"):
        nlp.detail_span(text, 1, 2)
    with pytest.raises(ValueError, match="outside"):
        nlp.detail_span(text, 10, 999)


def test_detail_spans_join_the_engine_spans_and_round_trip() -> None:
    text = "Ring Wystan Hollinrake on 07700 900 318. I found him on the landing."
    result = nlp.redact(text)
    start = text.index("found")
    spans = sorted([*result.spans, nlp.detail_span(text, start, len(text) - 1)], key=lambda s: s.start)
    redacted = nlp.apply_spans(text, spans)
    assert redacted.endswith("I [detail].") and "Hollinrake" not in redacted
    edited = nlp.Redaction(text, redacted, spans, result.warnings, result.themes)
    assert nlp.Redaction.from_dict(json.loads(json.dumps(edited.to_dict()))) == edited


def test_warnings_rechecked_against_a_moderators_draft() -> None:
    text = "I'm a band 4 PSO on B wing, on nights, and I've been here since the split. 96 cases."
    warnings = nlp.redact(text).warnings
    kinds = {w.kind for w in warnings}
    assert {"grade", "shift", "service_length", "workload", "combination"} <= kinds
    assert all(w.quote for w in warnings if w.kind != "combination")
    draft = "I'm a PSO on nights, and I've been here a long while. Lots of cases. We're a team of four."
    checks = nlp.recheck_warnings(warnings, draft)
    status = {(c.caution.kind, c.caution.quote): c.status for c in checks if not c.new}
    assert status[("shift", "on nights")] == nlp.OPEN
    assert status[("workload", "96 cases")] == nlp.RESOLVED
    assert status[("shift", "B wing")] == nlp.RESOLVED
    assert status[("service_length", "since the split")] == nlp.RESOLVED
    assert status[("combination", None)] == nlp.OPEN  # still two details about the writer
    # An open warning points into the draft; a new one the draft raises comes marked new.
    open_shift = next(c for c in checks if c.caution.quote == "on nights")
    assert draft[open_shift.caution.start : open_shift.caution.end] == "on nights"
    assert any(c.new and c.caution.kind == "team_size" for c in checks)
    assert [c.status for c in nlp.recheck_warnings(warnings, "Nothing here.")] == [nlp.RESOLVED] * len(
        warnings
    )


def test_warnings_stored_before_quotes_existed_still_load() -> None:
    old = {"kind": "grade", "message": "m", "start": 0, "end": 4}
    assert nlp.Caution(**old).quote is None
    assert nlp.recheck_warnings([nlp.Caution(**old)], "I'm a band 4 PSO")[0].status == nlp.RESOLVED
