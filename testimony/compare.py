"""What changed between two versions of a text, word by word, for marking changes on a page
(<del>/<ins>; no script needed to read them)."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

# Words and single punctuation marks, each with the spaces after it (so a run of changed words
# reads as one change, not words split by unchanged spaces); a changed comma shows as a comma.
_TOKENS = re.compile(r"\w+\s*|[^\w\s]\s*|\s+")


@dataclass(frozen=True)
class Piece:
    kind: str  # "same", "del" (in the first text only) or "ins" (in the second only)
    text: str


def _tokens(text: str) -> list[str]:
    return _TOKENS.findall(text)


def changes(before: str, after: str) -> list[Piece]:
    """`after` marked against `before`: the pieces, read in order, give `before` without the
    "ins" pieces and `after` without the "del" ones. Neighbouring pieces of a kind are joined."""
    a, b = _tokens(before), _tokens(after)
    pieces: list[Piece] = []

    def add(kind: str, tokens: list[str]) -> None:
        text = "".join(tokens)
        if not text:
            return
        if pieces and pieces[-1].kind == kind:
            pieces[-1] = Piece(kind, pieces[-1].text + text)
        else:
            pieces.append(Piece(kind, text))

    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            add("same", a[i1:i2])
        else:
            add("del", a[i1:i2])
            add("ins", b[j1:j2])
    return pieces


def count(pieces: list[Piece]) -> int:
    """How many places changed (a deletion next to an insertion is one change)."""
    places, previous = 0, "same"
    for piece in pieces:
        if piece.kind != "same" and previous == "same":
            places += 1
        previous = piece.kind
    return places
