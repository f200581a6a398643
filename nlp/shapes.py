"""Names found by the shape of a line: rotas, forms, lists, chat exports and signatures.

Staff write handover notes, rotas and minutes as much as prose. There the position says what a
word is, whatever the word: in "Mon - Lark / Tue - Storm" the words after the days are people;
in "Present: Wren Obi, DK, Tamsin (admin)" each item is a person; in "KM - ring back Fri" the
initials opening the line are one; in a chat export ("09/01/2024, 07:43 - Storm: running late")
the name sits between the time and the colon. None of these rules lists a name: they read
positions, list shapes and the words of a form's labels.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from spacy.language import Language

from nlp import gazetteer, lexicon

Found = tuple[int, int, str]

_DAYS = (
    r"(?:mon(?:day)?|tue(?:s(?:day)?)?|wed(?:s|nesday)?|thu(?:r(?:s(?:day)?)?)?|fri(?:day)?|sat(?:urday)?|"
    r"sun(?:day)?)"
)
# One name as typed in a list: a word, an initial with a full stop, or initials; up to three.
_WORD = r"[A-Za-zÀ-ÖØ-öø-ÿĀ-ž][\w'’-]*"
_ITEM = rf"(?:(?:[A-Z]\.){{2,3}}|(?:{_WORD}\.?)(?:[ \t]+(?:{_WORD}\.?)){{0,3}})"

# "Mon - Lark", "Tue: Storm / Wed - Ash", "Fri – Daisy (late)": a day, a dash or colon, a name.
ROTA = re.compile(
    rf"(?:^|(?<=[/|,;])|(?<=\t))[ \t]*[-•*]?[ \t]*(?i:{_DAYS})\.?[ \t]*(?:[-–—:=]|\bam\b|\bpm\b)[ \t]*({_ITEM})"
    rf"(?=[ \t]*(?:$|[/|,;(]|\t|\s-\s))",
    re.M,
)
# A form's label, then a list of people: "Present: ...", "Chair: ...", "From: ...".
PEOPLE_LABELS = (
    r"manager|line manager|spo|po|pso|om|com|pom|officer|probation officer|case manager|practitioner|"
    r"chair|chaired by|minutes|minute taker|notes|note taker|present|attendees|attending|attendance|"
    r"apologies|from|to|cc|bcc|complainant|employee|staff member|staff|name|author|signed|signed by|"
    r"duty|duty officer|duty manager|on call|contact|referrer|referred by|supervisor|supervisee|"
    r"witness|witnesses|victim|reviewer|assessor|countersigned|countersigned by|approved by|"
    r"prepared by|completed by|reported by|allocated to|allocated|client|service user|su|offender|"
    r"applicant|colleague|covering|cover|covered by|keyworker|key worker|escort|escorts|driver|"
    r"interviewer|interviewed by|investigator|investigating officer|appellant|mentor|buddy|trainee|"
    r"learner|tutor|pqip|assigned to|owner|lead|leads|action|actions|who|by|signed off|signed off by|"
    r"checked by|updated by|received by|authorised by|poms|oms|pos|psos|spos|officers|team|staff on|"
    r"on duty|duty sw|duty po|cover by|covered|tl|team leader|sw|social worker|om|key contact|"
    r"rep|union rep|napo rep|representative|rep present|gp|cpn|com name|pom name|officer name|staff name"
)
LABELLED_LIST = re.compile(rf"^[ \t]*[-•*]?[ \t]*(?i:{PEOPLE_LABELS})[ \t]*:[ \t]*([^\n]+)$", re.M)
# "09/01/2024, 07:43 - Storm: ...", "[14:02] Lark: ...", "12:03 Heron: ..."
CHAT_LINE = re.compile(
    r"^[ \t]*\[?(?:\d{1,2}[/.]\d{1,2}[/.]\d{2,4},?[ \t]+)?\d{1,2}:\d{2}(?::\d{2})?(?:[ \t]*[ap]m)?\]?"
    rf"[ \t]*[-–]?[ \t]*({_ITEM})[ \t]*:",
    re.M | re.I,
)
# Initials opening a line of a list: "KM - ring back Fri", "JK (CRN ...)", "- DW: chase".
LINE_INITIALS = re.compile(r"^[ \t]*(?:[-•*>]|\d+[.)])?[ \t]*([A-Z]{2,3})(?=[ \t]*(?:[-–:(]|,|$))", re.M)
# Two people's initials joined: "PS/JO", "PS with JO" (supervision headers).
INITIALS_PAIR = re.compile(r"\b([A-Z]{2,3})[ \t]*(?:/|\bwith\b|\bto\b|&)[ \t]*([A-Z]{2,3})\b")
# Uppercase pairs that are not people: "AM/PM", "UK to EU".
NOT_INITIALS = frozenset(["am", "pm", "uk", "eu", "tv", "ok", "no", "it", "hr", "yes", "na", "n/a"])
# A line that is a name with a role or a detail after it: "Bunny (admin): 19-23 Aug",
# "Bliss Adeyinka - 07700 900101". The detail after decides (a date or a contact, checked in
# name_before_detail).
LINE_HEAD = re.compile(
    rf"^[ \t]*[-•*]?[ \t]*({_ITEM})[ \t]*(?:\(([^)\n]{{1,40}})\))?[ \t]*(?:[-–—:=]|\t)[ \t]*", re.M
)
# A role in brackets after a line's head says the head is a person: "Sprout (admin): 2-6 June".
ROLE_IN_BRACKETS = re.compile(
    r"\b(?i:admin|agency|po|pso|spo|om|pom|manager|cover|covering|case admin|cm|osg|officer|trainee|pqip|"
    r"intern|student|locum|bank|mentor|nurse|receptionist|duty|part[- ]time|ft|pt)\b"
)
# A list of people, one a line, with a tick, a cross or a note: "Rosa Hale ✓", "Ben Ode ✗ (court)".
MARKED_LINE = re.compile(rf"^[ \t]*[-•*]?[ \t]*({_ITEM})[ \t]*(?:[✓✔✗✘☑☒]|\(|–|-)[^\n]{{0,60}}$", re.M)
# Initials that do something: "QM called police", "DL asked for", "MC, released from".
INITIALS_ACTING = re.compile(
    r"\b([A-Z]{2,3})(?:,?[ \t]+(?:[a-z]+ed|said|says|rang|came|went|left|told|asked|got|was|is|has|had|"
    r"wants|needs|kicked|kicks|turned|arrived|attended|failed|missed|refused|released|recalled)\b)"
)
# Initials in a position only a person takes: an action's owner ("NE to chase"), a signature
# ("Signed: AKH"), someone asked or handed to ("swaps to KM", "ask JT"), "AQM herself", someone in a
# team ("AS in performance"), or one of a list of titled people ("Mr Oldroyd, KB, Ms Stanforth").
INITIALS_IN_ROLE = [
    re.compile(r"\b(?i:room|rm|cell|bed|flat|unit)[ \t]*\d{1,3}[a-z]?[ \t]*\(([A-Z]{2,3})\)"),
    re.compile(
        r"\b([A-Z]{2,3})[ \t]+to[ \t]+(?:chase|ring|call|email|check|book|send|update|review|contact|arrange|"
        r"follow|complete|speak|write|circulate|confirm|visit|cover|do|liaise|escalate|action|look|find|draft)\b"
    ),
    re.compile(
        r"(?i:signed|initials|completed by|checked by|countersigned|approved by|author)[ \t]*:?[ \t]*([A-Z]{2,3})\b"
    ),
    re.compile(
        r"\b(?i:ask|tell|ring|call|email|text|message|swaps?[ \t]+to|hand(?:ed)?[ \t]+over[ \t]+to|passed[ \t]+to|cc)"
        r"[ \t]+([A-Z]{2,3})\b(?![ \t]*[A-Z][a-z])"
    ),
    re.compile(r"\b([A-Z]{2,3})[ \t]+(?:herself|himself|themself)\b"),
    re.compile(
        r"\b([A-Z]{2,3})[ \t]+(?:in|from)[ \t]+(?:performance|admin|hr|finance|ops|programmes|interventions|the[ \t]+[a-z]+[ \t]+team)\b"
    ),
    re.compile(
        r"(?:(?:Mr|Mrs|Ms|Miss|Dr)[ \t]+[A-Z][a-z]+|[A-Z]{2,3}),[ \t]+([A-Z]{2,3})(?=,|[ \t]+and\b|\))"
    ),
]
# A conversation copied without times: the same few heads open line after line ("Rusty: on it",
# "Jez: update??"). A head seen at least twice, beside at least one other such head, is a speaker.
SPEAKER = re.compile(r"^[ \t]*([A-Z][a-z]+(?:[ \t][A-Z][a-z]+)?)[ \t]*:[ \t]*\S", re.M)
# Dotted initials in a log or a signature: "T.H. 42 miles", "Signed: S.M.-C.", "C.E."
DOTTED_INITIALS = re.compile(r"(?<![\w.])((?:[A-Z]\.){2,3}(?:-[A-Z]\.)?)(?![\w])")
NOT_DOTTED_INITIALS = frozenset(
    ["U.K.", "E.G.", "I.E.", "N.B.", "P.S.", "A.M.", "P.M.", "U.S.", "E.U.", "R.I.P.", "A.K.A."]
)
# Someone known by initials in a case record: "recall of JS", "Case: LM".
INITIALS_OF_CASE = re.compile(
    r"(?:\b(?i:recall|breach|supervision|review|transfer|release|case|timeline)[ \t]+of[ \t]+|^[ \t]*(?i:case|subject|re)[ \t]*:[ \t]*)"
    r"([A-Z]{2,3})\b",
    re.M,
)
DETAIL_LEAD = re.compile(r"(?:\(|(?i:desk|mob|mobile|tel|work|home|cell|m|t)\b[ \t:]*)")
# A sign-off, then the writer's name on the next line.
SIGN_OFF = re.compile(
    r"^[ \t]*(?i:thanks|thank you|many thanks|regards|kind regards|best regards|warm regards|best|"
    r"best wishes|cheers|ta|diolch|diolch yn fawr|yours|yours sincerely|yours faithfully|all the best|"
    rf"speak soon|love|x+)[ \t]*[,.!]?[ \t]*\n(?:[ \t]*\n)?[ \t]*({_ITEM})[ \t]*$",
    re.M,
)
# Nicknames: "big Tel", "Little Mo", "young Kez"; the Sarge, the Gaffer (capitalised: a name).
NICKNAME = re.compile(rf"\b((?i:big|little|lil|young|old|auntie|uncle)[ \t]+({_WORD}))\b")
TITLE_NICKNAME = re.compile(
    r"\b(?i:the)[ \t]+(Sarge|Gaffer|Guv|Gov|Skip|Skipper|Doc|Padre|Colonel|Brigadier|Major|Captain|General|"
    r"Admiral|Commander|Duchess|Duke|Countess|Baron|Prof|sarge|gaffer|colonel|brigadier|duchess|duke|countess|"
    r"admiral)\b(?![ \t]+(?:of|[A-Z]))"
)
# A nickname explained: "mossy (real name ...)", "Brig Bill as the staff call him".
NICKNAME_EXPLAINED = re.compile(
    rf"(?:^|(?<=[\s(]))((?:{_WORD})(?:[ \t]+{_WORD})?)[ \t]*(?:\((?i:real name|aka|a\.k\.a\.|known as)\b|"
    rf"[ \t]+as[ \t]+(?:the[ \t]+)?(?:\w+[ \t]+){{0,2}}call(?:s|ed)?[ \t]+(?:him|her|them)\b)",
    re.M,
)

# Acronyms that open a line or sit between slashes without standing for a person.
COMMON_ACRONYMS = frozenset(
    [
        "ps",
        "mp",
        "mps",
        "msp",
        "mla",
        "mep",
        "nb",
        "fyi",
        "re",
        "cc",
        "bcc",
        "ok",
        "tbc",
        "tba",
        "asap",
        "aob",
        "fao",
        "eta",
        "rsvp",
        "btw",
        "imo",
        "lol",
        "omg",
        "fta",
        "su",
        "sus",
        "pp",
        "na",
        "dob",
        "am",
        "pm",
        "uk",
        "eu",
        "gp",
        "ae",
        "nhs",
        "dwp",
        "hmp",
        "yoi",
        "yot",
        "yos",
        "ete",
        "upw",
        "cas",
        "hdc",
        "rotl",
        "ot",
        "mh",
        "dv",
        "dvpp",
        "sfo",
        "mappa",
        "marac",
        "om",
        "oms",
        "pom",
        "com",
        "spo",
        "po",
        "pso",
        "cm",
        "osg",
        "sotp",
        "bbr",
        "tsp",
        "idap",
        "cpa",
        "psr",
        "psrs",
        "fdr",
        "sdr",
        "oasys",
        "rosh",
        "ogrs",
        "ospc",
        "ospi",
        "rsr",
        "crn",
        "pnc",
        "pnd",
        "ni",
        "id",
        "ir",
        "irs",
        "ta",
        "bh",
        "al",
        "sl",
        "toil",
        "lh",
        "wfh",
        "ooo",
        "hr",
        "it",
        "ict",
        "ceo",
        "cfo",
        "ie",
        "eg",
        "etc",
        "vs",
        "mr",
        "mrs",
        "ms",
        "dr",
        "st",
        "rd",
        "ave",
        "tel",
        "mob",
        "ext",
        "fax",
        "ref",
        "no",
        "tbh",
        "imo",
        "afaik",
        "smh",
        "idk",
        "pls",
        "plz",
        "thx",
        "ty",
        "np",
        "dm",
        "pm",
        "yes",
        "no",
        "tv",
        "id",
        "vip",
        "usa",
        "aa",
        "na",
        "cid",
        "cps",
        "csu",
        "dtr",
        "atr",
        "mhtr",
        "drr",
        "ata",
        "tr",
        "crc",
        "nps",
        "bass",
        "cas3",
        "cas2",
        "rar",
        "bcu",
        "lsp",
        "epf",
        "sop",
        "ttg",
        "pqip",
        "pdu",
        "ap",
        "aps",
        "mosovo",
        "ipp",
        "dto",
        "sso",
        "sro",
        "ro",
        "cjsm",
        "gdpr",
        "foi",
        "sar",
        "dpa",
        "dbs",
        "vlo",
        "vlu",
        "vm",
        "cpo",
        "tl",
        "yot",
        "yos",
        "pin",
        "qa",
        "rsvp",
        "mbe",
        "obe",
        "cbe",
        "pcc",
        "dtto",
        "cscs",
        "pdp",
        "hmp",
        "omu",
        "omic",
        "rag",
        "wc",
        "we",
        "w/e",
        "asb",
        "cjs",
        "cjsw",
        "sw",
        "sws",
        "iom",
        "mash",
        "cmht",
        "amhp",
        "ldp",
        "eta",
        "atm",
        "sms",
        "mms",
        "nfa",
        "tbd",
        "faq",
        "hq",
        "ceo",
        "coo",
        "cto",
        "dpo",
        "hse",
        "h&s",
        "nvq",
        "mba",
        "bsc",
        "ma",
        "phd",
        "llb",
        "gcse",
        "ucas",
        "dla",
        "pip",
        "esa",
        "jsa",
        "uc",
        "hb",
        "ctr",
    ]
)
# Lowercase words inside one person's name ("Iolo ap Siôn", "Máire Ní Bhriain", "Ahmed bin Said").
NAME_PARTICLES = frozenset(
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
        "bin",
        "bint",
        "ibn",
        "al",
        "el",
    ]
)
NOT_A_LIST_NAME = frozenset(
    [
        "off",
        "closed",
        "duty",
        "cover",
        "covering",
        "none",
        "nobody",
        "noone",
        "n/a",
        "na",
        "tbc",
        "tba",
        "me",
        "you",
        "him",
        "her",
        "them",
        "us",
        "all",
        "everyone",
        "anyone",
        "someone",
        "team",
        "staff",
        "admin",
        "office",
        "leave",
        "annual",
        "sick",
        "sickness",
        "training",
        "bank",
        "holiday",
        "rest",
        "day",
        "night",
        "nights",
        "late",
        "early",
        "am",
        "pm",
        "spare",
        "free",
        "out",
        "in",
        "absent",
        "away",
        "court",
        "yes",
        "no",
        "see",
        "below",
        "above",
        "various",
        "agency",
        "vacant",
        "vacancy",
        "unallocated",
        "unknown",
        "other",
        "others",
        "same",
        "ditto",
    ]
)
# Labels of a line whose value is a date or contact: "Date:", "Duty phone -", "Absence:".
NOT_A_PERSON_HEAD = frozenset(
    [
        "date",
        "dates",
        "time",
        "sent",
        "received",
        "tel",
        "telephone",
        "phone",
        "mob",
        "mobile",
        "mobile",
        "no",
        "fax",
        "email",
        "e-mail",
        "web",
        "ext",
        "extension",
        "address",
        "dob",
        "due",
        "deadline",
        "start",
        "end",
        "from",
        "until",
        "to",
        "out",
        "in",
        "return",
        "returned",
        "back",
        "absence",
        "leave",
        "period",
        "week",
        "w/c",
        "wc",
        "ref",
        "reference",
        "case",
        "crn",
        "pnc",
        "no",
        "number",
        "office",
        "duty",
        "phone",
        "duty",
        "line",
        "desk",
        "landline",
        "switchboard",
        "helpline",
        "hearing",
        "court",
        "review",
        "meeting",
        "appointment",
        "visit",
        "released",
        "release",
        "licence",
        "expiry",
        "sed",
        "led",
        "ped",
        "ard",
        "crd",
        "hdced",
        "tariff",
        "next",
        "last",
        "first",
    ]
)


def find(text: str, nlp: Language, exact: list[Found]) -> Iterator[Found]:
    yield from _rota(text, nlp)
    yield from _labelled_lists(text, nlp)
    yield from _chat(text, nlp)
    yield from _initials(text)
    yield from _dotted_initials(text)
    yield from _speakers(text, nlp)
    yield from _signatures(text, nlp)
    yield from _nicknames(text, nlp)
    yield from name_before_detail(text, nlp, exact)
    yield from _marked_lines(text, nlp)
    for pattern in (INITIALS_ACTING, *INITIALS_IN_ROLE):
        for match in pattern.finditer(text):
            if _initials_are_a_person(match.group(1)):
                yield match.start(1), match.end(1), "PERSON"


def _marked_lines(text: str, nlp: Language) -> Iterator[Found]:
    """Attendance and contact lists: a line holding a name with a first name or surname in it,
    then a tick, a cross, a dash or a note."""
    for match in MARKED_LINE.finditer(text):
        item = match.group(1)
        words = [w.strip(".,") for w in item.split()]
        if not any(w[:1].isupper() for w in words) or any(w.isupper() and len(w) > 3 for w in words):
            continue  # a heading in capitals ("POOL CAR LOG - ..."), not a person
        known = any(w.lower() in gazetteer.forenames() or w.lower() in gazetteer.surnames() for w in words)
        unknown = all(w[:1].isupper() for w in words) and any(not lexicon.is_ordinary(nlp, w) for w in words)
        if (known or unknown) and _looks_like_a_name(item, nlp, position_says_name=False):
            yield match.start(1), match.end(1), "PERSON"


def _looks_like_a_name(item: str, nlp: Language, *, position_says_name: bool) -> bool:
    """Could this list item be a person's name? The position already says it probably is, so
    ordinary words count when capitalised ("Lark", "Storm"); lowercase ordinary words, jargon
    and the words of a rota's other entries ("off", "cover", "bank holiday") do not."""
    words = [w.strip(".,'’") for w in item.split()]
    words = [w for w in words if w and w not in NAME_PARTICLES]
    if not words or item.strip().lower() in NOT_A_LIST_NAME:
        return False
    if any(w.lower() in NOT_A_LIST_NAME or lexicon.is_jargon(w) for w in words):
        return False
    if any(w.lower() in lexicon.MONTHS_AND_DAYS for w in words):
        return False
    for word in words:
        lowered = word.lower()
        if word.isupper() and len(word) <= 3:
            if lowered in COMMON_ACRONYMS:
                return False
            continue
        if word[0].isupper():
            continue
        # Lowercase: a known name, or a word that is no English word, in a name position.
        known = lowered in gazetteer.forenames() or lowered in gazetteer.surnames()
        if not (known or (position_says_name and not lexicon.is_ordinary(nlp, word))):
            return False
    return True


