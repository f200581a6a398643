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
    phrase_matcher.add("KEEP", [nlp.make_doc(term) for term in sorted(set(_variants(terms)))])
    return phrase_matcher


def _variants(terms: tuple[str, ...]) -> list[str]:
    """Each term as written, and with "and" and "&" swapped ("HM Courts & Tribunals Service")."""
    out: list[str] = []
    for term in terms:
        out.append(term)
        if " and " in term:
            out.append(term.replace(" and ", " & "))
        if " & " in term:
            out.append(term.replace(" & ", " and "))
    return out


# A title before a keep-list surname makes it someone else: "Mr Thatcher" on a caseload.
_PRIVATE_TITLE = re.compile(r"\b(?:Mr|Mrs|Ms|Miss|Mx|mr|mrs|ms|miss)\.?\s+$")


def kept_ranges(doc: Doc, phrase_matcher: PhraseMatcher) -> list[tuple[int, int]]:
    """Character ranges of keep-list mentions in the document."""
    text = doc.text
    ranges = [(doc[s:e].start_char, doc[s:e].end_char) for _id, s, e in phrase_matcher(doc)]
    ranges += _surnames_of_kept_people(text, ranges)
    return [(a, b) for a, b in ranges if not _PRIVATE_TITLE.search(text[max(0, a - 6) : a])]


