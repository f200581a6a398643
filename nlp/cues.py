"""Person and place cues read from the tagged document: a known first name is a name when the
words around it treat it as a person, even if it is also an ordinary word or typed in lowercase.

The regex rules in context.py need a role word right before the name ("my manager Rose"). These
cover the other ways testimony points at people and places:

  "the duty PO is joy again"           a role, then is/was, then a first name
  "she shadowed chase on a visit"      a verb that takes a person, then a first name
  "Patience on reception", "Will from estates", "jess in admin"
                                       a first name, then where in the workplace they sit
  "Heather who ran it", "Amber and I"  a first name at the start of a sentence, then who / and I
  "the reporting centre in March"      a workplace noun and a preposition, then a known place

Each cue is general (no particular name is listed), and each rejects words the tagger reads as
verbs, modals, adverbs or adjectives, so "my manager will" and "told summer plans" stay.
"""

from __future__ import annotations

from collections.abc import Iterator

from spacy.language import Language
from spacy.tokens import Doc, Token

from nlp import gazetteer, lexicon

Found = tuple[int, int, str]

# Tags that say a word is not being used as a name here (modal, verb, adverb, adjective, ...).
NOT_A_NAME_TAGS = frozenset(
    {
        "MD",
        "VB",
        "VBD",
        "VBG",
        "VBN",
        "VBP",
        "VBZ",
        "RB",
        "RBR",
        "RBS",
        "JJ",
        "JJR",
        "JJS",
        "IN",
        "DT",
        "PRP",
        "CC",
    }
)
ROLES = frozenset(
    {
        "manager",
        "spo",
        "po",
        "pso",
        "officer",
        "colleague",
        "supervisor",
        "governor",
        "cm",
        "osg",
        "boss",
        "lead",
        "leader",
        "tutor",
        "mentor",
        "admin",
        "receptionist",
        "head",
        "senior",
        "rep",
        "nurse",
        "psychologist",
        "solicitor",
        "worker",
        "buddy",
        "trainee",
        "pqip",
        "deputy",
        "chair",
    }
)
# Verbs whose object is nearly always a person in this kind of writing.
PERSON_VERBS = frozenset(
    {
        "asked",
        "told",
        "rang",
        "phoned",
        "called",
        "emailed",
        "messaged",
        "texted",
        "met",
        "thanked",
        "shadowed",
        "supervised",
        "mentored",
        "covered",
        "replaced",
        "cc'd",
        "copied",
        "warned",
        "reported",
        "contacted",
        "chased",
        "thank",
        "ask",
        "tell",
        "ring",
        "phone",
        "email",
        "message",
        "text",
        "shadow",
        "cc",
        "with",
        "by",
        "to",
        "from",
    }
)
# Where people sit in a workplace: "X on reception", "X from estates", "X in admin".
WORKPLACE = frozenset(
    {
        "reception",
        "admin",
        "hr",
        "estates",
        "facilities",
        "healthcare",
        "security",
        "finance",
        "payroll",
        "it",
        "ict",
        "training",
        "learning",
        "ops",
        "operations",
        "resettlement",
        "education",
        "chaplaincy",
        "the",
        "our",
        "my",
        "their",
        "his",
        "her",
        "legal",
        "comms",
        "business",
        "duty",
        "nights",
        "days",
        "lates",
        "earlies",
        "visits",
        "induction",
        "programmes",
        "courts",
        "custody",
    }
)
WORKPLACE_PREPOSITIONS = frozenset({"on", "from", "in", "at"})
TEAM_WORDS = frozenset(
    {"wing", "desk", "office", "team", "unit", "department", "dept", "landing", "gate", "hub"}
)
WHO_NOT_A_NAME_TAGS = frozenset({"MD", "IN", "DT", "PRP", "CC", "RB", "WDT", "WP"})
# After "Heather who ...", "Amber and I ...": a first name opening a sentence is a person.
OPENING_CUES = frozenset({"who", "whose"})
PLACE_NOUNS = frozenset(
    {
        "office",
        "offices",
        "centre",
        "center",
        "team",
        "teams",
        "pdu",
        "prison",
        "court",
        "hostel",
        "ap",
        "patch",
        "cluster",
        "hub",
        "unit",
        "based",
        "live",
        "lives",
        "living",
        "moved",
        "transferred",
        "area",
        "estate",
        "branch",
    }
)