def _rota(text: str, nlp: Language) -> Iterator[Found]:
    for match in ROTA.finditer(text):
        item = match.group(1)
        if _looks_like_a_name(item, nlp, position_says_name=True):
            yield match.start(1), match.end(1), "PERSON"


_ITEM_SPLIT = re.compile(r"\s*(?:,|;|\band\b|&|/|\+)\s*")
_ITEM_NAME = re.compile(rf"^((?:(?:Mr|Mrs|Ms|Miss|Mx|Dr|DS|DC|DI|PC)\.?\s+)?{_ITEM})(?=\s*(?:\(|<|-|–|$|\[))")


def _labelled_lists(text: str, nlp: Language) -> Iterator[Found]:
    for match in LABELLED_LIST.finditer(text):
        value_start = match.start(1)
        value = match.group(1)
        position = 0
        for part in _ITEM_SPLIT.split(value):
            offset = value.find(part, position)
            position = offset + len(part)
            head = _ITEM_NAME.match(part.strip())
            if not head or offset < 0:
                continue
            lead = len(part) - len(part.lstrip())
            name = head.group(1)
            last = name.split()[-1].lower()
            if last in {"team", "office", "unit", "group", "services", "service", "department", "staff"}:
                continue
            if _looks_like_a_name(name, nlp, position_says_name=False):
                start = value_start + offset + lead
                yield start, start + len(name), "PERSON"


