"""Re-identification warnings: details that are not identifiers, but narrow down who wrote.

A grade, years of service, team size, a specialism or secondment, "the only ...", or an exact
event can each be shared by many people; together they can point at one. The writer is warned in
the preview, moderators in review. Nothing is struck for these: the writer decides.
"""

from __future__ import annotations

import re

from nlp.spans import Caution

_NUMBER = r"(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty)"

RULES: list[tuple[str, re.Pattern[str], str]] = [
    (
        "service_length",
        re.compile(
            rf"\b{_NUMBER}\+?\s+years?\b(?=[^.]*\b(?:service|experience|qualified|in the job|in probation|in the service|worked|working|career|employed|here)\b)|\b(?:qualified|joined|started)\s+(?:in\s+)?(?:19|20)\d\d\b",
            re.I,
        ),
        "How long you have worked in the service can narrow down who you are.",
    ),
    (
        "grade",
        re.compile(
            r"\b(?:band\s*\d|grade\s*\d|PSO|SPO|senior probation officer|probation services? officer|custodial manager|OSG|PQiP|head of (?:unit|service|delivery))\b",
            re.I,
        ),
        "Your grade or role, with other details, can narrow down who you are.",
    ),
    (
        "team_size",
        re.compile(
            rf"\b(?:team|office|unit|wing) of {_NUMBER}\b|\b{_NUMBER} (?:of us|staff|officers|colleagues|people|POs|PSOs) (?:in|on) (?:my|our|the) (?:team|office|unit|wing)\b",
            re.I,
        ),
        "The size of your team can narrow down where you work.",
    ),
    (
        "unique_role",
        re.compile(
            r"\b(?:the only|only one of|sole|seconded|secondment|specialist (?:role|post|worker)|lead for|my specialism)\b",
            re.I,
        ),
        "Being the only person, or one of few, in a role or situation can identify you.",
    ),
    (
        "exact_event",
        re.compile(
            r"\b(?:the day (?:that|when)|on the night|the incident (?:on|at|when)|last (?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)|yesterday|this morning)\b",
            re.I,
        ),
        "An exact event or moment can be matched to who was there.",
    ),
]


def find(text: str) -> list[Caution]:
    found: list[Caution] = []
    seen: set[str] = set()
    for kind, pattern, message in RULES:
        match = pattern.search(text)
        if match:
            found.append(Caution(kind, message, match.start(), match.end()))
            seen.add(kind)
    if len(seen & {"service_length", "grade", "team_size", "unique_role"}) >= 2:
        found.append(
            Caution(
                "combination",
                "Several of these details together could point to you. Consider making at least one of them vaguer.",
                None,
                None,
            )
        )
    return found
