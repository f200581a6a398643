"""Keeping a moderator's hand edits when the redactions change.

The draft starts as the original with its struck details replaced. A moderator may then edit the
wording by hand; before this module, saving redactions afterwards rebuilt the draft from the
original and threw those edits away. Now the change the redactions make (from the draft they
made before to the one they make now) is carried over to the edited wording, as a three-way
merge of words: `merge(base, ours, theirs)`, where `base` is what the old redactions made,
`ours` the wording as edited, and `theirs` what the new redactions make.

Where a redaction change falls on words the moderator also edited, the edited words win (the
merge reports the clash), and `strike_remaining` then strikes any newly struck detail still
present in the result: a detail the moderator chose to strike never stays in the draft because
the wording around it was edited.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from difflib import SequenceMatcher

# Whole placeholders ("[name 1]"), words, runs of space, single marks: joined, they give back the
# text exactly.
TOKEN = re.compile(r"\[[^\[\]\n]{1,40}\]|\w+|\s+|[^\w\s]")

Change = tuple[int, int, list[str], str]  # base tokens [i, j) become these tokens; side "o" or "t"


def tokens(text: str) -> list[str]:
    found: list[str] = TOKEN.findall(text)  # every character belongs to exactly one token
    return found


def _changes(base: Sequence[str], other: Sequence[str], side: str) -> list[Change]:
    matcher = SequenceMatcher(None, base, other, autojunk=False)
    return [
        (i1, i2, list(other[j1:j2]), side) for tag, i1, i2, j1, j2 in matcher.get_opcodes() if tag != "equal"
    ]


def _apply(base: Sequence[str], lo: int, hi: int, changes: Iterable[Change]) -> list[str]:
    out: list[str] = []
    position = lo
    for i1, i2, replacement, _side in sorted(changes, key=lambda c: (c[0], c[1])):
        out += base[position:i1]
        out += replacement
        position = i2
    out += base[position:hi]
    return out


def merge(base: str, ours: str, theirs: str) -> tuple[str, bool]:
    """`theirs`' changes from `base`, applied to `ours`. Returns the text and whether any change
    of theirs fell on words ours had changed too (there, ours is kept)."""
    if ours == base:
        return theirs, False
    if theirs == base:
        return ours, False
    b = tokens(base)
    changes = sorted(
        _changes(b, tokens(ours), "o") + _changes(b, tokens(theirs), "t"), key=lambda c: (c[0], c[1])
    )
    out: list[str] = []
    position, k, clash = 0, 0, False
    while k < len(changes):
        group = [changes[k]]
        lo, hi = changes[k][0], changes[k][1]
        k += 1
        # Changes that overlap or touch in the base are one region.
        while k < len(changes) and changes[k][0] <= hi:
            group.append(changes[k])
            hi = max(hi, changes[k][1])
            k += 1
        sides = {c[3] for c in group}
        out += b[position:lo]
        if sides == {"o", "t"}:
            clash = True
            group = [c for c in group if c[3] == "o"]
        out += _apply(b, lo, hi, group)
        position = hi
    out += b[position:]
    return "".join(out), clash


def strike_remaining(text: str, struck: Iterable[tuple[str, str]]) -> str:
    """Replace every whole-word occurrence of each newly struck passage still in `text` by its
    placeholder. `struck` is (passage, placeholder) pairs."""
    for passage, placeholder in struck:
        if not passage.strip():
            continue
        pattern = re.compile(rf"(?<!\w){re.escape(passage)}(?!\w)")
        text = pattern.sub(lambda _match, p=placeholder: p, text)  # type: ignore[misc]
    return text