def _is_first_name(token: Token) -> bool:
    return (
        token.lower_ in gazetteer.forenames()
        and (token.text.istitle() or token.text.islower())
        and len(token.text) > 1
        and token.lower_ not in lexicon.MONTHS_AND_DAYS
        and not lexicon.is_jargon(token.text)
    )


def _nameable(token: Token) -> bool:
    """A first name not being used as a verb, modal or adjective where it stands."""
    return _is_first_name(token) and token.tag_ not in NOT_A_NAME_TAGS


def _word(doc: Doc, i: int) -> str:
    return doc[i].lower_ if 0 <= i < len(doc) else ""


# After an unknown capitalised word, these say it is someone doing something: "Amara was put on
# a formal", "Okafor has left", "Nkem who runs the hub".
SUBJECT_TAGS = frozenset({"VBD", "VBZ", "MD"})
SUBJECT_WORDS = frozenset({"who", "whose", "has", "had", "is", "was", "said", "says", "told", "asked"})


def find(doc: Doc) -> Iterator[Found]:
    yield from _people(doc)
    yield from _capitalised_in_workplace(doc)
    yield from _places_after_nouns(doc)


def unknown_subjects(doc: Doc, nlp: Language) -> Iterator[Found]:
    """A capitalised word that is no English word, no trade jargon and no known place, read by the
    tagger as a proper noun and followed by a verb, is someone: the gazetteers cannot list every
    name, and the model misses rare ones at the start of a sentence. A guess of the same
    standing as the model's: a gazetteer place over the same word wins ("Bishop's Stortford")."""
    for token in doc[:-1]:
        following = doc[token.i + 1]
        if (
            token.tag_ == "NNP"
            and token.text.istitle()
            and len(token.text) > 2
            and token.is_alpha
            and (following.tag_ in SUBJECT_TAGS or following.lower_ in SUBJECT_WORDS)
            and not lexicon.is_ordinary(nlp, token.text)
            and not lexicon.is_jargon(token.text)
            and token.lower_ not in gazetteer.place_names()
        ):
            yield token.idx, token.idx + len(token.text), "PERSON"


LOWERCASE_SUBJECT_VERBS = frozenset(
    [
        "is",
        "was",
        "'s",
        "’s",
        "has",
        "had",
        "says",
        "said",
        "shows",
        "showed",
        "does",
        "did",
        "went",
        "got",
        "gave",
        "told",
        "asked",
        "rang",
        "emailed",
        "wants",
        "needs",
        "thinks",
        "knows",
        "reckons",
        "left",
        "started",
    ]
)
# Where a clause ends after a name: "supervision with rowan.", "went to jess, who".
CLAUSE_END = frozenset({".", ",", ";", ":", "!", "?", "who", "and", "but", ")", ""})


def _typed_in_lowercase(doc: Doc) -> bool:
    """Writers who type "i" for "I" and start sentences in lowercase write names that way too."""
    return any(t.text == "i" for t in doc) or (len(doc) > 0 and doc[0].is_lower)


