"""The redactor as a whole: names, places, keep list, numbering, warnings, themes."""

import json
import subprocess
import sys

import pytest

import nlp


def struck(text: str, **kwargs: object) -> list[tuple[str, str]]:
    result = nlp.redact(text, **kwargs)  # type: ignore[arg-type]
    return [(text[s.start : s.end], s.label) for s in result.spans]


def test_private_names_and_places_are_struck_public_bodies_kept() -> None:
    text = "My SPO Gemma Hartley told the Napo rep that HMPPS wants OASys done by Friday in Barnsley."
    hits = dict(struck(text))
    assert hits.get("Gemma Hartley") == "PERSON"
    assert hits.get("Barnsley") == "PLACE"
    assert "Napo" not in hits and "HMPPS" not in hits and "OASys" not in hits


def test_lowercase_names_are_struck() -> None:
    hits = {s for s, _ in struck("honestly dave and priya carried the whole team this week")}
    assert {"dave", "priya"} <= hits


def test_places_that_are_ordinary_words_when_capitalised_midsentence() -> None:
    hits = {s for s, _ in struck("I moved from the team at Reading to the one in Deal last year.")}
    assert {"Reading", "Deal"} <= hits
    assert not struck("I was reading the report and wanted to deal with it.")


def test_public_office_holders_are_kept() -> None:
    text = "Justice Secretary Imogen Ashcombe visited, and Napo general secretary Tom Greaves spoke."
    hits = {s for s, _ in struck(text)}
    assert "Imogen Ashcombe" not in hits and "Tom Greaves" not in hits


def test_keep_extra_from_the_desk() -> None:
    text = "Rowan Pettifer from the inspectorate came to Leeds."
    assert "Rowan Pettifer" in {s for s, _ in struck(text)}
    assert "Rowan Pettifer" not in {s for s, _ in struck(text, keep_extra=["Rowan Pettifer"])}


def test_same_name_same_number_and_partial_mentions() -> None:
    result = nlp.redact("Sarah Collins said no. Then Priya Shah said yes. Later Sarah said no again.")
    assert result.redacted.count("[name 1]") == 2
    assert "[name 2]" in result.redacted
    assert "Sarah" not in result.redacted


def test_redacted_text_holds_no_struck_surface() -> None:
    text = "Email dave.jones@example.org or ring 07700 900123; CRN X123456; Mr Okafor in Hull."
    result = nlp.redact(text)
    for span in result.spans:
        assert text[span.start : span.end] not in result.redacted
    assert nlp.apply_spans(text, result.spans) == result.redacted


def test_warnings_for_details_that_narrow_down() -> None:
    result = nlp.redact("I'm the only PSO on a team of four and I have 23 years' service in the job.")
    found = {w.kind for w in result.warnings}
    assert {"unique_role", "team_size", "service_length", "combination"} <= found
    assert all(w.message for w in result.warnings)
    assert not nlp.redact("Caseloads are high everywhere.").warnings


def test_theme_suggestions_by_lemma() -> None:
    result = nlp.redact("My caseload is unmanageable and OASys crashed again, so I stayed late.")
    assert result.themes[:2] and {"workload", "it-systems"} <= set(result.themes)
    assert [t["slug"] for t in nlp.THEMES][:1] == ["workload"] and len(nlp.THEMES) == 12


def test_round_trip_through_dict() -> None:
    result = nlp.redact("Mr Patel from Leeds rang 07700 900123.")
    assert nlp.Redaction.from_dict(json.loads(json.dumps(result.to_dict()))) == result


def test_batch_matches_single() -> None:
    texts = ["Ali from Hull.", "Nothing to strike here.", "Ring 07700 900123."]
    assert [r.redacted for r in nlp.redact_many(texts)] == [nlp.redact(t).redacted for t in texts]


def test_apply_spans_refuses_overlaps() -> None:
    with pytest.raises(ValueError, match="overlap"):
        nlp.apply_spans("abcdef", [nlp.Span(0, 3, "ID", "[x]"), nlp.Span(2, 4, "ID", "[y]")])


def test_cli_speaks_the_jsonl_contract() -> None:
    lines = [{"id": "a", "text": "Ring Jo Baxter on 07700 900123."}, {"id": 7, "text": "No details."}]
    stdin = "\n".join(json.dumps(x) for x in lines) + "\n"
    out = subprocess.run(
        [sys.executable, "-m", "nlp.redact", "--jsonl"],
        input=stdin,
        capture_output=True,
        text=True,
        check=True,
    )
    results = [json.loads(line) for line in out.stdout.splitlines()]
    assert [r["id"] for r in results] == ["a", 7]
    first = results[0]
    assert set(first) == {"id", "redacted", "spans"}
    text = lines[0]["text"]
    assert {text[s["start"] : s["end"]] for s in first["spans"]} >= {"Jo Baxter", "07700 900123"}
    assert results[1]["spans"] == []
