"""The keep list: public figures and national bodies that must survive redaction."""

from __future__ import annotations

import functools
import re
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


_NAME = r"[A-Z][a-z]+(?:[-'][A-Z]?[a-z]+)?"
_PERSON = rf"(?:(?:Sir|Dame|Lord|Lady|Baroness|Dr)\s+)?{_NAME}(?:\s+{_NAME}){{1,2}}"
_ROLE = (
    r"(?:(?:former|then|new|current|shadow)\s+)*(?:Justice Secretary|Secretary of State for Justice|Lord Chancellor|"
    r"Home Secretary|Prime Minister|(?:Prisons|Probation|Prisons and Probation|Justice) Minister|minister|MP|"
    r"(?:HM\s+)?Chief Inspector(?: of (?:Probation|Prisons))?|chief inspector|(?:Napo|Unison|GMB|POA|PCS|union)?\s*"
    r"(?:general secretary|General Secretary|chair|president|national chair)|(?:HMPPS\s+)?(?:chief executive|Chief Executive|"
    r"director general|Director General)(?: of HMPPS)?)"
)
ROLE_BEFORE_NAME = re.compile(rf"\b{_ROLE}\s*,?\s+({_PERSON})")
NAME_BEFORE_ROLE = re.compile(rf"\b({_PERSON})\s*,?\s+(?:(?:the|who was|who is|then|now)\s+)*{_ROLE}\b")


def public_role_ranges(text: str) -> list[tuple[int, int]]:
    """Names introduced by a public office ("Justice Secretary Jane Doe", "Jane Doe MP"):
    holders of public office are accountable under their names."""
    ranges = [(m.start(1), m.end(1)) for m in ROLE_BEFORE_NAME.finditer(text)]
    ranges += [(m.start(1), m.end(1)) for m in NAME_BEFORE_ROLE.finditer(text)]
    return ranges
