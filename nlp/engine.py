"""The redactor: model entities, exact patterns and context rules, minus the keep list.

Layers, each in its own module, in order of trust when they disagree on a kind:
  patterns.py   contact details, identifiers, exact dates (rules; never missed by chance)
  context.py    names and places found by the words around them (roles, titles, institutions)
  shapes.py     names found by the shape of a line (rotas, forms, lists, chat exports, sign-offs)
  cues.py       first names treated as people by the tagged text ("the duty PO is joy")
  gazetteer.py  first names, surnames, UK places and prisons, with case and context checks
  model.py      spaCy's named entities (PERSON, GPE/LOC/FAC, ORG); pos.py tags only where needed
  keeplist.py   public figures, national bodies and schemes that must stay
  cautions.py   re-identification warnings;  themes.py  theme suggestions
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass

from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc

from nlp import (
    cautions,
    context,
    cues,
    gazetteer,
    keeplist,
    lexicon,
    lowercase,
    model,
    patterns,
    pos,
    shapes,
    themes,
)
from nlp.kinds import KIND_NAMES, NUMBERED, PRIORITY
from nlp.spans import Redaction, Span, apply_spans

ENTITY_KINDS = {"PERSON": "PERSON", "GPE": "PLACE", "LOC": "PLACE", "FAC": "PLACE", "ORG": "ORG"}
# Rule-found kinds are exact and never yield to the keep list.
EXACT_KINDS = frozenset({"CONTACT", "ID", "DATE"})
BATCH_SIZE = 32
ADDRESS_KINDS = frozenset({"PLACE", "ID"})


@dataclass(frozen=True)
class Candidate:
    start: int
    end: int
    label: str
    # Which layer found it: lower is more trusted when two layers disagree on the kind
    # (0 exact pattern, 1 context rule, 2 gazetteer, 3 statistical model).
    source: int = 0


def redact(text: str, *, keep_extra: Collection[str] = ()) -> Redaction:
    return redact_many([text], keep_extra=keep_extra)[0]


def redact_many(texts: Iterable[str], *, keep_extra: Collection[str] = ()) -> list[Redaction]:
    items = list(texts)
    nlp = model.get()
    keep = keeplist.matcher(nlp, keep_extra)
    docs = list(nlp.pipe(items, batch_size=BATCH_SIZE))
    pos.tag(docs, nlp)  # only the tokens the rules ask about (see pos.py)
    return [_redact_doc(text, doc, keep, nlp) for text, doc in zip(items, docs, strict=True)]


def _redact_doc(text: str, doc: Doc, keep: PhraseMatcher, nlp: Language) -> Redaction:
    public = keeplist.public_role_ranges(text)
    kept = keeplist.kept_ranges(doc, keep) + public + keeplist.surnames_of_kept_people(text, public)
    exact = patterns.find_exact(text)
    candidates = [Candidate(s, e, k) for s, e, k in exact]
    found = [(*hit, 1) for hit in context.find(text, nlp)]
    found += [(*hit, 0) for hit in context.find_checked(text, nlp)]
    # A line's shape is checked in shapes.py, so its finds may be ordinary words ("Lark").
    found += [(*hit, 0) for hit in shapes.find(text, nlp, exact)]
    found += [(*hit, 1) for hit in cues.find(doc)]
    found += [(*hit, 1) for hit in _capitalised_runs(text)]
    # Ordinary words in a name's position, in texts typed in lowercase: checked by position.
    found += [(*hit, 0) for hit in lowercase.find(text)]
    found += [(*hit, 2) for hit in gazetteer.find(doc, nlp)]
    found += [(*hit, 3) for hit in _entities(doc)]
    found += [(*hit, 3) for hit in cues.unknown_subjects(doc, nlp)]
    exact_ranges = [(s, e) for s, e, _k in exact]
    for start, end, kind, source in found:
        if source == 3:
            start = _skip_leading_words(text, start, end, nlp, ordinary_too=kind == "PERSON")
        start, end = _outside_exact(start, end, exact_ranges)
        start, end = _trim(text, start, end)
        if source == 3:
            trimmed_start, trimmed_end = _trim_numbers(text, start, end)
            if kind == "PERSON" and trimmed_end < end:
                continue  # "Max 2", "Room 6": nobody's name has a number after it
            start, end = trimmed_start, trimmed_end
            if _model_noise(text, start, end, kind, nlp):
                continue
        if end <= start or _weekday(text[start:end]) or _kept(text, start, end, kind, source, kept):
            continue
        if _month_after_preposition(text, start, end):
            continue
        # Gazetteer hits have passed their own checks of case and context; model and rule hits
        # are filtered for plainly ordinary words here.
        if source in (1, 3) and not _plausible(text[start:end], nlp, cued=source == 1):
            continue
        if source == 3 and _opening_word(text, start, end, nlp):
            continue
        candidates.append(Candidate(start, end, kind, max(source, 1)))
    candidates = [_with_first_name_before(text, _with_time_after(text, c), kept) for c in candidates]
    candidates += _other_mentions(text, candidates, kept, nlp)
    merged = _merge(text, candidates)
    spans = _number(text, merged)
    return Redaction(
        text=text,
        redacted=apply_spans(text, spans),
        spans=spans,
        warnings=cautions.find(text),
        themes=themes.suggest(doc, nlp),
    )


def _outside_exact(start: int, end: int, exact: list[tuple[int, int]]) -> tuple[int, int]:
    """A name found by a rule or the model that runs into a date or contact ("07:43 - Gosia"
    read whole by the model) keeps only its part outside the exact span, so each part gets its
    own kind; a name wholly inside one is left to the exact span."""
    for e_start, e_end in exact:
        if start < e_end and e_start < end and not (e_start <= start and end <= e_end):
            if e_start <= start:
                start = e_end
            elif end <= e_end or e_start - start >= end - e_end:
                end = e_start
            else:
                start = e_end
    return start, end


def _entities(doc: Doc) -> Iterable[tuple[int, int, str]]:
    """The model's entities, each split at line breaks: a name never runs across a line of a
    list ("ring back Fri\nJK")."""
    for ent in doc.ents:
        kind = ENTITY_KINDS.get(ent.label_)
        if not kind:
            continue
        start = ent.start_char
        for line in ent.text.split("\n"):
            if line.strip():
                yield from _split_at_lowercase(line, start, kind)
            start += len(line) + 1


_LOWER_WORD = re.compile(r"(?<=\s)[a-z][a-z'’]*(?=\s)")
_PARTICLES = frozenset(
    [
        "ap",
        "ab",
        "ferch",
        "verch",
        "ní",
        "nic",
        "mac",
        "ó",
        "ua",
        "uí",
        "van",
        "der",
        "den",
        "von",
        "de",
        "da",
        "di",
        "du",
        "del",
        "della",
        "bin",
        "bint",
        "ibn",
        "al",
        "el",
        "le",
        "la",
        "of",
        "and",
        "upon",
        "on",
        "super",
        "under",
    ]
)


def _split_at_lowercase(surface: str, start: int, kind: str) -> Iterable[tuple[int, int, str]]:
    """In text that capitalises its names, a lowercase word inside an entity is where two names
    meet ("Dr Nkechi Obi met Ruth Kaye"): split there. Lowercase text, and the particles and
    connectors inside names and places ("ap", "upon", "of"), are left whole."""
    if surface.islower():
        yield start, start + len(surface), kind
        return
    position = 0
    for word in _LOWER_WORD.finditer(surface):
        if word.group() in _PARTICLES:
            continue
        piece = surface[position : word.start()]
        if piece.strip():
            yield start + position, start + position + len(piece.rstrip()), kind
        position = word.end() + 1
    if surface[position:].strip():
        yield start + position, start + len(surface), kind


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    """Drop a leading "the" and a trailing possessive, which are not part of the name."""
    while start < end and not (text[start].isalnum() or text[start] in "@+("):
        start += 1
    lowered = text[start:end].lower()
    if lowered.startswith("the "):
        start += 4
    for suffix in ("'s", "’s"):
        if text[start:end].endswith(suffix):
            end -= len(suffix)
    while end > start and not text[end - 1].isalnum():
        end -= 1
    return start, end


def _skip_leading_words(text: str, start: int, end: int, nlp: Language, *, ordinary_too: bool) -> int:
    """The model sometimes takes in a role, an adverb or a sentence's first verb: "SPO Gemma
    Hartley", "Later Nkechi Obi", "Ring Jo Baxter". Skip leading words that are jargon, stop words
    or adverbs, and for people any ordinary word that is not a first name."""
    words = list(re.finditer(r"\S+", text[start:end]))
    for word, following in itertools.pairwise(words):
        surface = word.group().strip(",.")
        lowered = surface.lower()
        known = lowered in gazetteer.forenames() or lowered in gazetteer.place_names()
        imperative = (
            _starts_sentence(text, start + word.start())
            and lexicon.is_verb(nlp, surface)
            and lowered not in gazetteer.surnames()
        )
        if lexicon.is_jargon(surface) or (
            not known
            and (
                lexicon.is_filler(nlp, surface)
                or imperative
                or (ordinary_too and lexicon.is_ordinary(nlp, surface))
            )
        ):
            start = start + following.start()
            continue
        break
    return start


def _plausible(surface: str, nlp: Language, *, cued: bool = False) -> bool:
    """Drop model and rule hits that are plainly not names: jargon, numbers, or nothing but
    ordinary lowercase words ("works", "team"). A first name found by a context cue stays even
    when it is also a word ("my manager kelly", "PO grace"): the cue is what makes it a name."""
    words = [w for w in re.split(r"[\s/-]+", surface) if any(ch.isalpha() for ch in w)]
    if not words or lexicon.is_jargon(surface):
        return False
    if all(lexicon.is_jargon(w) or w.lower() in nlp.Defaults.stop_words for w in words):
        return False  # "Our PDU"
    if all(w.strip(".,'’").lower() in lexicon.DEMONYMS for w in words):
        return False  # "Welsh", "Northern Irish"
    if cued and _first_name(words[0]):
        return True
    if cued and len(words) == 1 and len(words[0]) == 2 and words[0].lower() not in nlp.Defaults.stop_words:
        return True  # initials after a role, typed in lowercase ("our spo xv says")
    if not cued and surface.isupper() and all(lexicon.is_ordinary(nlp, w.strip(".,'’")) for w in words):
        return False  # a heading in capitals: "COMPLAINT FORM", "CLOSED"
    return not all(w.islower() and lexicon.is_ordinary(nlp, w.strip(".,'’")) for w in words)


WEEKDAYS = frozenset(
    [
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
        "mon",
        "tue",
        "tues",
        "wed",
        "weds",
        "thu",
        "thur",
        "thurs",
        "fri",
        "sat",
        "sun",
    ]
)


_LEADING_TIME = re.compile(r"^\d{1,2}[:.]\d{2}\s+")
_TRAILING_NUMBER = re.compile(r"\s+\d+[A-Za-z]?$")


def _trim_numbers(text: str, start: int, end: int) -> tuple[int, int]:
    """The model takes in a log line's time or a room's number: "09:21 Alarm", "Max 2"."""
    lead = _LEADING_TIME.match(text[start:end])
    if lead:
        start += lead.end()
    tail = _TRAILING_NUMBER.search(text[start:end])
    if tail:
        end = start + tail.start()
    return start, end


DEPARTMENT_ENDINGS = frozenset(
    {"services", "service", "team", "department", "unit", "office", "ref", "no", "number"}
)


def _model_noise(text: str, start: int, end: int, kind: str, nlp: Language) -> bool:
    """What the model marks in forms that is no name: a heading in capitals at a line's start
    ("POOL CAR LOG", "CJSW ALLOCATION"), a form's label ("Complaint ref:", "Guest:"), a
    department ("Payroll Services"), a single letter ("A/B/C wings"), a code with digits."""
    surface = text[start:end]
    words = [w for w in re.split(r"[\s/()&-]+", surface) if w]
    if not words:
        return True
    if kind == "PERSON" and (len(surface) == 1 or any(ch.isdigit() for ch in surface)):
        return True

    def plain(word: str) -> bool:
        return (
            lexicon.is_ordinary(nlp, word)
            or lexicon.is_jargon(word)
            or (word.isupper() and len(word) <= 5 and word.lower() not in gazetteer.forenames())
        )

    if surface.upper() == surface and _starts_line(text, start) and all(plain(w) for w in words):
        return True
    if text[end : end + 1] == ":" and all(lexicon.is_ordinary(nlp, w) for w in words):
        return True
    return (
        kind == "ORG"
        and words[-1].lower() in DEPARTMENT_ENDINGS
        and all(lexicon.is_ordinary(nlp, w) or lexicon.is_jargon(w) for w in words)
    )


def _starts_line(text: str, start: int) -> bool:
    before = text[:start]
    line = before[before.rfind("\n") + 1 :]
    return not line.strip() or bool(re.fullmatch(r"\s*(?:\d{1,2}[:.]\d{2}\s*)?[-•*]?\s*", line))


def _weekday(surface: str) -> bool:
    """A weekday is never a name or a place ("Fri" in "ring back Fri", "Thu - Storm")."""
    words = [w.strip(".,'’:").lower() for w in re.split(r"[\s/-]+", surface) if w.strip(".,'’:")]
    return bool(words) and all(w in WEEKDAYS for w in words)


_MONTH_ABBREVIATIONS = frozenset(
    ["jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec"]
)
_MONTH_PREPOSITIONS = frozenset(
    [
        "in",
        "from",
        "until",
        "till",
        "by",
        "since",
        "of",
        "end",
        "mid",
        "early",
        "late",
        "before",
        "after",
        "next",
        "last",
    ]
)


def _month_after_preposition(text: str, start: int, end: int) -> bool:
    """ "see u all in jan": a lowercase month's abbreviation after a preposition is the month."""
    surface = text[start:end]
    if not surface.islower() or surface not in _MONTH_ABBREVIATIONS:
        return False
    before = text[:start].split()
    return bool(before) and before[-1].lower() in _MONTH_PREPOSITIONS