def _chat(text: str, nlp: Language) -> Iterator[Found]:
    for match in CHAT_LINE.finditer(text):
        item = match.group(1)
        if item.lower() in {"anonymous", "me", "him", "her", "them", "admin", "moderator"}:
            continue
        if _looks_like_a_name(item, nlp, position_says_name=True):
            yield match.start(1), match.end(1), "PERSON"


def _speakers(text: str, nlp: Language) -> Iterator[Found]:
    heads: dict[str, list[tuple[int, int]]] = {}
    for match in SPEAKER.finditer(text):
        heads.setdefault(match.group(1), []).append((match.start(1), match.end(1)))
    speakers = [h for h, seen in heads.items() if len(seen) >= 2 and h.lower() not in NOT_A_PERSON_HEAD]
    if len(speakers) < 2:
        return
    for head in speakers:
        if head.lower() in lexicon.MONTHS_AND_DAYS or lexicon.is_jargon(head):
            continue
        for start, end in heads[head]:
            yield start, end, "PERSON"


def _dotted_initials(text: str) -> Iterator[Found]:
    for match in DOTTED_INITIALS.finditer(text):
        if match.group(1).upper() not in NOT_DOTTED_INITIALS:
            yield match.start(1), match.end(1), "PERSON"
    for match in INITIALS_OF_CASE.finditer(text):
        if _initials_are_a_person(match.group(1)):
            yield match.start(1), match.end(1), "PERSON"


