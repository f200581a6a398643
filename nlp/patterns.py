"""Exact patterns: contact details, identifiers and calendar dates.

These are found by rules, not the model, because a missed phone number or case reference is never
acceptable and their shapes are regular.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import phonenumbers

Found = tuple[int, int, str]  # start, end, kind

_MONTHS = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_DAYS = r"(?:mon(?:day)?|tue(?:s(?:day)?)?|wed(?:s|nesday)?|thu(?:r(?:s(?:day)?)?)?|fri(?:day)?|sat(?:urday)?|sun(?:day)?)"
_ORD = r"\d{1,2}(?:st|nd|rd|th)?"
_TIME_BEFORE = r"(?:\d{1,2}[:.]\d{2}\s*(?:am|pm)?\s*(?:on\s+)?|\d{1,2}\s*(?:am|pm)\s*(?:on\s+)?)?"
_TIME = r"(?:\s*(?:at|,)?\s*\d{1,2}(?:[:.]\d{2})?\s*(?:am|pm)|\s*(?:at|,)?\s*\d{1,2}:\d{2})"

CONTACT_PATTERNS = [
    # Each pattern that starts with a repeated class starts only where a run of that class starts
    # (the look-behind): otherwise every position inside a long run restarts the scan, and one
    # 20,000-character "word" costs tens of seconds (quadratic), an easy way to stall the site.
    re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.I),  # email
    re.compile(r"(?:https?://|www\.)[^\s<>\"')\]]+", re.I),  # URL
    # A web address without a scheme that points at a page, e.g. instagram.com/someone.
    re.compile(
        r"(?<![\w.-])\b[\w-]+(?:\.[\w-]+)*\.(?:com|co\.uk|org|org\.uk|net|uk|io|me|ly|tv|social)/[^\s<>\"')\]]+",
        re.I,
    ),
    re.compile(r"(?<![\w@.])@[A-Za-z0-9_]{2,30}\b"),  # social handle
    re.compile(r"(?<![\w/])u/[A-Za-z0-9_-]{3,}"),  # Reddit user
    # Addresses spelt out to dodge scrapers: "jo.bloggs [at] gmail [dot] com".
    re.compile(
        r"(?<![\w.+-])[\w.+-]+\s*(?:\[at\]|\(at\)|\{at\}|\bat\b)\s*[\w-]+(?:\s*(?:\[dot\]|\(dot\)|\{dot\}|\bdot\b)\s*[\w-]+)+",
        re.I,
    ),
    # Telephone extensions: "ext. 4421", "extension 4421".
    re.compile(r"\b(?:ext|extn|extension)\.?\s*\d{3,6}\b", re.I),
]
# Bare web addresses ("tiredpo.wordpress.com"); public bodies' and the press's own sites stay.
BARE_DOMAIN = re.compile(
    r"(?<![\w@.-])(?:[a-z0-9-]+\.)+(?:com|co\.uk|org|org\.uk|net|uk|io|me|blog|info|social)\b(?![\w@-]|\.\w)",
    re.I,
)
PUBLIC_DOMAINS = (
    "gov.uk",
    "nhs.uk",
    "parliament.uk",
    "police.uk",
    "ac.uk",
    "bbc.co.uk",
    "bbc.com",
    "theguardian.com",
    "napo.org.uk",
    "unison.org.uk",
    "gmb.org.uk",
    "justiceinspectorates.gov.uk",
    "insidetime.org",
    "gmail.com",
    "outlook.com",
    "hotmail.com",
    "yahoo.com",
    "icloud.com",
)

ID_PATTERNS = [
    # National Insurance number: two letters, six digits, one letter A-D.
    # Any two letters: people write example-looking numbers (QQ...) that still identify.
    re.compile(r"\b[A-Z]{2} ?\d{2} ?\d{2} ?\d{2} ?[A-D]\b", re.I),
    # nDelius case reference number (CRN): a letter and six digits, often typed with spaces.
    re.compile(r"\b[A-Z] ?\d{3} ?\d{3}\b", re.I),
    # Prison number: a letter, four digits, two letters.
    re.compile(r"\b[A-Z] ?\d{4} ?[A-Z]{2}\b", re.I),
    # UK vehicle registrations: current (AB12 CDE), prefix (R123 ABC) and suffix (ABC 123D) styles.
    re.compile(r"\b[A-Z]{2} ?\d{2} ?[A-Z]{3}\b"),
    # Typed in lowercase ("lc19 xrm") only without a space after the letters, so that "is 25 the"
    # is not read as a registration.
    re.compile(r"\b[A-Z]{2}\d{2} ?[A-Z]{3}\b", re.I),
    re.compile(r"\b[A-Z]\d{1,3} ?[A-Z]{3}\b"),
    re.compile(r"\b[A-Z]{3} ?\d{1,3} ?[A-Z]\b"),
    # Codes mixing letters and at least four digits ("RSW-2291-44", "INC0012345", "12/345678A"):
    # in testimony these are incident, case and ticket references, not ordinary words.
    # The look-aheads are bounded: unbounded, each of them rescans a long run from every word
    # boundary inside it ("A/A/A/...": quadratic, seconds per thousand characters).
    re.compile(r"\b(?=(?:[A-Z/-]{0,30}\d){4})(?=[\d/-]{0,30}[A-Z])[A-Z0-9]+(?:[/-][A-Z0-9]+)*\b", re.I),
    # Postcodes: SW1A 1AA, M1 1AE, LS1 4DY.
    re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}\b", re.I),
    # Numbers introduced as staff, payroll, case or other references (group 1 is the number).
    re.compile(
        r"\b(?:staff|payroll|employee|personnel|warrant|badge|case|crn|ref|reference|pnc|"
        r"prison|prisoner|nomis|id|ticket|incident|ir|sir|log|file|complaint|claim|order|docket|"
        r"number|no\.|num)(?:\s*(?:no\.?|number|num|#|ref|id))?\s*[:#]?\s*"
        r"((?=[A-Z0-9/-]{0,40}\d)[A-Z0-9][A-Z0-9/-]{3,})",
        re.I,
    ),
]

DATE_PATTERNS = [
    re.compile(
        rf"\b{_TIME_BEFORE}(?:{_DAYS},?\s+)?(?:the\s+)?{_ORD}\s+(?:of\s+)?{_MONTHS}\.?(?:,?\s+\d{{4}})?{_TIME}?\b",
        re.I,
    ),
    re.compile(rf"\b(?:{_DAYS},?\s+)?{_MONTHS}\.?\s+{_ORD}(?:,?\s+\d{{4}})?{_TIME}?\b", re.I),
    re.compile(rf"\b\d{{1,2}}[/.-]\d{{1,2}}[/.-](?:\d{{4}}|\d{{2}})\b{_TIME}?", re.I),
    re.compile(r"\b\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2})?)?\b"),
    # A day name with a day/month and no year: "Tues 14/5", "Friday 3.11".
    re.compile(rf"\b{_DAYS}\.?,?\s+(?:the\s+)?\d{{1,2}}[/.]\d{{1,2}}\b{_TIME}?", re.I),
]


def find(text: str) -> Iterator[Found]:
    for pattern in CONTACT_PATTERNS:
        for match in pattern.finditer(text):
            end = match.end()
            while end > match.start() and text[end - 1] in ".,;:!?":
                end -= 1  # a sentence's full stop is not part of the address
            yield match.start(), end, "CONTACT"
    for match in BARE_DOMAIN.finditer(text):
        if not match.group().lower().endswith(PUBLIC_DOMAINS):
            yield match.start(), match.end(), "CONTACT"
    yield from _phones(text)
    yield from _long_numbers(text)
    for pattern in ID_PATTERNS:
        group = 1 if pattern.groups else 0
        for match in pattern.finditer(text):
            yield match.start(group), match.end(group), "ID"
    for pattern in DATE_PATTERNS:
        for match in pattern.finditer(text):
            yield match.start(), match.end(), "DATE"


# Digit groups split by single spaces; money and decimals are excluded by the look-arounds.
_DIGIT_RUN = re.compile(r"(?<![\d£$€.,])\d+(?: \d+)*(?![\d%]|[.,]\d)")


def _long_numbers(text: str) -> Iterator[Found]:
    """Six or more digits in a run: in testimony, long numbers are references (staff, payroll,
    case), while quantities are short or written with commas."""
    for match in _DIGIT_RUN.finditer(text):
        if sum(ch.isdigit() for ch in match.group()) >= 6:
            yield match.start(), match.end(), "ID"


def _phones(text: str) -> Iterator[Found]:
    # Leniency.POSSIBLE accepts numbers that look right even if the range is unallocated:
    # an invented-but-plausible number still identifies someone in the reader's mind.
    for match in phonenumbers.PhoneNumberMatcher(text, "GB", leniency=phonenumbers.Leniency.POSSIBLE):
        # UK numbers have 10 or 11 digits (more with +44); shorter runs are years or counts.
        if sum(ch.isdigit() for ch in match.raw_string) >= 10:
            yield match.start, match.end, "CONTACT"