_CAPITALISED_WORD = re.compile(r"([A-Z][a-z]+)[ ]$")
_KIN_BEFORE = re.compile(
    r"\b((?i:auntie|aunty|aunt|uncle|wee|nan|nanna|nana|grandad|granny|big|little|old|young|coach|sister|brother|"
    r"father|mother|ma|pa)(?:[ ](?i:ma|pa|man|lady))?)[ ]$"
)


# A time, or a span of times, straight after a date is part of it: "12.1.25 08.40",
# "Thursday 7 November 2024, 14:30–15:15", "5/11 @ 16:00".
_TIME_AFTER = re.compile(
    r"^(?:,|[ \t]*@)?[ \t]*\d{1,2}[:.]\d{2}(?:[ \t]*(?:[-–—]|to)[ \t]*\d{1,2}[:.]\d{2})?(?![\d])"
)


# "Friday 14th at 2": an hour alone after a day's date, unless a count follows ("at 2 cases").
_AT_HOUR = re.compile(
    r"^[ \t]+at[ \t]+\d{1,2}(?![\d:.])(?![ \t]*(?:%|cases|people|of|hours|hrs|mins|minutes|years|weeks|days|men|women|staff))"
)
_UNTIL_TIME = re.compile(r"^[ \t]*(?:[-–—]|to)[ \t]*\d{1,2}[:.]\d{2}(?![\d])")


