"""Gazetteers: first names, surnames and UK places, matched with capitalisation and context.

A word in a list is not enough: "Reading", "Deal", "Summer" and "Will" are ordinary words too.
The rules use what writers signal: a capital letter in mid-sentence, a word that is not ordinary
English typed in lowercase ("dave", "looe"), or a proper-noun tag from the model.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator

from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Token

from nlp import lexicon

Found = tuple[int, int, str]
SENTENCE_BREAK = frozenset(
    {".", "!", "?", ":", ";", '"', "“", "”", "(", ")", "-", "–", "—", "•", "*", ">", "|"}
)


@functools.cache
def forenames() -> frozenset[str]:
    return lexicon.load_list("forenames.txt")


@functools.cache
def surnames() -> frozenset[str]:
    return lexicon.load_list("surnames.txt")


# Lowercase words inside a place name: "Weston-super-Mare", "Stratford-upon-Avon", "Isle of Wight".
CONNECTORS = frozenset(
    {"super", "upon", "on", "under", "the", "of", "le", "en", "in", "by", "sea", "y", "and"}
)


@functools.cache
def place_names() -> frozenset[str]:
    other = lexicon.load_list("places_other_languages.txt")
    return (
        lexicon.load_list("places.txt")
        | lexicon.load_list("prisons.txt")
        | lexicon.load_list("areas.txt")
        | other
        | {form for name in other for form in mutations(name)}
    )


# Welsh initial mutations: after "i", "o", "yng", "ym", "a" and others a place's first letters
# change ("Caerdydd" -> "i Gaerdydd", "yng Nghaerdydd", "a Chaerdydd").
_SOFT = (
    ("ll", "l"),
    ("rh", "r"),
    ("c", "g"),
    ("p", "b"),
    ("t", "d"),
    ("b", "f"),
    ("d", "dd"),
    ("m", "f"),
    ("g", ""),
)
_NASAL = (("c", "ngh"), ("p", "mh"), ("t", "nh"), ("g", "ng"), ("b", "m"), ("d", "n"))
_ASPIRATE = (("c", "ch"), ("p", "ph"), ("t", "th"))


def mutations(name: str) -> set[str]:
    """The mutated forms of a Welsh place name (lowercase in, lowercase out)."""
    forms: set[str] = set()
    for table in (_SOFT, _NASAL, _ASPIRATE):
        for plain, mutated in table:
            if name.startswith(plain):
                form = mutated + name[len(plain) :]
                if len(form) > 3:
                    forms.add(form)
                break
    return forms


def spellings(name: str) -> set[str]:
    """The ways people write one place: "Bishops Stortford" / "Bishop's Stortford",
    "St Helens" / "St. Helens" / "Saint Helens", "Weston-super-Mare" / "Weston super Mare"."""
    forms = {name}
    if "-" in name:
        forms.add(name.replace("-", " "))
    words = name.split()
    if words and words[0].endswith("s") and words[0][:-1] in {"bishop", "king", "queen", "lady"}:
        forms.add(" ".join([words[0][:-1] + "'s", *words[1:]]))
    # "Bexhill-on-Sea" is "Bexhill"; "Barrow in Furness" is also "Barrow-in-Furness".
    short = re.match(r"^(.+?)[- ](?:on|upon)[- ](?:sea|the[- ]hill)$", name)
    if short:
        forms.add(short.group(1))
    if " " in name and any(c in words for c in ("in", "on", "upon", "super", "under", "le", "by")):
        forms.add(name.replace(" ", "-"))
    if words and words[0] in {"st", "st.", "saint"}:
        rest = " ".join(words[1:])
        forms |= {f"st {rest}", f"st. {rest}", f"saint {rest}"}
    return forms


@functools.lru_cache(maxsize=4)
def place_matcher(nlp: Language) -> PhraseMatcher:
    matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
    names = sorted({form for name in place_names() for form in spellings(name)})
    matcher.add("PLACE", [nlp.make_doc(name) for name in names])
    return matcher


def starts_sentence(token: Token) -> bool:
    doc = token.doc
    i = token.i - 1
    while i >= 0 and doc[i].is_space and "\n" not in doc[i].text:
        i -= 1
    if i < 0:
        return True
    previous = doc[i]
    return (
        "\n" in previous.text
        or previous.text in SENTENCE_BREAK
        or (previous.whitespace_ == "" and "\n" in previous.text)
    )


def _name_like(token: Token, nlp: Language) -> bool:
    """Does this token, where it stands, read as a name rather than a word?"""
    text = token.text
    if lexicon.is_jargon(text) or (not text.isalpha() and "-" not in text and "'" not in text):
        return False
    ordinary = lexicon.is_ordinary(nlp, text)
    if text.istitle():
        if not starts_sentence(token):
            return not ordinary or token.lower_ in forenames() or lexicon.is_proper_noun(token.tag_)
        return not ordinary or (lexicon.is_proper_noun(token.tag_) and _followed_by_name_cue(token))
    if text.islower():
        # A lowercase first name that is also a word ("lily") counts when the tagger reads it
        # as a proper noun, as it does in texts typed all in lowercase.
        if token.lower_ in lexicon.MONTHS_AND_DAYS:
            return False
        return len(text) > 2 and (
            not ordinary or (token.lower_ in forenames() and lexicon.is_proper_noun(token.tag_))
        )
    return False


def _followed_by_name_cue(token: Token) -> bool:
    doc = token.doc
    if token.i + 1 >= len(doc):
        return False
    following = doc[token.i + 1]
    return following.text in {",", "'s", "’s", "and"} or following.text.istitle()


# Words after a place that make it a workplace: "the hull office", "hanley team".
WORKPLACE_NOUNS = frozenset(
    [
        "office",
        "offices",
        "team",
        "teams",
        "pdu",
        "ap",
        "hub",
        "patch",
        "nick",
        "court",
        "courts",
        "mags",
        "prison",
        "probation",
        "jobcentre",
        "cluster",
        "estate",
        "centre",
        "hostel",
        "custody",
    ]
)
LOCATIVE = frozenset({"at", "in", "from", "to", "near", "round", "around", "outside", "nr"})


def _lowercase_place_in_context(start: int, end: int, doc: Doc, nlp: Language) -> bool:
    """A place typed in lowercase that is also a word ("hull", "walton") counts when a workplace
    noun follows ("the hull office") or, in a text typed all in lowercase, when it follows "at",
    "in" or "from" and is no verb, adjective or adverb ("u still at walton?")."""
    following = doc[end].lower_ if end < len(doc) else ""
    if following in WORKPLACE_NOUNS:
        return True
    if end - start != 1:
        return False
    word = doc[start]
    previous = doc[start - 1].lower_ if start > 0 else ""
    return (
        previous in LOCATIVE
        and not lexicon.is_verb(nlp, word.text)
        and not lexicon.is_filler(nlp, word.text)
        and not lexicon.is_adjective(nlp, word.text)
        and _typed_in_lowercase(doc)
    )


def _typed_in_lowercase(doc: Doc) -> bool:
    return any(t.text == "i" for t in doc) or (len(doc) > 0 and doc[0].is_lower)


def find(doc: Doc, nlp: Language) -> Iterator[Found]:
    yield from _names(doc, nlp)
    yield from _places(doc, nlp)


def _names(doc: Doc, nlp: Language) -> Iterator[Found]:
    first, last = forenames(), surnames()
    i = 0
    while i < len(doc):
        token = doc[i]
        is_first = token.lower_ in first
        # A word that is both a surname and a town ("Barnsley") on its own reads as the town.
        is_last = (
            token.lower_ in last
            and token.text.istitle()
            and not lexicon.is_ordinary(nlp, token.text)
            and token.lower_ not in place_names()
        )
        if (is_first or is_last) and _name_like(token, nlp):
            end = i + 1
            # Extend over a following surname or capitalised unknown word: "Kenneth Aldous-Barr".
            while (
                end < len(doc)
                and doc[end].text.istitle()
                and (
                    doc[end].lower_ in last
                    or doc[end].lower_ in first
                    or not lexicon.is_ordinary(nlp, doc[end].text)
                )
                and not lexicon.is_jargon(doc[end].text)
            ):
                end += 1
            yield doc[i].idx, doc[end - 1].idx + len(doc[end - 1].text), "PERSON"
            i = end
            continue
        i += 1


def _places(doc: Doc, nlp: Language) -> Iterator[Found]:
    for _id, start, end in place_matcher(nlp)(doc):
        span = doc[start:end]
        words = [t for t in span if t.is_alpha]
        if len(words) > 2 and words[0].text.istitle() and words[-1].text.istitle():
            # Lowercase words inside a capitalised place name are its connectors, in any
            # language ("Newcastle upon Tyne", "Pen-y-bont ar Ogwr").
            words = [words[0], words[-1]]
        if not words or any(lexicon.is_jargon(t.text) for t in words):
            continue
        if all(t.text.istitle() or (t.text.isupper() and len(t.text) > 3) for t in words):
            # After a form's label ("Office: Gloucester") the word is a value, not a sentence's start.
            value = span.start > 0 and doc[span.start - 1].text == ":"
            if (
                starts_sentence(span[0])
                and not value
                and len(words) == 1
                and lexicon.is_ordinary(nlp, words[0].text)
            ):
                continue
            if len(words) == 1 and words[0].lower_ in lexicon.MONTHS_AND_DAYS:
                continue
        elif all(t.text.islower() for t in words):
            # Typed in lowercase, a place counts when one of its words is no English word
            # ("north lincs", "looe"); "reading" or "west midlands" alone do not.
            if (all(lexicon.is_ordinary(nlp, t.text) for t in words)) and not _lowercase_place_in_context(
                span.start, span.end, doc, nlp
            ):
                continue
        else:
            continue
        yield span.start_char, span.end_char, "PLACE"
