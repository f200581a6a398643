"""Theme suggestions, matched on lemmas against a taxonomy kept as data (data/themes.json).

Each theme lists strong lemmas ("caseload"), weak ones that only count with others ("cover",
"hours") and phrases ("serious further offence"). Words are reduced to lemmas with the
lemmatizer's own tables (nlp.lexicon.lemma), so "caseloads", "bullied" and "inspected" count.
A theme is suggested when its score reaches MIN_SCORE, best first; moderators confirm.
"""

from __future__ import annotations

import functools
import json
from collections import Counter
from pathlib import Path
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc

from nlp import lexicon

DATA = Path(__file__).parent / "data" / "themes.json"
STRONG, WEAK, PHRASE = 2, 1, 3
# One strong word, a phrase, or two weak words: a single passing "cover" suggests nothing.
MIN_SCORE = 2
LIMIT = 3


@functools.cache
def taxonomy() -> tuple[dict[str, Any], ...]:
    return tuple(json.loads(DATA.read_text(encoding="utf-8")))


def public_list() -> list[dict[str, str]]:
    return [{"slug": t["slug"], "name": t["name"], "description": t["description"]} for t in taxonomy()]


@functools.cache
def _word_index() -> dict[str, tuple[tuple[str, int], ...]]:
    index: dict[str, list[tuple[str, int]]] = {}
    for theme in taxonomy():
        for key, weight in (("lemmas", STRONG), ("weak", WEAK)):
            for word in theme.get(key, []):
                if " " not in word and "-" not in word:
                    index.setdefault(word.lower(), []).append((theme["slug"], weight))
    return {k: tuple(v) for k, v in index.items()}


@functools.cache
def _phrases(nlp: Language) -> tuple[tuple[str, str], ...]:
    """Multi-word entries as space-joined lemma sequences, tokenized and lemmatized the way
    texts are, so "signed off" matches "signs off" and "e-learning" matches "e-learning"."""
    found: list[tuple[str, str]] = []
    for theme in taxonomy():
        for key in ("phrases", "lemmas", "weak"):
            for phrase in theme.get(key, []):
                if " " in phrase or "-" in phrase:
                    found.append((" ".join(_lemmas(nlp.make_doc(phrase), nlp)), theme["slug"]))
    return tuple(found)


def _lemmas(doc: Doc, nlp: Language) -> list[str]:
    return [
        lexicon.lemma(nlp, t.text) if t.is_alpha else t.lower_
        for t in doc
        if not t.is_space and (not t.is_punct or t.text == "-")
    ]


# Trade words the lemmatizer does not know ("caseloads", "pqips"): strip a regular ending.
_ENDINGS = ("s", "es", "ed", "ing")


def _lookup(index: dict[str, tuple[tuple[str, int], ...]], word: str) -> tuple[tuple[str, int], ...]:
    found = index.get(word)
    if found is None:
        for ending in _ENDINGS:
            if word.endswith(ending) and len(word) > len(ending) + 2:
                found = index.get(word[: -len(ending)])
                if found:
                    break
    return found or ()


def suggest(doc: Doc, nlp: Language, limit: int = LIMIT) -> list[str]:
    index = _word_index()
    scores: Counter[str] = Counter()
    lemmas = _lemmas(doc, nlp)
    for word in lemmas:
        for slug, weight in _lookup(index, word):
            scores[slug] += weight
    joined = " " + " ".join(lemmas) + " "
    for phrase, slug in _phrases(nlp):
        scores[slug] += PHRASE * joined.count(" " + phrase + " ")
    ranked = sorted(scores.items(), key=lambda item: (-item[1], item[0]))
    return [slug for slug, score in ranked if score >= MIN_SCORE][:limit]
