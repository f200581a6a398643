"""Re-identification warnings: details that are not identifiers, but narrow down who wrote.

A grade, years of service, team size, a specialism or secondment, "the only ...", an exact
event, or a personal circumstance can each be shared by many people; together they can point at
one. The writer is warned in the preview, moderators in review. Nothing is struck for these:
the writer decides. Messages are calm and say what to consider, not what went wrong.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

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

# Events of the service's history that date when someone joined as well as a year does.
_ERA = (
    r"(?:the\s+)?(?:split|merger|unification|reunification|re-unification|TR|transforming\s+rehabilitation|"
    r"privatisation|CRCs?|NPS|covid|lockdown|pandemic|strike|restructure|new\s+model|OMiC)"
)
_SHIFT = r"(?:nights?|lates?|earlies|early|days|weekends?|twilights?|split|long\s+days?|nine[- ]to[- ]five)"

RULES: list[Rule] = [
    (
        "service_length",
        re.compile(
            rf"\b(?:for|after|over|nearly|almost|about|than)\s+{_NUMBER}\+?\s+years?\b"
            rf"|\b{_NUMBER}\+?\s+years?['’]?\s+(?:service|experience|qualified|served|"
            rf"(?:in|of|as|at|with|on)\b(?!\s+(?:age|prison|custody|jail)\b))"
            rf"|\b(?:qualified|joined|started|trained)\s+(?:\w+\s+){{0,3}}(?:in\s+)?(?:19|20)\d\d\b"
            rf"|\b(?:a|two|three|several)\s+decades?\b"
            # "since 2019", "since the split", "joined the year of the merger", "started just after TR"
            rf"|\b(?:since|from)\s+(?:(?:19|20)\d\d|{_ERA})\b"
            rf"|\b(?:joined|started|qualified|began|came\s+(?:over|in)|transferred|moved\s+over|signed\s+up)\b"
            rf"(?:\s+\w+){{0,4}}?\s+(?:in|the\s+year\s+of|just\s+(?:before|after)|before|after|during|when|at)\s+"
            rf"(?:(?:19|20)\d\d|{_ERA})\b"
            rf"|\b(?:my|our)\s+(?:first|second|third)\s+(?:year|week|month|day)\s+(?:was|in|at)\b",
            re.I,
        ),
        "How long you have worked in the service can narrow down who you are. A range such as "
        "'over ten years' is safer than an exact number.",
    ),
    (
        "grade",
        re.compile(
            rf"\b{_I_AM}\s*(?:newly\s+qualified\s+|senior\s+)?{_GRADE}\b|\b(?:band|grade|pay\s+band)\s*\d\b",
            re.I,
        ),
        "Your grade or role, with other details, can narrow down who you are.",
    ),
    (
        "workload",
        re.compile(
            r"\b\d{2,3}\s+(?:cases|live\s+cases|people|PoPs|service\s+users|clients|offenders)\b"
            r"|\b(?:caseload|case\s+load|workload)\s+(?:of|is|at|was|hit|sits\s+at)\s+(?:about\s+|over\s+|nearly\s+)?\d{2,3}\b"
            r"|\b(?:at|on|running\s+at|hit|over|nearly)\s+\d{2,3}\s?%"
            r"|\b\d{2,3}\s?%\s+(?:on\s+(?:the\s+)?)?(?:WMT|workload|capacity|caseload)",
            re.I,
        ),
        "An exact caseload or workload figure can be matched to you. A rounder figure or a range is safer.",
    ),
    (
        "shift",
        re.compile(
            rf"\b(?:on|work(?:ing|s)?|do(?:ing)?|covering)\s+(?:the\s+)?{_SHIFT}(?:\s+shifts?)?\b"
            rf"|\b(?:night|late|early|weekend|twilight|split|long)\s+shifts?\b"
            r"|\b[A-H]\s?(?:wing|landing)\b|\b(?:seg|segregation\s+unit|CSU|healthcare\s+wing|VP\s+wing|"
            r"induction\s+wing|first\s+night\s+centre|houseblock\s+\d)\b"
            r"|\b(?:duty\s+)?rota\b|\b\d\s+on\s+\d\s+off\b",
            re.I,
        ),
        "Your shifts, wing or place on the rota can be matched to who was working. Consider leaving "
        "them out or describing them more generally.",
    ),
    (
        "case_detail",
        re.compile(
            r"\b(?:the|his|her|their|a|my)\s+victims?\b|\bvictim['’]s\b"
            r"|\b(?:a|one|my|this|that)\s+(?:man|woman|lad|lass|guy|girl|boy|client|case|service\s+user|person|"
            r"young\s+person|PoP|prisoner|resident)\s+(?:on\s+my\s+caseload|(?:that\s+|who\s+)?I\s+"
            r"(?:supervise|supervised|manage|managed|work\s+with|worked\s+with)|of\s+mine)\b"
            r"|\b(?:sentenced\s+to|convicted\s+of|charged\s+with|recalled\s+for|released\s+(?:from|on)|"
            r"index\s+offence|MAPPA\s+level\s+\d|on\s+licence)\b",
            re.I,
        ),
        "Details about a person on probation or a victim (their offence, sentence, family or where they "
        "live) can identify them, and you through them. Consider leaving them out or making them general.",
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
PROFILE = frozenset({"service_length", "grade", "team_size", "unique_role", "personal", "workload", "shift"})
MAX_PER_KIND = 5


def find(text: str) -> list[Caution]:
    found: list[Caution] = []
    kinds: set[str] = set()
    for kind, pattern, message in RULES:
        for count, match in enumerate(pattern.finditer(text)):
            if count >= MAX_PER_KIND:
                break
            found.append(Caution(kind, message, match.start(), match.end(), match.group()))
            kinds.add(kind)
    if len(kinds & PROFILE) >= 2:
        found.append(Caution("combination", COMBINATION, None, None))
    return found


COMBINATION = (
    "Several of these details together could point to you. Consider making at least one of them vaguer."
)
OPEN, RESOLVED = "open", "resolved"


@dataclass(frozen=True)
class WarningCheck:
    """One warning re-checked against a draft: still open there, or resolved by the edits.
    `caution` is where it now stands in the draft when open (offsets into the draft), and the
    warning as it was when resolved. `new` marks a warning the draft raises that was not there
    before (a moderator's edit can add a detail too)."""

    caution: Caution
    status: str
    new: bool = False


def recheck(previous: Sequence[Caution], draft: str) -> list[WarningCheck]:
    """Re-check earlier warnings against the current draft. A warning stays open while the draft
    still holds the detail it quoted (same kind, same words, ignoring case and spacing); a warning
    with no quote (the combined one) stays open while the draft still raises one of its kind.
    Warnings the draft raises that match none of the earlier ones come last, marked new."""
    current = find(draft)
    unmatched = list(current)
    checks: list[WarningCheck] = []
    for old in previous:
        match = next((c for c in unmatched if _same(old, c)), None)
        if match is None:
            checks.append(WarningCheck(old, RESOLVED))
        else:
            unmatched.remove(match)
            checks.append(WarningCheck(match, OPEN))
    checks += [WarningCheck(c, OPEN, new=True) for c in unmatched]
    return checks


def _same(old: Caution, new: Caution) -> bool:
    if old.kind != new.kind:
        return False
    if old.quote is None or new.quote is None:
        return old.quote is None and new.quote is None
    return _normal(old.quote) == _normal(new.quote)


def _normal(quote: str) -> str:
    return " ".join(quote.lower().split())
