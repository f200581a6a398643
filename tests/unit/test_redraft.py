"""Keeping a moderator's hand edits when the redactions change (moderation/redraft.py)."""

from __future__ import annotations

from moderation import item_state, redraft
from moderation.item_state import ItemState, SpanState

ORIGINAL = "My manager Sarah Collins in the Leeds office said caseloads are fine. I work nights."


def state(spans: list[SpanState]) -> ItemState:
    s = ItemState(
        original=ORIGINAL,
        spans=spans,
        draft="",
        edited=False,
        warnings=[],
        suggested_themes=[],
        themes=[],
    )
    s.draft = s.auto_draft()
    return s


def name_and_place() -> list[SpanState]:
    return [
        SpanState(11, 24, "PERSON", "[name 1]"),
        SpanState(32, 37, "PLACE", "[place 1]"),
    ]


def test_tokens_give_back_the_text_exactly() -> None:
    for text in [ORIGINAL, "  two  spaces\n\nand [name 1], [detail]!", "", "[unclosed bracket"]:
        assert "".join(redraft.tokens(text)) == text


def test_a_change_of_redactions_lands_in_the_edited_wording() -> None:
    base = "My manager [name 1] in the [place 1] office said caseloads are fine."
    ours = "My manager [name 1] in the [place 1] office told us caseloads were fine."
    theirs = "My manager [name 1] in the Leeds office said caseloads are fine."
    merged, clash = redraft.merge(base, ours, theirs)
    assert merged == "My manager [name 1] in the Leeds office told us caseloads were fine."
    assert not clash


def test_a_change_on_words_edited_by_hand_keeps_the_hand_edit_and_says_so() -> None:
    base = "said caseloads are fine in Leeds."
    ours = "said workloads are fine in Leeds."
    theirs = "said [detail] are fine in Leeds."
    merged, clash = redraft.merge(base, ours, theirs)
    assert merged == ours and clash


def test_striking_after_a_hand_edit_keeps_the_edit_and_strikes_the_detail() -> None:
    s = state(name_and_place())
    s.draft = s.draft.replace("said caseloads are fine", "told the team caseloads were fine")
    s.edited = True
    before, struck_before = s.auto_draft(), s.struck()
    item_state.strike_selection(s, ORIGINAL.index("I work nights"), len(ORIGINAL) - 1)
    clash = s.rebuild_draft(before=before, struck_before=struck_before)
    assert not clash
    assert s.draft == (
        "My manager [name 1] in the [place 1] office told the team caseloads were fine. [detail]."
    )
    assert s.edited


def test_a_newly_struck_detail_never_survives_a_clash() -> None:
    s = state(name_and_place())
    # The moderator rewrote the sentence holding "caseloads" by hand...
    s.draft = s.draft.replace("said caseloads are fine", "said the caseloads are fine, really")
    s.edited = True
    before, struck_before = s.auto_draft(), s.struck()
    # ...then strikes "caseloads" (the passage typed into the no-script field).
    assert item_state.strike_passage(s, "caseloads", "DETAIL") == 1
    s.rebuild_draft(before=before, struck_before=struck_before)
    assert "caseloads" not in s.draft and "[detail]" in s.draft and "really" in s.draft


def test_without_hand_edits_the_draft_is_rebuilt_as_before() -> None:
    s = state(name_and_place())
    before, struck_before = s.auto_draft(), s.struck()
    s.spans[0].active = False
    assert not s.rebuild_draft(before=before, struck_before=struck_before)
    assert s.draft.startswith("My manager Sarah Collins in the [place 1] office") and not s.edited


def test_a_selection_across_a_detail_takes_it_in() -> None:
    s = state(name_and_place())
    start = ORIGINAL.index("manager")
    end = ORIGINAL.index(" in the")
    span = item_state.strike_selection(s, start, end)
    assert (span.start, span.end, span.label, span.replacement) == (start, end, "DETAIL", "[detail]")
    assert [(x.start, x.label) for x in s.spans] == [(start, "DETAIL"), (32, "PLACE")]
    assert s.auto_draft().startswith("My [detail] in the [place 1] office")


def test_a_selection_of_spaces_alone_is_refused() -> None:
    s = state(name_and_place())
    for start, end in [(2, 3), (5, 5), (-1, 4), (0, len(ORIGINAL) + 1)]:
        try:
            item_state.strike_selection(s, start, end)
        except ValueError:
            continue
        raise AssertionError(f"({start}, {end}) was struck")


def test_warnings_are_rechecked_against_the_draft() -> None:
    s = state(name_and_place())
    s.original = "I am the only band 4 probation officer who works nights in my team of 3."
    s.spans = []
    s.draft = s.original
    import nlp

    s.warnings = [
        {"kind": c.kind, "message": c.message, "start": c.start, "end": c.end, "quote": c.quote}
        for c in nlp.find_warnings(s.original)
    ]
    assert s.warnings, "the example should raise warnings"
    opened = [c for c in s.checked_warnings() if c.status == nlp.OPEN]
    assert len(opened) == len(s.warnings)
    s.draft = "I am a probation officer."
    checks = s.checked_warnings()
    assert all(c.status == nlp.RESOLVED for c in checks if not c.new)
    # Warnings stored before quotes were kept are quoted from the original.
    s.warnings = [{**w, "quote": None} for w in s.warnings if w["start"] is not None]
    s.draft = s.original
    assert all(c.status == nlp.OPEN for c in s.checked_warnings())