def _surnames_of_kept_people(text: str, ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """A public figure named in full ("Rachel Reeves") is the same person when the text comes
    back to the surname alone ("reeves says there's no money")."""
    more: list[tuple[int, int]] = []
    for a, b in ranges:
        words = text[a:b].split()
        if not 2 <= len(words) <= 3 or not all(w[:1].isalpha() for w in words):
            continue
        surname = words[-1].strip(".,'’")
        if len(surname) < 4:
            continue
        for match in re.finditer(rf"(?<![\w-]){re.escape(surname)}(?![\w-])", text, re.IGNORECASE):
            if a <= match.start() < b or _LOCAL_ROLE_BEFORE.search(
                text[max(0, match.start() - 30) : match.start()]
            ):
                continue  # "our head of PDU Taylor (no relation)": someone else with the surname
            more.append((match.start(), match.end()))
    return more


_LOCAL_ROLE_BEFORE = re.compile(
    r"\b(?i:spo|po|pso|pdu|om|pom|com|cm|osg|manager|head\s+of\s+\w+|officer|colleague|governor|supervisor|"
    r"my|our|his|her|their|mr|mrs|ms|miss|mx|dr|dc|ds|pc)\.?[ \t]+$"
)


_NAME = r"[A-Z][a-z]+(?:[-'][A-Z]?[a-z]+)?|Mc[A-Z][a-z]+|Mac[A-Z][a-z]+|O'[A-Z][a-z]+"
_PERSON = rf"(?:(?:Sir|Dame|Lord|Lady|Baroness|Dr|Professor|Prof\.?)\s+)?(?:{_NAME})(?:\s+(?:{_NAME})){{1,2}}"
_ROLE = (
    r"(?:(?:former|then|new|current|shadow)\s+)*(?:Justice Secretary|Secretary of State for Justice|Lord Chancellor|"
    r"Home Secretary|Prime Minister|(?:Prisons|Probation|Prisons and Probation|Justice) Minister|minister|MP|MSP|MLA|MEP|"
    r"(?:HM\s+)?Chief Inspector(?: of (?:Probation|Prisons))?|chief inspector|[Cc]hief [Pp]robation [Oo]fficer|(?:Napo|Unison|GMB|POA|PCS|union|national)\s+(?:chair|president)|"
    r"(?:Napo|Unison|GMB|POA|PCS|union)?\s*(?:general secretary|General Secretary|national chair)|(?:HMPPS\s+)?(?:chief executive|Chief Executive|"
    r"director general|Director General)(?: of HMPPS)?|(?:[Mm]ayor|[Cc]hief [Cc]onstable|[Pp]olice and [Cc]rime "
    r"[Cc]ommissioner|PCC|First Minister|Cabinet Secretary for Justice)(?: of (?:the )?[A-Z][a-z]+(?: [A-Z][a-z]+)?)?|"
    r"(?:[Jj]ournalist|[Cc]olumnist|[Rr]eporter|[Cc]orrespondent|[Ee]ditor|[Cc]riminologist|[Aa]cademic|"
    r"[Rr]esearcher|[Aa]uthor))"
)
ROLE_BEFORE_NAME = re.compile(rf"\b{_ROLE}\s*,?\s+({_PERSON})")
NAME_BEFORE_ROLE = re.compile(rf"\b({_PERSON})\s*,?\s+(?:(?:the|who was|who is|then|now|a|an)\s+)*{_ROLE}\b")
# National titles: a writer named with one is a public voice.
_NATIONAL_TITLES = (
    r"Guardian|Observer|Times|Sunday Times|Telegraph|Independent|Financial Times|FT|Economist|Mirror|Daily Mirror|"
    r"Daily Mail|Mail on Sunday|Sun|Express|i|Metro|New Statesman|Spectator|Private Eye|BBC|ITV|Channel 4|Sky News|"
    r"Channel 4 News|Newsnight|Today programme|Big Issue|Inside Time|Byline Times|openDemocracy|Tortoise"
)
# A name typed in lowercase: two or three words, none of them a function word.
_LOWER_WORD = r"(?!(?:at|in|on|of|for|the|and|or|is|was|from|to|with|by|said|says|who|about)\b)[a-z][a-z'’-]+"
_LOWER_PERSON = rf"{_LOWER_WORD}(?:[ \t]+{_LOWER_WORD}){{1,2}}"
# Public people on no list, known by what the text says of them: "Jane Doe, MP for Anytown",
# "the MP for Anytown, Jane Doe", "Professor Jane Doe", "writing in the Guardian, Jane Doe",
# "Jane Doe, chief executive of the Trust", "the Doe Review" (the author of a cited report).
_PUBLIC_OF = (
    r"(?:(?:the|a|an|former|then)\s+)*(?:MP|MSP|MLA|MS|AM|MEP|chief executive|chief exec|CEO|director general|"
    r"general secretary|president|professor|lecturer|reader|editor|commissioner|mayor|spokesperson|"
    r"spokesman|spokeswoman)\s+(?:of|for|at|in)\s+"
)
PUBLIC_CONTEXT = [
    re.compile(rf"\b({_PERSON})\s*,\s*(?i:{_PUBLIC_OF})"),
    re.compile(rf"\b(?i:the\s+)?(?:MP|MSP|MLA|MS|AM|MEP)\s+for\s+(?:[A-Z][a-z]+\s*){{1,3}},?\s+({_PERSON})"),
    re.compile(rf"\b(?:Professor|Prof\.?)\s+((?:{_NAME})(?:\s+(?:{_NAME})){{0,2}})"),
    re.compile(
        rf"\b(?i:writing\s+in|wrote\s+in|told|speaking\s+to|in\s+an\s+interview\s+with)\s+(?:the\s+)?"
        rf"(?:[A-Z][a-z]+\s*){{1,3}},\s+({_PERSON})"
    ),
    re.compile(rf"\b({_PERSON}),?\s+(?i:writing\s+in|wrote\s+in|who\s+writes\s+for|of\s+the\s+University)\b"),
    re.compile(
        rf"\b(?:the\s+)?((?:{_NAME})(?:\s+(?:{_NAME}))?)\s+(?:Review|Report|Inquiry|review|report|inquiry)\b"
        rf"(?<!\bmy\s)"
    ),
    # A citation: "Doe (2019)", "Doe and Roe (2021)", "Doe et al."
    re.compile(rf"\b((?:{_NAME})(?:\s+(?:and|&)\s+(?:{_NAME}))?)\s+(?:\((?:19|20)\d\d\)|et\s+al\b)"),
    # Peers and honours: "Baroness Jane Doe", "Lord Doe", "Dame Jane Doe".
    re.compile(rf"\b(?:Lord|Baroness|Lady|Sir|Dame)\s+((?:{_NAME})(?:\s+(?:{_NAME})){{0,2}})"),
    # The head of a named body: "The chief executive of Clinks, Jane Doe, said".
    re.compile(
        rf"\b(?i:chief\s+executive|chief\s+exec|ceo|director|chair|president|founder|head)\s+of\s+(?:the\s+)?"
        rf"(?:[A-Z][\w'’&-]*\s+){{0,4}}[A-Z][\w'’&-]*,\s+({_PERSON})"
    ),
    # An author or a public voice: "Jane Doe, who wrote it", "Jane Doe did a piece in the Observer".
    re.compile(rf"\b({_PERSON}),?\s+who\s+(?:wrote|writes|authored|led|chaired)\b"),
    re.compile(
        rf"(?<!\bthe\s)(?<!\bThe\s)\b({_PERSON})\s+(?:did|wrote|has\s+written|had|published|penned)\s+"
        rf"(?:a|an|the|her|his|their)\s+"
        rf"(?:\w+\s+)?(?:piece|article|column|report|review|study|book|paper|thread|op-ed)\b"
    ),
    # A public office named by its body: "the Domestic Abuse Commissioner, Jane Doe", "the Prisons and
    # Probation Ombudsman Jane Doe", "Jane Doe, the Victims' Commissioner".
    re.compile(
        rf"\b(?:[A-Z][\w'’]*\s+(?:and\s+|&\s+)?){{1,4}}(?:Commissioner|Ombudsman|Inspector|Mayor|Chief\s+Constable)"
        rf",?\s+({_PERSON})"
    ),
    re.compile(
        rf"\b({_PERSON}),\s+the\s+(?:[A-Z][\w'’]*\s+(?:and\s+|&\s+)?){{0,4}}(?:Commissioner|Ombudsman|"
        rf"Inspector|Mayor|Chief\s+Constable)\b"
    ),
    # A writer at a national title: "send it to Jane Doe at the Guardian", "Jane Doe of the Times",
    # "a piece in The Times last week by Jane Doe".
    re.compile(rf"\b({_PERSON})\s+(?:at|of|from|on)\s+(?:the\s+|The\s+)?(?:{_NATIONAL_TITLES})\b"),
    re.compile(
        rf"\b(?i:piece|article|column|report|interview|story|investigation|feature)\s+(?:in|on|for)\s+"
        rf"(?:the\s+|The\s+)?(?:{_NATIONAL_TITLES})(?:\s+[a-z]+){{0,3}}\s+by\s+({_PERSON})"
    ),
    # The same, typed in lowercase: "professor jane doe at", "the guardian piece by jane doe",
    # "jane doe asked about it in the commons" (an MP).
    re.compile(rf"\b(?:professor|prof)[ \t]+({_LOWER_PERSON})"),
    re.compile(
        rf"\b(?i:{_NATIONAL_TITLES})[ \t]+(?:piece|article|column|report|interview|story|investigation)[ \t]+by[ \t]+"
        rf"({_LOWER_PERSON}|{_PERSON})"
    ),
    re.compile(
        rf"\b({_LOWER_PERSON}|{_PERSON})[ \t]+(?:asked|raised|spoke)[ \t]+(?:about[ \t]+it[ \t]+|a[ \t]+question[ \t]+|it[ \t]+)?"
        rf"(?:in|at)[ \t]+(?i:the[ \t]+commons|the[ \t]+house|parliament|pmqs|the[ \t]+senedd|holyrood|stormont)"
    ),
    # A university is a public institution: "Cardiff University", "the University of Anytown".
    re.compile(
        r"\b((?:[A-Z][a-z]+\s+){1,3}University|University\s+of\s+(?:the\s+)?[A-Z][a-z]+(?:\s+[A-Z][a-z]+){0,2})\b"
    ),
    # A constituency after "MP for": "the MP for Anytown North".
    re.compile(
        r"\b(?:MP|MSP|MLA|MS|AM)\s+for\s+((?:[A-Z][a-z]+)(?:[\s-]+(?:and\s+|upon\s+|on\s+)?[A-Z][a-z]+){0,3})"
    ),
]


def public_role_ranges(text: str) -> list[tuple[int, int]]:
    """Names introduced by a public office ("Justice Secretary Jane Doe", "Jane Doe MP") or by
    a public role in the text: holders of public office, writers and academics are public and
    accountable under their names."""
    ranges = [(m.start(1), m.end(1)) for m in ROLE_BEFORE_NAME.finditer(text)]
    ranges += [(m.start(1), m.end(1)) for m in NAME_BEFORE_ROLE.finditer(text)]
    for pattern in PUBLIC_CONTEXT:
        ranges += [(m.start(1), m.end(1)) for m in pattern.finditer(text)]
    return ranges
