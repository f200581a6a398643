"""Names typed in lowercase that are also ordinary words, found by the position they stand in.

Staff writing fast in a comment thread type everything in lowercase, names included, and many
names and nicknames are words ("rook is a legend", "my spo bracken", "nest in admin"). The
gazetteers cannot know them and the model reads them as nouns. What gives them away is where they
stand: a bare singular word opening a sentence before a verb only a person does, a word straight
after a job title, a word placed in a department, a word introduced as what people call someone.
These rules run only in texts typed in lowercase (most sentences start in lowercase), where a
capital is no evidence either way; `_other_mentions` in engine.py then strikes the name's other
mentions in the same text.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from spacy.lang.en.stop_words import STOP_WORDS

from nlp import lexicon

Found = tuple[int, int, str]

# Verbs only a person does, straight after the subject: "rook replied", "gwion got a bollocking".
_HUMAN_VERBS = (
    r"said|says|replied|reckons|reckoned|thinks|thought|swears|swore|told|tells|asked|asks|rang|rings|phoned|"
    r"emailed|texted|messaged|went\s+to|moved\s+to|left\s+(?:us|in|last|for)|retired|resigned|quit|cried|laughed|"
    r"shouted|fought|signed|covered|chaired|helped|found\s+(?:my|the|me|us|him|her)|got\s+(?:a|the)\s+\w+|"
    r"is\s+(?:a\s+legend|a\s+star|brilliant|lovely|amazing|great|my|our|the\s+only|back|off|on\s+leave|doing)|"
    r"was\s+(?:my|our|a\s+legend|brilliant|the\s+only)|isnt\s+answering|isn't\s+answering|once\s+\w+ed|"
    r"who\s+(?:ran|runs|used|was|is)|has\s+(?:gone|left|moved|been\s+off)|should\s+put|still\s+has"
)
SUBJECT = re.compile(
    rf"(?:^|(?<=[.!?]\s)|(?<=\n)|(?<=\n\s{{4}}))[ \t]*([a-z][a-z'’-]{{2,}})[ \t]+(?:{_HUMAN_VERBS})\b"
)
# A job title, then the name: "my spo bracken (yes really", "my pqip tutor teasel", "his PO deano".
_TITLES = (
    r"spo|po|pso|om|pom|com|tutor|pqip\s+tutor|pqip\s+learner|learner|trainee|manager|line\s+manager|supervisor|"
    r"mentor|keyworker|di|ds|dc|sarge|mate|pal|colleague|buddy"
)
AFTER_TITLE = re.compile(
    rf"\b(?i:my|our|his|her|their|the)[ \t]+(?i:{_TITLES})[ \t]+([a-z][a-z'’-]{{2,}})"
    rf"(?=[ \t]*(?:\(|,|\.|$|\n|[ \t](?:in|from|on|at|who|just|has|had|said|says|told|is|was)\b))"
)
# Thanked or spoken to at the end of a sentence: "sorry tregs", "diolch cer", "reading this cer,".
VOCATIVE = re.compile(
    r"\b(?:sorry|thanks|thank\s+you|cheers|diolch|ta|love\s+you|miss\s+you|congrats|well\s+done|"
    r"reading\s+this)[ \t]+([a-z][a-z'’-]{2,})(?=[ \t]*(?:[.,!?]|x\b|$|\n))"
)
# Placed in a department or team: "nest in admin", "basil from the housing team", "tinker from the tvcrc days".
PLACED = re.compile(
    r"(?:^|(?<=[.!?]\s)|(?<=\n)|(?<=\bto\s)|(?<=\bask\s)|(?<=\btell\s)|(?<=\band\s)|(?<=,\s))[ \t]*"
    r"([a-z][a-z'’-]{2,})[ \t]+(?:in|from|on)[ \t]+(?:admin|finance|hr|payroll|reception|estates|ops|"
    r"the\s+[a-z]+\s+(?:team|days|desk|office)|[a-z]+\s+team|our\s+team|my\s+team|nights|the\s+court\s+cells|"
    r"the\s+gate)\b"
)
# What everyone calls someone: "the lad everyone calls spanner", "known as tinker".
CALLED = re.compile(
    r"\b(?:calls|called|call\s+him|call\s+her|known\s+as|nicknamed)[ \t]+([a-z][a-z'’-]{2,})\b"
)

# Words that stand in those positions and are nobody's name.
NOT_NAMES = frozenset(
    [
        "i",
        "you",
        "he",
        "she",
        "it",
        "we",
        "they",
        "me",
        "him",
        "her",
        "us",
        "them",
        "my",
        "our",
        "your",
        "his",
        "their",
        "its",
        "this",
        "that",
        "these",
        "those",
        "there",
        "here",
        "who",
        "what",
        "which",
        "when",
        "where",
        "why",
        "how",
        "everyone",
        "everybody",
        "someone",
        "somebody",
        "anyone",
        "anybody",
        "nobody",
        "noone",
        "none",
        "all",
        "some",
        "most",
        "many",
        "few",
        "both",
        "each",
        "either",
        "neither",
        "one",
        "ones",
        "another",
        "other",
        "others",
        "people",
        "person",
        "staff",
        "team",
        "office",
        "management",
        "managers",
        "manager",
        "boss",
        "bosses",
        "spo",
        "spos",
        "po",
        "pos",
        "pso",
        "psos",
        "om",
        "poms",
        "pom",
        "com",
        "lads",
        "lad",
        "lass",
        "girls",
        "guys",
        "folk",
        "colleagues",
        "colleague",
        "union",
        "napo",
        "hmpps",
        "probation",
        "prison",
        "prisons",
        "service",
        "mum",
        "dad",
        "wife",
        "husband",
        "partner",
        "son",
        "daughter",
        "sister",
        "brother",
        "nan",
        "gran",
        "family",
        "kids",
        "friend",
        "mate",
        "mates",
        "he'd",
        "she'd",
        "they'd",
        "he's",
        "she's",
        "it's",
        "that's",
        "there's",
        "what's",
        "who's",
        "i'm",
        "you're",
        "we're",
        "they're",
        "admin",
        "finance",
        "hr",
        "reception",
        "payroll",
        "estates",
        "ops",
        "court",
        "courts",
        "police",
        "cps",
        "judge",
        "bench",
        "panel",
        "board",
        "agency",
        "chaos",
        "nothing",
        "something",
        "everything",
        "anything",
        "work",
        "home",
        "today",
        "yesterday",
        "tomorrow",
        "tonight",
        "then",
        "now",
        "also",
        "just",
        "still",
        "even",
        "only",
        "so",
        "but",
        "and",
        "or",
        "if",
        "because",
        "though",
        "although",
        "yes",
        "no",
        "ok",
        "okay",
        "lol",
        "back",
        "out",
        "off",
        "up",
        "down",
        "over",
        "away",
        "again",
        "later",
        "soon",
        "never",
        "always",
        "sometimes",
        "well",
        "anyway",
        "apparently",
        "honestly",
        "basically",
        "literally",
        "actually",
        "really",
        "yeah",
        "yep",
        "nope",
        "sadly",
    ]
)


def typed_in_lowercase(text: str) -> bool:
    """Most sentences and lines start in lowercase."""
    starts = re.findall(r"(?:^|[.!?]\s+|\n\s*)([A-Za-z])", text)
    return len(starts) >= 3 and sum(c.islower() for c in starts) / len(starts) >= 0.5


def find(text: str) -> Iterator[Found]:
    if not typed_in_lowercase(text):
        return
    # Lines typed in capitals ("BAKER SAYS IT HAPPENED TO HIM TOO") are read as if lowercase.
    readable = _capitals_lowered(text)
    for pattern in (SUBJECT, AFTER_TITLE, PLACED, CALLED, VOCATIVE):
        for match in pattern.finditer(readable):
            word = match.group(1)
            if _could_be_a_name(word):
                yield match.start(1), match.end(1), "PERSON"


def _capitals_lowered(text: str) -> str:
    """The text with each line written in capitals lowercased (same length, same offsets)."""
    lines = text.split("\n")
    return "\n".join(
        line.lower() if sum(c.isupper() for c in line) > 5 and not any(c.islower() for c in line) else line
        for line in lines
    )


def _could_be_a_name(word: str) -> bool:
    lowered = word.lower().strip("'’-")
    return (
        lowered not in NOT_NAMES
        and lowered not in STOP_WORDS
        and lowered not in lexicon.MONTHS_AND_DAYS
        and not lexicon.is_jargon(lowered)
        and not lowered.endswith(("ing", "ly", "'s", "’s"))
    )
