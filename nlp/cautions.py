"""Re-identification warnings: details that are not identifiers, but narrow down who wrote.

A grade, years of service, team size, a specialism or secondment, "the only ...", an exact
event, or a personal circumstance can each be shared by many people; together they can point at
one. The writer is warned in the preview, moderators in review. Nothing is struck for these:
the writer decides. Messages are calm and say what to consider, not what went wrong.
"""

from __future__ import annotations

import re

from nlp.spans import Caution

_NUMBER = (
    r"(?:\d{1,2}|a|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|"
    r"fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty)(?:[- ](?:one|two|three|four|five|"
    r"six|seven|eight|nine))?"
)
_GRADE = (
    r"(?:band\s*\d|grade\s*\d|(?:senior\s+)?probation(?:\s+services?)?\s+officer|PO|PSO|SPO|OSG|CM|"
    r"custodial\s+manager|prison\s+officer|(?:deputy\s+)?governor|head\s+of\s+(?:unit|service|delivery|"
    r"operations|reducing\s+reoffending)|PQiP(?:\s+learner)?|practice\s+tutor|case\s+administrator|"
    r"court\s+officer|victim\s+liaison\s+officer|VLO|team\s+(?:leader|manager)|senior\s+(?:manager|leader))"
)
# First person: a grade said of the writer, not of someone else ("I'm a PSO", "as an SPO").
_I_AM = (
    r"(?:(?:I'?m|I\s+am|I\s+was|I'?ve\s+been|I\s+have\s+been|I\s+work(?:ed)?\s+as|I'?m\s+now)"
    r"\s+(?:a|an|the|one\s+of\s+the)?|(?:as|been)\s+(?:a|an))"
)

Rule = tuple[str, re.Pattern[str], str]

RULES: list[Rule] = [
    (
        "service_length",
        re.compile(
            rf"\b(?:for|after|over|nearly|almost|about|than)\s+{_NUMBER}\+?\s+years?\b"
            rf"|\b{_NUMBER}\+?\s+years?['’]?\s+(?:service|experience|qualified|served|"
            rf"(?:in|of|as|at|with|on)\b(?!\s+(?:age|prison|custody|jail)\b))"
            rf"|\b(?:qualified|joined|started|trained)\s+(?:\w+\s+){{0,3}}(?:in\s+)?(?:19|20)\d\d\b"
            rf"|\b(?:a|two|three|several)\s+decades?\b",
            re.I,
        ),
        "How long you have worked in the service can narrow down who you are. A range such as "
        "'over ten years' is safer than an exact number.",
    ),
    (
        "grade",
        re.compile(rf"\b{_I_AM}\s*(?:newly\s+qualified\s+|senior\s+)?{_GRADE}\b", re.I),
        "Your grade or role, with other details, can narrow down who you are.",
    ),
    (
        "team_size",
        re.compile(
            rf"\b(?:team|office|unit|wing|cluster|PDU|hub)\s+of\s+(?:just\s+|only\s+)?{_NUMBER}\b"
            rf"|\b(?:only\s+|just\s+)?{_NUMBER}\s+(?:of\s+us|staff|officers|colleagues|people|POs|PSOs|SPOs)\s+"
            rf"(?:in|on|at|left\s+in)\s+(?:my|our|the)\s+(?:team|office|unit|wing|cluster)\b"
            rf"|\bthere\s+(?:are|were)\s+(?:only\s+|just\s+)?{_NUMBER}\s+(?:of\s+us|POs|PSOs|staff|officers)\b",
            re.I,
        ),
        "The size of your team can narrow down where you work.",
    ),
    (
        "unique_role",
        re.compile(
            r"\b(?:the\s+only|the\s+one\s+(?:PO|PSO|officer|person)|sole|seconded|secondment|"
            r"specialist\s+(?:role|post|worker|PO|lead)|(?:the\s+)?lead\s+for|my\s+specialism|"
            r"single\s+point\s+of\s+contact|SPOC|champion\s+for|the\s+\w+\s+champion|"
            r"I\s+(?:was|am|'m)\s+the\s+(?:first|last))\b",
            re.I,
        ),
        "Being the only person, or one of few, in a role, secondment or situation can identify "
        "you. Consider describing it more generally.",
    ),
    (
        "exact_event",
        re.compile(
            r"\b(?:the\s+day\s+(?:that|when|after|before)|on\s+the\s+night|the\s+(?:incident|assault|"
            r"fire|riot|death|meeting|visit|hearing)\s+(?:on|at|when|last)|last\s+(?:monday|tuesday|"
            r"wednesday|thursday|friday|saturday|sunday|week|night)|yesterday|this\s+morning|"
            r"this\s+afternoon|earlier\s+today|today)\b",
            re.I,
        ),
        "An exact event or moment can be matched to who was there. Consider leaving out when it happened.",
    ),
    (
        "personal",
        re.compile(
            r"\b(?:pregnan(?:t|cy)|maternity\s+leave|paternity\s+leave|my\s+(?:diagnosis|disability|"
            r"condition|wheelchair|chemo(?:therapy)?)|cancer|miscarriage|IVF|(?:the\s+)?only\s+"
            r"(?:Black|Asian|Muslim|Welsh[- ]speaking|disabled|deaf|gay|trans|woman|man)\b|"
            r"reasonable\s+adjustments?|access\s+to\s+work)",
            re.I,
        ),
        "Health, family or personal details, together with your workplace, can narrow down who you are.",
    ),
]
# Kinds that describe the writer; two or more together are the real risk.
PROFILE = frozenset({"service_length", "grade", "team_size", "unique_role", "personal"})
MAX_PER_KIND = 5


def find(text: str) -> list[Caution]:
    found: list[Caution] = []
    kinds: set[str] = set()
    for kind, pattern, message in RULES:
        for count, match in enumerate(pattern.finditer(text)):
            if count >= MAX_PER_KIND:
                break
            found.append(Caution(kind, message, match.start(), match.end()))
            kinds.add(kind)
    if len(kinds & PROFILE) >= 2:
        found.append(
            Caution(
                "combination",
                "Several of these details together could point to you. Consider making at least one "
                "of them vaguer.",
                None,
                None,
            )
        )
    return found