def _with_time_after(text: str, cand: Candidate) -> Candidate:
    if cand.label != "DATE":
        return cand
    end = cand.end
    match = _TIME_AFTER.match(text[end : end + 24])
    if match is not None:
        end += match.end()
    elif re.search(r"\d(?:st|nd|rd|th)$", text[cand.start : end]):
        hour = _AT_HOUR.match(text[end : end + 20])
        if hour is not None:
            end += hour.end()
    if re.search(r"\d[:.]\d{2}$", text[cand.start : end]):
        until = _UNTIL_TIME.match(text[end : end + 16])
        if until is not None:
            end += until.end()
    return Candidate(cand.start, end, cand.label, cand.source) if end != cand.end else cand


def _with_first_name_before(text: str, cand: Candidate, kept: list[tuple[int, int]]) -> Candidate:
    """Extended leftwards over a first name, a nickname word or a kin word, never into a public
    figure's name on the keep list ("Jane Doe MP")."""
    extended = _extended_leftwards(text, cand)
    if extended.start < cand.start and _overlaps_any(extended.start, cand.start, kept):
        return cand
    return extended


def _extended_leftwards(text: str, cand: Candidate) -> Candidate:
    """ "Earnest O'Dowd": a capitalised first name right before a found surname is part of the
    name, even when it is also a word."""
    if cand.label != "PERSON":
        return cand
    window = max(0, cand.start - 30)
    match = _CAPITALISED_WORD.search(text[window : cand.start])
    kin = _KIN_BEFORE.search(text[window : cand.start])
    if kin:  # "Auntie Mei", "big Trev", "Old Ma Hubbard": what people call them is part of the name
        return Candidate(window + kin.start(1), cand.end, cand.label, cand.source)
    if not match or lexicon.is_jargon(match.group(1)):
        return cand
    word_start = window + match.start(1)
    # A known first name, or any capitalised word in the middle of a sentence ("the week Marigold
    # Thackeray started"): written capitalised where nothing else asks for a capital, it is a name.
    if _first_name(match.group(1)) or (
        not _starts_sentence(text, word_start)
        and match.group(1).lower() not in lexicon.MONTHS_AND_DAYS
        and match.group(1).lower() not in _NOT_FIRST_NAMES
    ):
        return Candidate(word_start, cand.end, cand.label, cand.source)
    return cand