def _people(doc: Doc) -> Iterator[Found]:
    lowercase_writer: bool | None = None
    for token in doc:
        i = token.i
        if not _is_first_name(token):
            continue
        before, before2 = _word(doc, i - 1), _word(doc, i - 2)
        after, after2 = _word(doc, i + 1), _word(doc, i + 2)
        cued = (
            # "the duty PO is joy", "my manager was Grace"
            (before in {"is", "was"} and before2 in ROLES and _nameable(token))
            # "shadowed chase", "rang Hope": a person verb, then a name that is not a verb here
            or (before in PERSON_VERBS and before not in {"with", "by", "to", "from"} and _nameable(token))
            # "Patience on reception", "will from estates"
            or (after in WORKPLACE_PREPOSITIONS and after2 in WORKPLACE and _workplace_follows(doc, i))
            # "Heather who ran it", "Amber and I"
            # "who" after a word makes it a noun whatever the tagger says ("primrose who covers")
            or (after in OPENING_CUES and (token.text.istitle() or token.tag_ not in WHO_NOT_A_NAME_TAGS))
            or (after == "and" and after2 in {"i", "me"} and (token.text.istitle() or _nameable(token)))
        )
        if (
            not cued
            and token.is_lower
            and after in LOWERCASE_SUBJECT_VERBS
            and gazetteer.starts_sentence(token)
            and token.tag_ not in WHO_NOT_A_NAME_TAGS
        ):
            # "grace is the only one who", "bryony is lovely": in a text typed in lowercase, a first
            # name opening a sentence before a verb is the sentence's subject, a person.
            if lowercase_writer is None:
                lowercase_writer = _typed_in_lowercase(doc)
            cued = lowercase_writer
        if not cued and token.is_lower and before in {"with", "to", "from", "by"} and after in CLAUSE_END:
            # "my supervision with rowan." in a text typed in lowercase: a first name ending a
            # clause after a preposition. Only for such writers: "with grace." is rare in them.
            if lowercase_writer is None:
                lowercase_writer = _typed_in_lowercase(doc)
            cued = lowercase_writer and _nameable(token)
        if cued:
            yield token.idx, token.idx + len(token.text), "PERSON"


def _capitalised_in_workplace(doc: Doc) -> Iterator[Found]:
    """ "Said on reception said", "Heron on nights", "Scouse on duty": a capitalised word that is no
    first name, placed in the workplace by the words after it, is someone's name or nickname,
    even if it is also a word. Weekdays, months, jargon and department names are not."""
    for token in doc:
        i = token.i
        if (
            not token.text.istitle()
            or len(token.text) < 3
            or not token.is_alpha
            or token.lower_ in gazetteer.forenames()
            or token.lower_ in lexicon.MONTHS_AND_DAYS
            or token.lower_ in WORKPLACE
            or lexicon.is_jargon(token.text)
            or _word(doc, i - 1) in {"the", "a", "an", "our", "my", "their", "his", "her", "in", "on", "at"}
        ):
            continue
        after, after2 = _word(doc, i + 1), _word(doc, i + 2)
        person_verb = _word(doc, i - 1) in {
            "ask",
            "asked",
            "told",
            "tell",
            "ring",
            "rang",
            "thank",
            "thanked",
        }
        placed = after in {"on", "in", "from"} and after2 in WORKPLACE - {
            "the",
            "our",
            "my",
            "their",
            "his",
            "her",
        }
        asked = person_verb and not gazetteer.starts_sentence(token)
        if (placed or asked) and token.lower_ not in gazetteer.place_names():
            yield token.idx, token.idx + len(token.text), "PERSON"


def _workplace_follows(doc: Doc, i: int) -> bool:
    """ "X on reception", "X from HR", "X in the admin team": the phrase after a first name places
    a person in the workplace. "the" and possessives need a workplace word next ("from the wing")."""
    after2 = _word(doc, i + 2)
    if after2 in {"the", "our", "my", "their", "his", "her"}:
        # "from the wing", "on the court team", "in the people team"
        return _word(doc, i + 3) in WORKPLACE | TEAM_WORDS or _word(doc, i + 4) in TEAM_WORDS
    # The first name must not be a verb here ("will in admin" is odd; "hope in admin" is not a name)
    return doc[i].text.istitle() or doc[i].tag_ not in NOT_A_NAME_TAGS


def _places_after_nouns(doc: Doc) -> Iterator[Found]:
    """ "the reporting centre in March", "based in Hope": a known place name right after a
    workplace noun and a preposition is the place, even when it is also a month or a word."""
    for token in doc:
        i = token.i
        if (
            token.text.istitle()
            and token.lower_ in gazetteer.place_names()
            and _word(doc, i - 1) in {"in", "at", "to", "near", "from"}
            and _word(doc, i - 2) in PLACE_NOUNS
        ):
            yield token.idx, token.idx + len(token.text), "PLACE"
