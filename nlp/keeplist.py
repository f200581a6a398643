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
_PRIVATE_TITLE = re.compile(r"\b(?:Mr|Mrs|Ms|Miss|Mx|mr|mrs|ms|miss)\.?[ \t]+$")


def kept_ranges(doc: Doc, phrase_matcher: PhraseMatcher) -> list[tuple[int, int]]:
    """Character ranges of keep-list mentions in the document."""
    text = doc.text
    ranges = [(doc[s:e].start_char, doc[s:e].end_char) for _id, s, e in phrase_matcher(doc)]
    ranges += surnames_of_kept_people(text, ranges)
    return [(a, b) for a, b in ranges if not _PRIVATE_TITLE.search(text[max(0, a - 6) : a])]


def surnames_of_kept_people(text: str, ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
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
    r"\b(?i:spo|po|pso|pdu|om|pom|com|cm|osg|manager|head[ \t]+of[ \t]+\w+|officer|colleague|governor|supervisor|"
    r"my|our|his|her|their|mr|mrs|ms|miss|mx|dr|dc|ds|pc)\.?[ \t]+$"
)


_NAME = r"[A-Z][a-z]+(?:[-'][A-Z]?[a-z]+)?|Mc[A-Z][a-z]+|Mac[A-Z][a-z]+|O'[A-Z][a-z]+"
# A name never runs across a line: "DS Breen\nNext review" is not the author of a review.
_PERSON = (
    rf"(?:(?:Sir|Dame|Lord|Lady|Baroness|Dr|Professor|Prof\.?)[ \t]+)?(?:{_NAME})(?:[ \t]+(?:{_NAME})){{1,2}}"
)
_ROLE = (
    r"(?:(?:former|then|new|current|shadow)[ \t]+)*(?:Justice Secretary|Secretary of State for Justice|Lord Chancellor|"
    r"Home Secretary|Prime Minister|(?:Prisons|Probation|Prisons and Probation|Justice) Minister|minister|MP|MSP|MLA|MEP|"
    r"(?:HM[ \t]+)?Chief Inspector(?: of (?:Probation|Prisons))?|chief inspector|[Cc]hief [Pp]robation [Oo]fficer|(?:Napo|Unison|GMB|POA|PCS|union|national)[ \t]+(?:chair|president)|"
    r"(?:Napo|Unison|GMB|POA|PCS|union)?[ \t]*(?:general secretary|General Secretary|national chair)|(?:HMPPS[ \t]+)?(?:chief executive|Chief Executive|"
    r"director general|Director General)(?: of HMPPS)?|(?:[Mm]ayor|[Cc]hief [Cc]onstable|[Pp]olice and [Cc]rime "
    r"[Cc]ommissioner|PCC|First Minister|Cabinet Secretary for Justice)(?: of (?:the )?[A-Z][a-z]+(?: [A-Z][a-z]+)?)?|"
    r"(?:[Jj]ournalist|[Cc]olumnist|[Rr]eporter|[Cc]orrespondent|[Ee]ditor|[Cc]riminologist|[Aa]cademic|"
    r"[Rr]esearcher|[Aa]uthor))"
)
ROLE_BEFORE_NAME = re.compile(rf"\b{_ROLE}[ \t]*,?[ \t]+({_PERSON})")
NAME_BEFORE_ROLE = re.compile(
    rf"\b({_PERSON})[ \t]*,?[ \t]+(?:(?:the|who was|who is|then|now|a|an)[ \t]+)*{_ROLE}\b"
)
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
    r"(?:(?:the|a|an|former|then)[ \t]+)*(?:MP|MSP|MLA|MS|AM|MEP|chief executive|chief exec|CEO|director general|"
    r"general secretary|president|professor|lecturer|reader|editor|commissioner|mayor|spokesperson|"
    r"spokesman|spokeswoman)[ \t]+(?:of|for|at|in)[ \t]+"
)
PUBLIC_CONTEXT = [
    re.compile(rf"\b({_PERSON})[ \t]*,[ \t]*(?i:{_PUBLIC_OF})"),
    re.compile(
        rf"\b(?i:the[ \t]+)?(?:MP|MSP|MLA|MS|AM|MEP)[ \t]+for[ \t]+(?:[A-Z][a-z]+[ \t]*){{1,3}},?[ \t]+({_PERSON})"
    ),
    re.compile(rf"\b(?:Professor|Prof\.?)[ \t]+((?:{_NAME})(?:[ \t]+(?:{_NAME})){{0,2}})"),
    re.compile(
        rf"\b(?i:writing[ \t]+in|wrote[ \t]+in|told|speaking[ \t]+to|in[ \t]+an[ \t]+interview[ \t]+with)[ \t]+(?:the[ \t]+)?"
        rf"(?:[A-Z][a-z]+[ \t]*){{1,3}},[ \t]+({_PERSON})"
    ),
    re.compile(
        rf"\b({_PERSON}),?[ \t]+(?i:writing[ \t]+in|wrote[ \t]+in|who[ \t]+writes[ \t]+for|of[ \t]+the[ \t]+University)\b"
    ),
    re.compile(
        rf"\b(?:the[ \t]+)?((?:{_NAME})(?:[ \t]+(?:{_NAME}))?)[ \t]+(?:Review|Report|Inquiry|review|report|inquiry)\b"
        rf"(?<!\bmy[ \t])"
    ),
    # A citation: "Doe (2019)", "Doe and Roe (2021)", "Doe et al."
    re.compile(
        rf"\b((?:{_NAME})(?:[ \t]+(?:and|&)[ \t]+(?:{_NAME}))?)[ \t]+(?:\((?:19|20)\d\d\)|et[ \t]+al\b)"
    ),
    # Peers and honours: "Baroness Jane Doe", "Lord Doe", "Dame Jane Doe".
    re.compile(rf"\b(?:Lord|Baroness|Lady|Sir|Dame)[ \t]+((?:{_NAME})(?:[ \t]+(?:{_NAME})){{0,2}})"),
    # The head of a named body: "The chief executive of Clinks, Jane Doe, said".
    re.compile(
        rf"\b(?i:chief[ \t]+executive|chief[ \t]+exec|ceo|director|chair|president|founder|head)[ \t]+of[ \t]+(?:the[ \t]+)?"
        rf"(?:[A-Z][\w'’&-]*[ \t]+){{0,4}}[A-Z][\w'’&-]*,[ \t]+({_PERSON})"
    ),
    # An author or a public voice: "Jane Doe, who wrote it", "Jane Doe did a piece in the Observer".
    re.compile(rf"\b({_PERSON}),?[ \t]+who[ \t]+(?:wrote|writes|authored|led|chaired)\b"),
    re.compile(
        rf"(?<!\bthe[ \t])(?<!\bThe[ \t])\b({_PERSON})[ \t]+(?:did|wrote|has[ \t]+written|had|published|penned)[ \t]+"
        rf"(?:a|an|the|her|his|their)[ \t]+"
        rf"(?:\w+[ \t]+)?(?:piece|article|column|report|review|study|book|paper|thread|op-ed)\b"
    ),
    # A public office named by its body: "the Domestic Abuse Commissioner, Jane Doe", "the Prisons and
    # Probation Ombudsman Jane Doe", "Jane Doe, the Victims' Commissioner".
    re.compile(
        rf"\b(?:[A-Z][\w'’]*[ \t]+(?:and[ \t]+|&[ \t]+)?){{1,4}}(?:Commissioner|Ombudsman|Inspector|Mayor|Chief[ \t]+Constable)"
        rf",?[ \t]+({_PERSON})"
    ),
    re.compile(
        rf"\b({_PERSON}),[ \t]+the[ \t]+(?:[A-Z][\w'’]*[ \t]+(?:and[ \t]+|&[ \t]+)?){{0,4}}(?:Commissioner|Ombudsman|"
        rf"Inspector|Mayor|Chief[ \t]+Constable)\b"
    ),
    # A writer at a national title: "send it to Jane Doe at the Guardian", "Jane Doe of the Times",
    # "a piece in The Times last week by Jane Doe".
    re.compile(
        rf"\b({_PERSON})[ \t]+(?:at|of|from|on)[ \t]+(?:the[ \t]+|The[ \t]+)?(?:{_NATIONAL_TITLES})\b"
    ),
    re.compile(
        rf"\b(?i:piece|article|column|report|interview|story|investigation|feature)[ \t]+(?:in|on|for)[ \t]+"
        rf"(?:the[ \t]+|The[ \t]+)?(?:{_NATIONAL_TITLES})(?:[ \t]+[a-z]+){{0,3}}[ \t]+by[ \t]+({_PERSON})"
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
        r"\b((?:[A-Z][a-z]+[ \t]+){1,3}University|University[ \t]+of[ \t]+(?:the[ \t]+)?[A-Z][a-z]+(?:[ \t]+[A-Z][a-z]+){0,2})\b"
    ),
    # A constituency after "MP for": "the MP for Anytown North".
    re.compile(
        r"\b(?:MP|MSP|MLA|MS|AM)[ \t]+for[ \t]+((?:[A-Z][a-z]+)(?:[ \t-]+(?:and[ \t]+|upon[ \t]+|on[ \t]+)?[A-Z][a-z]+){0,3})"
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