# Capitalised mid-sentence for reasons other than being a name: titles and words of address.
_NOT_FIRST_NAMES = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "miss",
        "mx",
        "dr",
        "sir",
        "dame",
        "lord",
        "lady",
        "i",
        "god",
        "christ",
        "english",
        "welsh",
        "scottish",
        "irish",
        "british",
        "hmp",
        "yoi",
        "the",
    ]
)


def _first_name(word: str) -> bool:
    lowered = word.strip(".,'’").lower()
    return lowered in gazetteer.forenames() and lowered not in lexicon.MONTHS_AND_DAYS


def _opening_word(text: str, start: int, end: int, nlp: Language) -> bool:
    """A single ordinary word opening a sentence ("Email me", "Sickness management") that the
    model took for a name. A first name or surname there ("Grace said") is not dropped."""
    surface = text[start:end]
    if " " in surface or not lexicon.is_ordinary(nlp, surface):
        return False
    lowered = surface.lower()
    if lowered in gazetteer.forenames() or lowered in gazetteer.surnames():
        return False
    return _starts_sentence(text, start)


def _starts_sentence(text: str, start: int) -> bool:
    # A log line's time before a word leaves it at the start of its sentence ("09:21 Alarm").
    before = re.sub(r"\d{1,2}[:.]\d{2}\s*$", "", text[:start].rstrip(" \t\"'“‘")).rstrip(" \t")
    return not before or before[-1] in ".!?\n:;"


