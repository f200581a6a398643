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
    if "lemmatizer" in nlp.component_names:
        lookups = nlp.get_pipe("lemmatizer").lookups  # type: ignore[attr-defined]
        if lookups.has_table("lemma_index"):
            for entries in lookups.get_table("lemma_index").values():
                words.update(w.lower() for w in entries)
        if lookups.has_table("lemma_exc"):
            for table in lookups.get_table("lemma_exc").values():
                words.update(k.lower() for k in table)
    return frozenset(words)


@functools.cache
def _exceptions(nlp: Language) -> dict[str, str]:
    """Irregular forms to lemmas ("went" -> "go"), from the lemmatizer's tables."""
    found: dict[str, str] = {}
    lookups = nlp.get_pipe("lemmatizer").lookups  # type: ignore[attr-defined]
    if lookups.has_table("lemma_exc"):
        for table in lookups.get_table("lemma_exc").values():
            for form, lemmas in table.items():
                if lemmas:
                    found.setdefault(form.lower(), lemmas[0].lower())
    return found


def lemma(nlp: Language, word: str) -> str:
    """A word's dictionary form: an irregular form's lemma, or the word with a regular
    inflection removed when that gives a known word ("caseloads" -> "caseload")."""
    lowered = word.lower()
    irregular = _exceptions(nlp).get(lowered)
    if irregular:
        return irregular
    known = _ordinary(nlp)
    if lowered in known:
        return lowered
    for suffix, restore in _INFLECTIONS:
        if lowered.endswith(suffix) and lowered[: -len(suffix)] + restore in known:
            return lowered[: -len(suffix)] + restore
    return lowered


@functools.cache
def _index(nlp: Language, part_of_speech: str) -> frozenset[str]:
    """WordNet lemmas of one part of speech from the lemmatizer's index ("adv", "verb")."""
    lookups = nlp.get_pipe("lemmatizer").lookups  # type: ignore[attr-defined]
    if not lookups.has_table("lemma_index"):
        return frozenset()
    table = lookups.get_table("lemma_index")
    key = nlp.vocab.strings.add(part_of_speech)
    return frozenset(w.lower() for w in table.get(key, []))


def _adverbs(nlp: Language) -> frozenset[str]:
    return _index(nlp, "adv")


def is_verb(nlp: Language, word: str) -> bool:
    """A verb's dictionary form ("contact", "ring", "email"), as an imperative would be."""
    return word.lower() in _index(nlp, "verb")


def is_adjective(nlp: Language, word: str) -> bool:
    return word.lower() in _index(nlp, "adj")


def is_filler(nlp: Language, word: str) -> bool:
    """A stop word or an adverb: never the start of a name ("Later Nkechi Obi", "Then Sarah")."""
    lowered = word.lower()
    return lowered in nlp.Defaults.stop_words or lowered in _adverbs(nlp)


def is_proper_noun(tag: str) -> bool:
    return tag in ("NNP", "NNPS")


# Contractions typed without the apostrophe, as quick writers do ("ive", "im", "dont").
CONTRACTIONS = frozenset(
    [
        "ive",
        "im",
        "id",
        "ill",
        "youre",
        "youve",
        "theyre",
        "theyve",
        "weve",
        "hes",
        "shes",
        "thats",
        "whats",
        "wheres",
        "theres",
        "dont",
        "cant",
        "wont",
        "didnt",
        "doesnt",
        "isnt",
        "wasnt",
        "werent",
        "arent",
        "hasnt",
        "havent",
        "hadnt",
        "couldnt",
        "wouldnt",
        "shouldnt",
        "aint",
        "lets",
        "u",
        "ur",
        "r",
        "ya",
        "yer",
        "tbh",
        "imo",
        "smh",
        "lol",
        "ffs",
        "omg",
        "idk",
        "ngl",
    ]
)
# Nationalities and languages: capitalised, but nobody's name ("Welsh", "Northern Irish").
DEMONYMS = frozenset(
    [
        "welsh",
        "scottish",
        "irish",
        "english",
        "british",
        "northern",
        "polish",
        "romanian",
        "lithuanian",
        "latvian",
        "albanian",
        "somali",
        "kurdish",
        "sorani",
        "arabic",
        "urdu",
        "punjabi",
        "bengali",
        "gujarati",
        "turkish",
        "portuguese",
        "spanish",
        "french",
        "italian",
        "german",
        "nigerian",
        "ghanaian",
        "jamaican",
        "indian",
        "pakistani",
        "bangladeshi",
        "chinese",
        "vietnamese",
        "eritrean",
        "sudanese",
        "afghan",
        "syrian",
        "iranian",
        "iraqi",
        "european",
        "african",
        "asian",
        "caribbean",
        "muslim",
        "sikh",
        "hindu",
        "christian",
        "jewish",
        "catholic",
        "protestant",
        "gaelic",
    ]
)


def is_ordinary(nlp: Language, word: str) -> bool:
    lowered = word.lower().replace("’", "'")
    if lowered in MONTHS_AND_DAYS or "n't" in lowered or lowered.endswith(("'s", "'re", "'ve", "'ll", "'d")):
        return True
    if lowered in CONTRACTIONS or lowered in DEMONYMS:
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
