"""Splitting a text into plain pieces and struck details, for previews and the review desk."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


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