def _other_mentions(
    text: str, candidates: list[Candidate], kept: list[tuple[int, int]], nlp: Language
) -> list[Candidate]:
    """Once a name is known in a text, strike its other mentions too, whatever their case
    ("PAT FOR PM" after "Pat"). A name that is also a word is not chased into lowercase unless
    the writer typed it that way: "Reading" the place does not take "if you're reading this"."""
    extra: list[Candidate] = []
    # Each surface keeps the kind its most trusted finder gave it ("Strangeways": the prisons
    # gazetteer's PLACE, not the model's PERSON).
    surfaces: dict[str, Candidate] = {}
    for c in sorted(candidates, key=lambda c: -c.source):
        if c.label in NUMBERED:
            surfaces[text[c.start : c.end]] = c
    # A full name's parts are the same person later on: "Juniper Castellanos ... Juniper is due out".
    for surface, origin in list(surfaces.items()):
        if origin.label == "PERSON" and " " in surface:
            for part in (surface.split()[0], surface.split()[-1]):
                if len(part) >= 3 and part[0].isupper() and part.lower() not in _NOT_FIRST_NAMES:
                    surfaces.setdefault(part, origin)
    lowered = text.lower()
    typed_in_lowercase = lowercase.typed_in_lowercase(text)
    for surface, origin in surfaces.items():
        needle = surface.lower()
        # Two letters are chased only as someone's initials typed alone ("dw" after "our spo dw").
        if len(needle) < 2 or (
            len(needle) == 2 and (origin.label != "PERSON" or lexicon.is_ordinary(nlp, needle))
        ):
            continue
        # In a text typed in lowercase, a name is chased into lowercase even when it is a word.
        word_too = not surface.islower() and lexicon.is_ordinary(nlp, surface) and not typed_in_lowercase
        position = 0
        while (found := lowered.find(needle, position)) != -1:
            end = found + len(needle)
            position = end
            bounded = (found == 0 or not lowered[found - 1].isalnum()) and (
                end == len(lowered) or not lowered[end].isalnum()
            )
            if word_too and text[found:end].islower():
                continue
            if bounded and not _overlaps_any(found, end, kept):
                extra.append(Candidate(found, end, origin.label, origin.source))
    return extra


