"""The result types of the redaction API."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    label: str
    replacement: str


@dataclass(frozen=True)
class Caution:
    """A re-identification warning: not an identifier alone, but narrows down who wrote it."""

    kind: str
    message: str
    start: int | None = None
    end: int | None = None
    # The words that raised it, so a later draft can be re-checked (nlp.recheck_warnings).
    quote: str | None = None


@dataclass
class Redaction:
    text: str
    redacted: str
    spans: list[Span] = field(default_factory=list)
    warnings: list[Caution] = field(default_factory=list)
    themes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "redacted": self.redacted,
            "spans": [asdict(s) for s in self.spans],
            "warnings": [asdict(w) for w in self.warnings],
            "themes": list(self.themes),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Redaction:
        return cls(
            text=data["text"],
            redacted=data["redacted"],
            spans=[Span(**s) for s in data.get("spans", [])],
            warnings=[Caution(**w) for w in data.get("warnings", [])],
            themes=list(data.get("themes", [])),
        )


def apply_spans(text: str, spans: Sequence[Span]) -> str:
    """Replace each span of `text` by its replacement. Spans must be sorted and not overlap."""
    pieces: list[str] = []
    position = 0
    for span in spans:
        if span.start < position:
            raise ValueError("spans overlap or are not sorted")
        pieces.append(text[position : span.start])
        pieces.append(span.replacement)
        position = span.end
    pieces.append(text[position:])
    return "".join(pieces)


DETAIL_REPLACEMENT = "[detail]"


def detail_span(text: str, start: int, end: int) -> Span:
    """The span a moderator strikes as a passage that is not a name or a reference: the kind
    DETAIL, shown as "[detail]". Spaces at either edge of the selection are left out, so the
    words around it keep their spacing. ValueError when the selection is empty or outside the text."""
    if not 0 <= start < end <= len(text):
        raise ValueError("the passage to strike is outside the text")
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if start == end:
        raise ValueError("the passage to strike has no words in it")
    return Span(start, end, "DETAIL", DETAIL_REPLACEMENT)
