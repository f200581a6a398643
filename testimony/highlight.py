"""Splitting a text into plain pieces and struck details, for previews and the review desk."""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass

import nlp


@dataclass(frozen=True)
class Segment:
    """A piece of text: plain, or a struck detail shown with its replacement."""

    text: str
    label: str | None = None
    replacement: str | None = None
    index: int | None = None  # position in the span list, so the desk can toggle it


def split(text: str, spans: Iterable[tuple[int, int, str, str]]) -> list[Segment]:
    """Spans are (start, end, label, replacement) in `text`; overlaps are merged into the first."""
    pieces: list[Segment] = []
    position = 0
    ordered = sorted(enumerate(spans), key=lambda pair: pair[1][0])
    for index, (start, end, label, replacement) in ordered:
        if start < position:
            continue
        if start > position:
            pieces.append(Segment(text[position:start]))
        pieces.append(Segment(text[start:end], label, replacement, index))
        position = end
    if position < len(text):
        pieces.append(Segment(text[position:]))
    return pieces


@dataclass(frozen=True)
class Marked:
    """A piece of a preview: plain text, or a struck detail (label, replacement), and perhaps
    part of the passage a warning is about (`warning`: its number in the list, from 1)."""

    text: str
    label: str | None = None
    replacement: str | None = None
    warning: int | None = None
    first: bool = False  # the first piece of its warning's passage: where its number goes


def marked(redaction: nlp.Redaction) -> list[Marked]:
    """The previewed text in pieces: struck details whole (each shown once, with its
    replacement), plain text cut where warned passages begin and end, and each piece inside a
    warned passage numbered like the warning in the list below it (`numbered_warnings`: in the
    order of the text; one without a place in the text gets a number but marks nothing)."""
    text = redaction.text
    places = [
        (number, w.start, w.end)
        for number, w in numbered_warnings(redaction)
        if w.start is not None and w.end is not None and 0 <= w.start < w.end <= len(text)
    ]

    def warning_at(start: int, end: int) -> int | None:
        for number, w_start, w_end in places:
            if w_start < end and start < w_end:
                return number
        return None

    units: list[tuple[int, int, str | None, str | None]] = []
    position = 0
    for span in sorted(redaction.spans, key=lambda s: s.start):
        if span.start < position:
            continue  # overlaps the one before: merged into it, as `split` does
        units += _plain_units(position, span.start, places)
        units.append((span.start, span.end, span.label, span.replacement))
        position = span.end
    units += _plain_units(position, len(text), places)
    pieces: list[Marked] = []
    seen: set[int] = set()
    for start, end, label, replacement in units:
        number = warning_at(start, end)
        first = number is not None and number not in seen
        if number is not None:
            seen.add(number)
        pieces.append(Marked(text[start:end], label, replacement, number, first))
    return pieces


def numbered_warnings(redaction: nlp.Redaction) -> list[tuple[int, nlp.Caution]]:
    """The warnings numbered from 1 in the order their passages appear in the text; those about
    the whole text (no passage) come last. `marked` numbers the passages the same way."""
    ordered = sorted(redaction.warnings, key=lambda w: (w.start is None, w.start or 0))
    return list(enumerate(ordered, start=1))


def _plain_units(
    start: int, end: int, places: list[tuple[int, int, int]]
) -> list[tuple[int, int, None, None]]:
    """Plain text from start to end, cut wherever a warned passage begins or ends."""
    if start >= end:
        return []
    cuts = sorted({start, end, *(p for _, s, e in places for p in (s, e) if start < p < end)})
    return [(a, b, None, None) for a, b in itertools.pairwise(cuts)]