_CAPITALISED_RUN = re.compile(
    r"\b([A-Z][a-z]+(?:[-'’][A-Z]?[a-z]+)?(?:[ ][A-Z][a-z]+(?:[-'’][A-Z]?[a-z]+)?){1,2})\b"
)


def _capitalised_runs(text: str) -> Iterable[tuple[int, int, str]]:
    """In a text typed in lowercase, two or three capitalised words together in the middle of a
    sentence ("napo got my mate Temperance Oyebanji her job back") are someone's name: the writer
    reached for the shift key for nothing else. Keep-list names are dropped later, as for any find."""
    if not lowercase.typed_in_lowercase(text):
        return
    for match in _CAPITALISED_RUN.finditer(text):
        words = match.group(1).split()
        if _starts_sentence(text, match.start(1)) or any(w.lower() in lexicon.MONTHS_AND_DAYS for w in words):
            continue
        if any(lexicon.is_jargon(w) or w.lower() in _NOT_FIRST_NAMES for w in words):
            continue
        yield match.start(1), match.end(1), "PERSON"


# Keep-list words that also end a local body's name: "Merseyside CRC", "Lancashire Telegraph",
# "Leeds Samaritans". The national word is kept alone; with a place before it, the whole is local.
NATIONAL_SUFFIXES = frozenset(
    [
        "crc",
        "crcs",
        "telegraph",
        "times",
        "mail",
        "express",
        "star",
        "observer",
        "independent",
        "mirror",
        "guardian",
        "standard",
        "post",
        "herald",
        "sun",
        "samaritans",
        "mind",
        "police",
        "shelter",
        "refuge",
        "council",
        "nhs",
    ]
)


