"""What a moderator sees of one item: the opened bundle, the latest draft, messages and notes.

The bundle (what the submitter sent, with the redactor's spans) never changes. Each moderator
edit saves a new sealed DRAFT blob; the latest one is the current draft.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

import nlp
from moderation import redraft
from testimony import sealing
from testimony.models import Author, BlobKind, Recipient, SealedBlob, Submission


@dataclass
class SpanState:
    start: int
    end: int
    label: str
    replacement: str
    active: bool = True

    def as_dict(self) -> dict[str, Any]:
        return {
            "start": self.start,
            "end": self.end,
            "label": self.label,
            "replacement": self.replacement,
            "active": self.active,
        }


@dataclass
class ItemState:
    original: str
    spans: list[SpanState]
    draft: str
    edited: bool
    warnings: list[dict[str, Any]]
    suggested_themes: list[str]
    themes: list[str]
    messages: list[dict[str, Any]] = field(default_factory=list)
    notes: list[dict[str, Any]] = field(default_factory=list)
    # The public id of the published contribution this responds to (sealed in the bundle).
    in_reply_to: str | None = None
    # The struck-out text the submitter previewed and sent: approving other wording waits for
    # their OK (testimony/approved.py: needs_source_ok).
    sent_draft: str = ""

    def draft_payload(self) -> dict[str, Any]:
        return {
            "spans": [s.as_dict() for s in self.spans],
            "draft": self.draft,
            "edited": self.edited,
            "themes": self.themes,
        }

    def struck(self) -> set[tuple[int, int]]:
        """Where the details struck now are, to tell later which ones a change newly struck."""
        return {(s.start, s.end) for s in self.spans if s.active}

    def auto_draft(self) -> str:
        """The original with every struck detail replaced: the draft before any hand edit."""
        active = [nlp.Span(s.start, s.end, s.label, s.replacement) for s in self.spans if s.active]
        return nlp.apply_spans(self.original, sorted(active, key=lambda s: s.start))

    def rebuild_draft(
        self, *, before: str | None = None, struck_before: Collection[tuple[int, int]] = ()
    ) -> bool:
        """The draft after the redactions changed. Wording edited by hand keeps its edits: the
        change the redactions make (from `before`, what the old ones made, to what the new ones
        make) is merged into it, and every newly struck detail is struck wherever it is still
        found. Returns whether a change fell on words edited by hand (the moderator is told)."""
        theirs = self.auto_draft()
        if not self.edited or before is None:
            self.draft, self.edited = theirs, False
            return False
        merged, clash = redraft.merge(before, self.draft, theirs)
        newly = [s for s in self.spans if s.active and (s.start, s.end) not in struck_before]
        merged = redraft.strike_remaining(
            merged, [(self.original[s.start : s.end], s.replacement) for s in newly]
        )
        self.draft, self.edited = merged, merged != theirs
        return clash

    def checked_warnings(self) -> list[nlp.WarningCheck]:
        """The redactor's warnings re-checked against the current draft: which are still true of
        it, which the edits resolved, and any the edits raised."""
        previous = []
        for w in self.warnings:
            start, end, quote = w.get("start"), w.get("end"), w.get("quote")
            if quote is None and start is not None and end is not None:
                quote = self.original[start:end]  # warnings stored before quotes were kept
            previous.append(nlp.Caution(w["kind"], w["message"], start, end, quote))
        return nlp.recheck_warnings(previous, self.draft)


def load(submission: Submission, moderator_id: int, private_key: bytes) -> ItemState:
    """Open everything a moderator needs. Raises sealing.NoKeyForReader before a grant."""

    def open_(blob: SealedBlob) -> dict[str, Any]:
        return sealing.open_blob(blob, Recipient.MODERATOR, private_key, moderator_id)

    # In the order they were written; the random ids order nothing.
    blobs = sorted(submission.blobs, key=lambda b: b.seq)
    bundle = next(b for b in blobs if b.kind == BlobKind.BUNDLE)
    sent = open_(bundle)
    redaction = sent["redaction"]
    state = ItemState(
        original=redaction["text"],
        spans=[SpanState(s["start"], s["end"], s["label"], s["replacement"]) for s in redaction["spans"]],
        draft=redaction["redacted"],
        edited=False,
        warnings=list(redaction.get("warnings", [])),
        suggested_themes=list(redaction.get("themes", [])),
        themes=list(redaction.get("themes", [])),
        # Bundles from older versions have no such key: theirs is in submission.in_reply_to.
        in_reply_to=sent.get("in_reply_to") or submission.in_reply_to,
        sent_draft=redaction["redacted"],
    )
    drafts = [b for b in blobs if b.kind == BlobKind.DRAFT]
    if drafts:
        latest = open_(drafts[-1])
        state.spans = [SpanState(**s) for s in latest["spans"]]
        state.draft, state.edited, state.themes = latest["draft"], latest["edited"], latest["themes"]
    for blob in blobs:
        if blob.kind == BlobKind.MESSAGE:
            state.messages.append({"author": blob.author, "on": blob.created_on, **open_(blob)})
        elif blob.kind == BlobKind.NOTE:
            state.notes.append({"on": blob.created_on, **open_(blob)})
    return state


def strike_selection(state: ItemState, start: int, end: int) -> SpanState:
    """Strike the passage of the original between `start` and `end` (a moderator's selection) as
    a "[detail]". Details it overlaps are taken into it, so one selection across a name and the
    words around it strikes them all. Raises ValueError for an empty or impossible selection."""
    span = nlp.detail_span(state.original, start, end)
    start, end = span.start, span.end
    overlapping = [s for s in state.spans if s.start < end and start < s.end]
    start = min([start, *(s.start for s in overlapping)])
    end = max([end, *(s.end for s in overlapping)])
    state.spans = [s for s in state.spans if not any(s is o for o in overlapping)]
    new = SpanState(start, end, span.label, span.replacement)
    state.spans.append(new)
    state.spans.sort(key=lambda s: s.start)
    return new


def strike_passage(state: ItemState, passage: str, label: str) -> int:
    """Strike every occurrence of `passage` in the original that no span covers yet."""
    if not passage.strip():
        return 0
    replacement = f"[{nlp.KIND_NAMES.get(label, 'redacted')}]"
    added, position = 0, 0
    while (found := state.original.find(passage, position)) != -1:
        end = found + len(passage)
        position = end
        if any(s.start < end and found < s.end for s in state.spans):
            continue
        state.spans.append(SpanState(found, end, label, replacement))
        added += 1
    state.spans.sort(key=lambda s: s.start)
    return added


def save_draft(submission: Submission, state: ItemState, moderator_id: int) -> None:
    """Seal the moderator's current draft (wording, redactions, themes) as a new draft blob, to
    the staff. The caller has moved the version on (lifecycle.edit) and commits."""
    sealing.seal_blob(
        submission,
        kind=BlobKind.DRAFT,
        author=Author.MODERATOR,
        payload=state.draft_payload(),
        readers=sealing.staff_readers(),
        moderator_id=moderator_id,
    )
