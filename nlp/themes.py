"""Theme suggestions, matched on lemmas against a taxonomy kept as data."""

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


@functools.cache
def taxonomy() -> tuple[dict[str, Any], ...]:
    return tuple(json.loads(DATA.read_text(encoding="utf-8")))


def public_list() -> list[dict[str, str]]:
    return [{"slug": t["slug"], "name": t["name"], "description": t["description"]} for t in taxonomy()]


@functools.cache
def _lemma_index() -> dict[str, tuple[str, ...]]:
    index: dict[str, list[str]] = {}
    for theme in taxonomy():
        for lemma in theme["lemmas"]:
            index.setdefault(lemma.lower(), []).append(theme["slug"])
    return {k: tuple(v) for k, v in index.items()}


def suggest(doc: Doc, nlp: Language, limit: int = 3) -> list[str]:
    index = _lemma_index()
    counts: Counter[str] = Counter()
    for token in doc:
        if not token.is_alpha:
            continue
        for key in {lexicon.lemma(nlp, token.text), token.lower_}:
            for slug in index.get(key, ()):
                counts[slug] += 1
    return [slug for slug, _n in counts.most_common(limit)]
