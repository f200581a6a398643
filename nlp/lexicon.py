"""What counts as an ordinary English word, and the trade's jargon.

Ordinary words come from the English lemmatizer's index (WordNet's nouns, verbs, adjectives and
adverbs) that ships inside the spaCy model, plus its stop words: no extra download. A lowercase
word that is not ordinary English and is a known first name or place ("dave", "looe") is very
likely a name typed in a hurry.
"""

from __future__ import annotations

import functools
from pathlib import Path

from spacy.language import Language

DATA = Path(__file__).parent / "data"
MONTHS_AND_DAYS = frozenset(
    [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
    ]
)


@functools.cache
def _ordinary(nlp: Language) -> frozenset[str]:
    words: set[str] = set(nlp.Defaults.stop_words)
    if "lemmatizer" in nlp.pipe_names:
        lookups = nlp.get_pipe("lemmatizer").lookups  # type: ignore[attr-defined]
        if lookups.has_table("lemma_index"):
            for entries in lookups.get_table("lemma_index").values():
                words.update(w.lower() for w in entries)
        if lookups.has_table("lemma_exc"):
            for table in lookups.get_table("lemma_exc").values():
                words.update(k.lower() for k in table)
    return frozenset(words)


def is_ordinary(nlp: Language, word: str) -> bool:
    lowered = word.lower().replace("’", "'")
    if lowered in MONTHS_AND_DAYS or "n't" in lowered or lowered.endswith(("'s", "'re", "'ve", "'ll", "'d")):
        return True
    known = _ordinary(nlp)
    return lowered in known or any(
        lowered.endswith(suffix) and lowered[: -len(suffix)] + restore in known
        for suffix, restore in _INFLECTIONS
    )


# Enough inflection to recognise "started", "grades", "asked", "wants" from their lemmas.
_INFLECTIONS = (
    ("ies", "y"),
    ("es", ""),
    ("s", ""),
    ("ed", ""),
    ("ed", "e"),
    ("ing", ""),
    ("ing", "e"),
    ("ied", "y"),
)


@functools.cache
def load_list(name: str) -> frozenset[str]:
    lines = (DATA / name).read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip() and not line.startswith("#"))


def is_jargon(word: str) -> bool:
    return word.strip().lower() in load_list("jargon.txt")