def _kept(text: str, start: int, end: int, kind: str, source: int, kept: list[tuple[int, int]]) -> bool:
    """Does a keep-list mention stop this find? Not when a context rule found a local body
    whose name ends in a national word after a place (see NATIONAL_SUFFIXES)."""
    overlapping = [(a, b) for a, b in kept if start < b and a < end]
    if not overlapping:
        return False
    if kind != "ORG" or source > 1:
        return True
    return not all(start < a and b <= end and text[a:b].lower() in NATIONAL_SUFFIXES for a, b in overlapping)


def _overlaps_any(start: int, end: int, ranges: list[tuple[int, int]]) -> bool:
    return any(start < r_end and r_start < end for r_start, r_end in ranges)


def _address_join(text: str, left: Candidate, right: Candidate) -> bool:
    """Parts of one address ("Kestrel House, 41 Duke Street, Chelmsford CM1 1HX") become one span."""
    between = text[left.end : right.start]
    return (
        left.label in ADDRESS_KINDS
        and right.label in ADDRESS_KINDS
        and between.strip(" ,") == ""
        and "," in between
    )


# Particles inside one person's name: "Iwan ap Rhys", "Siobhán Ní Bhriain", "Ahmed bin Said".
NAME_PARTICLE = re.compile(
    r"\s+(?:ap|ab|ferch|verch|ní|nic|mac|mc|ó|ua|uí|van|van der|van den|von|de|da|di|du|del|della|"
    r"bin|bint|ibn|al|el|le|la)\s+",
    re.I,
)


def _name_join(text: str, left: Candidate, right: Candidate) -> bool:
    return (
        left.label == "PERSON"
        and right.label == "PERSON"
        and NAME_PARTICLE.fullmatch(text[left.end : right.start]) is not None
    )


def _merge(text: str, candidates: list[Candidate]) -> list[Candidate]:
    """Union overlapping candidates; the merged span takes the most exact kind."""
    merged: list[Candidate] = []
    for cand in sorted(candidates, key=lambda c: (c.start, -c.end)):
        if merged and (
            cand.start < merged[-1].end
            or _address_join(text, merged[-1], cand)
            or _name_join(text, merged[-1], cand)
        ):
            last = merged[-1]
            # The most trusted layer decides; within a layer the longer find ("Pen-y-bont ar
            # Ogwr" the place over "Pen" the first name), then the more exact kind.
            best = min(last, cand, key=lambda c: (c.source, c.start - c.end, PRIORITY[c.label]))
            merged[-1] = Candidate(last.start, max(last.end, cand.end), best.label, best.source)
        else:
            merged.append(cand)
    return merged


def _number(text: str, candidates: list[Candidate]) -> list[Span]:
    """Give each private name, place or organisation a number, the same for every mention."""
    seen: dict[str, dict[str, int]] = {kind: {} for kind in NUMBERED}
    spans: list[Span] = []
    for cand in candidates:
        word = KIND_NAMES[cand.label]
        if cand.label not in NUMBERED:
            spans.append(Span(cand.start, cand.end, cand.label, f"[{word}]"))
            continue
        key = " ".join(text[cand.start : cand.end].lower().split())
        number = _existing_number(key, seen[cand.label])
        if number is None:
            number = len(set(seen[cand.label].values())) + 1
        seen[cand.label][key] = number
        spans.append(Span(cand.start, cand.end, cand.label, f"[{word} {number}]"))
    return spans


def _existing_number(key: str, known: dict[str, int]) -> int | None:
    if key in known:
        return known[key]
    words = set(key.split())
    # "Sarah" after "Sarah Collins" (or the reverse) is very likely the same person.
    for other, number in known.items():
        if words <= set(other.split()) or set(other.split()) <= words:
            return number
    return None
