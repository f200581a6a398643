"""How many people could this be? A rough crowd size for the details a text gives (issue 15).

From the grade, region and length of service a text mentions, estimate how many staff share all
of them, using the figures HM Prison and Probation Service publishes in its workforce quarterly
statistics (testimony/data/workforce.json names the publication and quarter). Only the staff
numbers come from the publication; how staff divide by region, by length of service and by
workplace are our stated assumptions, each a low and a high share, so the answer is a range:

    low  = staff in the group x the low share of every detail
    high = staff in the group x the high share of every detail

It is read from the text as it would be published (after the redactor has struck names and
places), and it is never a guarantee: people who know the writer may need far fewer clues.
The numbers are rounded outwards, so the range shown always contains the computed one.
"""

from __future__ import annotations

import functools
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DATA = Path(__file__).with_name("data") / "workforce.json"

_NUMBER_WORDS = {
    "a": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
    "twenty": 20,
    "thirty": 30,
}
_N = r"(\d{1,2}|" + "|".join(sorted(_NUMBER_WORDS, key=len, reverse=True)) + r")"
# "12 years", "10-15 years", "10 to 15 years", "over 20 years", "a decade", "two decades".
_YEARS = re.compile(rf"\b{_N}(?:\s*(?:-|–|to)\s*{_N})?\s*\+?\s*years?\b", re.I)
_DECADES = re.compile(rf"\b{_N}\s+decades?\b", re.I)


@dataclass(frozen=True)
class Share:
    low: float
    high: float


@dataclass(frozen=True)
class Detail:
    """One detail found in the text and the share of staff assumed to share it."""

    kind: str  # "region", "service_length" or "workplace"
    said: str  # how it is named in the estimate ("Wales", "10 to 15 years' service")
    share: Share


@dataclass(frozen=True)
class Estimate:
    group: str  # whom the figures count ("probation officers (band 4)")
    staff: int  # how many of them the publication counts (FTE)
    details: list[Detail]
    low: float  # before rounding
    high: float
    workplace_low: float  # the same, had the text named the writer's workplace
    workplace_high: float
    workplace_word: str  # "office" or "prison"
    source: str
    quarter: str
    assumptions: list[str] = field(default_factory=list)

    @property
    def shown(self) -> tuple[int, int]:
        return rounded(self.low, self.high)

    @property
    def workplace_shown(self) -> tuple[int, int]:
        return rounded(self.workplace_low, self.workplace_high)

    def described(self) -> str:
        """What the estimate is about: "probation officers (band 4), Wales, 10 to 15 years' service"."""
        return ", ".join([self.group, *(d.said for d in self.details if d.kind != "workplace")])


@dataclass(frozen=True)
class _Group:
    key: str
    name: str
    service: str
    fte: int
    patterns: tuple[re.Pattern[str], ...]


@dataclass(frozen=True)
class Workforce:
    source: str
    quarter: str
    groups: tuple[_Group, ...]
    services: dict[str, tuple[re.Pattern[str], ...]]
    regions: tuple[tuple[str, Share, tuple[str, ...]], ...]
    service_bands: tuple[tuple[int, int | None, Share], ...]
    workplaces: dict[str, tuple[Share, str]]
    assumptions: tuple[str, ...]


def _compile(patterns: list[str]) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(p, re.I) for p in patterns)


def parse(raw: dict[str, Any]) -> Workforce:
    source = raw["source"]
    assumed = raw["assumptions"]
    groups = tuple(
        _Group(key, g["name"], g["service"], int(g["fte"]), _compile(g.get("patterns", [])))
        for key, g in raw["groups"].items()
    )
    return Workforce(
        source=f"{source['publication']} ({source['publisher']}, published {source['published']})",
        quarter=source["quarter"],
        groups=groups,
        services={name: _compile(p) for name, p in raw["service_patterns"].items()},
        regions=tuple(
            (r["name"], Share(r["low"], r["high"]), tuple(r["places"])) for r in assumed["regions"]["list"]
        ),
        service_bands=tuple(
            (b["from"], b["to"], Share(b["low"], b["high"])) for b in assumed["length_of_service"]["bands"]
        ),
        workplaces={
            service: (Share(w["low"], w["high"]), w["word"])
            for service, w in assumed["workplace"].items()
            if service != "about"
        },
        assumptions=(
            assumed["fte_as_people"],
            assumed["regions"]["about"],
            assumed["length_of_service"]["about"],
            assumed["workplace"]["about"],
        ),
    )


