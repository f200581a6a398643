"""The keep list: public figures and national bodies that must survive redaction."""

from __future__ import annotations

import functools
from collections.abc import Collection
from pathlib import Path

from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc

DATA = Path(__file__).parent / "data" / "keep.txt"


@functools.cache
def builtin_terms() -> tuple[str, ...]:
    lines = DATA.read_text(encoding="utf-8").splitlines()
    return tuple(line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#"))


def matcher(nlp: Language, extra: Collection[str] = ()) -> PhraseMatcher:
    return _cached_matcher(nlp, tuple(sorted({t.strip() for t in extra if t.strip()})))


@functools.lru_cache(maxsize=32)
def _cached_matcher(nlp: Language, extra: tuple[str, ...]) -> PhraseMatcher:
    phrase_matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
    terms = builtin_terms() + extra
    phrase_matcher.add("KEEP", [nlp.make_doc(term) for term in terms])
    return phrase_matcher


def kept_ranges(doc: Doc, phrase_matcher: PhraseMatcher) -> list[tuple[int, int]]:
    """Character ranges of keep-list mentions in the document."""
    return [(doc[s:e].start_char, doc[s:e].end_char) for _id, s, e in phrase_matcher(doc)]