def _initials(text: str) -> Iterator[Found]:
    for match in LINE_INITIALS.finditer(text):
        if _initials_are_a_person(match.group(1)):
            yield match.start(1), match.end(1), "PERSON"
    for match in INITIALS_PAIR.finditer(text):
        # A pair is two people even where one half alone could be an acronym ("PS with JO").
        pair = (match.group(1), match.group(2))
        if not any(lexicon.is_jargon(p) or p.lower() in NOT_INITIALS for p in pair):
            yield match.start(1), match.end(1), "PERSON"
            yield match.start(2), match.end(2), "PERSON"


def _initials_are_a_person(initials: str) -> bool:
    return initials.lower() not in COMMON_ACRONYMS and not lexicon.is_jargon(initials)


def _signatures(text: str, nlp: Language) -> Iterator[Found]:
    for match in SIGN_OFF.finditer(text):
        name = match.group(1)
        last = name.split()[-1].lower()
        if last in {"team", "office", "unit", "services", "service", "department", "admin"}:
            continue
        if _looks_like_a_name(name, nlp, position_says_name=True):
            yield match.start(1), match.end(1), "PERSON"


def _nicknames(text: str, nlp: Language) -> Iterator[Found]:
    for match in NICKNAME.finditer(text):
        word = match.group(2)
        lowered = word.lower()
        if lexicon.is_jargon(word) or lowered in lexicon.MONTHS_AND_DAYS:
            continue
        # "big Tel", "big lou": a capital or a first name makes it a name; "big deal" stays.
        if (
            (word[0].isupper() and match.group(1)[0].islower())
            or (lowered in gazetteer.forenames() and not lexicon.is_ordinary(nlp, word))
            or (
                word[0].isupper() and (lowered in gazetteer.forenames() or not lexicon.is_ordinary(nlp, word))
            )
        ):
            yield match.start(1), match.end(1), "PERSON"
    for match in TITLE_NICKNAME.finditer(text):
        yield match.start(1), match.end(1), "PERSON"
    for match in NICKNAME_EXPLAINED.finditer(text):
        item = match.group(1)
        words = item.split()
        # The nickname is the last word or two before the bracket, not the sentence before it.
        if len(words) == 2 and (words[0].islower() and lexicon.is_ordinary(nlp, words[0])):
            start = match.start(1) + item.index(words[1])
        else:
            start = match.start(1)
        if not lexicon.is_filler(nlp, text[start : match.end(1)]):
            yield start, match.end(1), "PERSON"