@functools.cache
def workforce() -> Workforce:
    return parse(json.loads(DATA.read_text(encoding="utf-8")))


def _hits(patterns: tuple[re.Pattern[str], ...], text: str) -> int:
    return sum(len(p.findall(text)) for p in patterns)


def _service(text: str, data: Workforce) -> str | None:
    """Prison or probation, by which the text speaks of more (a tie says nothing)."""
    scores = {
        name: _hits(patterns, text) + sum(_hits(g.patterns, text) for g in data.groups if g.service == name)
        for name, patterns in data.services.items()
    }
    best = max(scores.values(), default=0)
    leaders = [name for name, score in scores.items() if score == best]
    return leaders[0] if best > 0 and len(leaders) == 1 else None


def _group(text: str, service: str | None, data: Workforce) -> _Group | None:
    """The narrowest group the text names, within its service: a grade, else the whole service."""
    candidates = [g for g in data.groups if g.patterns and (service is None or g.service == service)]
    matching = [g for g in candidates if _hits(g.patterns, text)]
    if service is None:
        services = {g.service for g in matching}
        if len(services) != 1:
            return None
        service = services.pop()
    if matching:
        # The grade named most often; "band 4" counts for a PO in probation, an officer in prison.
        return max(matching, key=lambda g: _hits(g.patterns, text))
    return next((g for g in data.groups if g.service == service and not g.patterns), None)


def _region(text: str, data: Workforce) -> Detail | None:
    found: list[tuple[int, str, Share]] = []
    for name, share, places in data.regions:
        for place in places:
            match = re.search(rf"\b{re.escape(place)}\b", text, re.I)
            if match:
                found.append((match.start(), name, share))
    if not found:
        return None
    _, name, share = min(found)
    return Detail("region", name, share)


def _years(word: str) -> int:
    return int(word) if word.isdigit() else _NUMBER_WORDS[word.lower()]


def _service_length(text: str, data: Workforce) -> Detail | None:
    match = _YEARS.search(text)
    if match:
        first = _years(match.group(1))
        last = _years(match.group(2)) if match.group(2) else first
    elif decades := _DECADES.search(text):
        first = last = 10 * _years(decades.group(1))
    else:
        return None
    first, last = min(first, last), max(first, last)
    low = high = 0.0
    for start, end, share in data.service_bands:
        # A band counts when the years said fall in it: [start, end), the last band open-ended.
        if first < (end if end is not None else math.inf) and last >= start:
            low, high = low + share.low, high + share.high
    if high == 0:
        return None
    said = f"{first} years' service" if first == last else f"{first} to {last} years' service"
    return Detail("service_length", said, Share(min(low, 1.0), min(high, 1.0)))


def estimate(text: str, data: Workforce | None = None) -> Estimate | None:
    """The crowd size for what `text` (as it would be published) says about its writer, or None
    when it says too little to estimate (no grade, region or length of service, or not which
    service)."""
    data = data or workforce()
    service = _service(text, data)
    group = _group(text, service, data)
    if group is None:
        return None
    details = [d for d in (_region(text, data), _service_length(text, data)) if d is not None]
    named_grade = bool(group.patterns)
    if not details and not named_grade:
        return None  # "someone in probation" is twenty thousand people: nothing to say
    low = group.fte * math.prod(d.share.low for d in details)
    high = group.fte * math.prod(d.share.high for d in details)
    place, word = data.workplaces[group.service]
    # A workplace takes the place of the region (it is in one), and keeps the rest.
    rest = [d for d in details if d.kind != "region"]
    workplace_low = group.fte * place.low * math.prod(d.share.low for d in rest)
    workplace_high = group.fte * place.high * math.prod(d.share.high for d in rest)
    return Estimate(
        group=group.name,
        staff=group.fte,
        details=details,
        low=low,
        high=high,
        workplace_low=workplace_low,
        workplace_high=workplace_high,
        workplace_word=word,
        source=data.source,
        quarter=data.quarter,
        assumptions=list(data.assumptions),
    )


def _nice(value: float, up: bool) -> int:
    """Round outwards to a number people read easily: units below 20, fives below 100, tens
    below 1,000, then two significant figures."""
    step = (
        1 if value < 20 else 5 if value < 100 else 10 if value < 1000 else 10 ** (int(math.log10(value)) - 1)
    )
    return int((math.ceil if up else math.floor)(value / step) * step)


def rounded(low: float, high: float) -> tuple[int, int]:
    return _nice(low, up=False), max(_nice(high, up=True), 1)