def name_before_detail(text: str, nlp: Language, exact: list[Found]) -> Iterator[Found]:
    """A line that opens with a name and goes on to a date or a contact: "Rich: 5th Aug to 16th
    Aug", "Bunny (admin): 19-23 Aug", "Bliss Adeyinka - 07700 900101". A label ("Date:",
    "Duty phone -") is made of ordinary words that are not names, and is left."""
    starts = {s for s, _e, k in exact if k in ("DATE", "CONTACT")}
    if not starts:
        return
    for match in LINE_HEAD.finditer(text):
        # The detail may follow a bracket or a short word: "(0117) ...", "desk 0117 ...".
        rest = DETAIL_LEAD.match(text, match.end())
        if match.end() not in starts and (rest is None or rest.end() not in starts):
            continue
        item = match.group(1)
        words = item.split()
        if item.lower() in NOT_A_PERSON_HEAD or any(w.lower() in NOT_A_PERSON_HEAD for w in words):
            continue
        role = match.group(2) is not None and ROLE_IN_BRACKETS.search(match.group(2)) is not None
        named = role or any(
            w.lower() in gazetteer.forenames()
            or w.lower() in gazetteer.surnames()
            or (w.isupper() and 2 <= len(w) <= 3)
            or not lexicon.is_ordinary(nlp, w)
            for w in words
        )
        if named and _looks_like_a_name(item, nlp, position_says_name=True):
            yield match.start(1), match.end(1), "PERSON"
