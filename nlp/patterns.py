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
# A time after a date: "at 3pm", ", 14:00", "@ 9.30", "16:47".
_TIME = r"(?:\s*(?:at|,|@)?\s*\d{1,2}(?:[:.]\d{2})?\s*(?:am|pm)|\s*(?:at|,|@)?\s*\d{1,2}:\d{2}|\s*(?:@|at)\s*\d{1,2}[.]\d{2})"
# Ordinals spelt out, as people write dates in prose: "the twenty-first of June".
_WORD_ORD = (
    r"(?:(?:twenty|thirty)[- ]?(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth)|first|second|"
    r"third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|twelfth|thirteenth|fourteenth|fifteenth|"
    r"sixteenth|seventeenth|eighteenth|nineteenth|twentieth|thirtieth)"
)
# Welsh dates: "Dydd Gwener 14 Mawrth", "3 Mawrth 2025" (a month alone, "ym mis Mai", is vague).
_WELSH_MONTHS = r"(?:Ionawr|Chwefror|Mawrth|Ebrill|Mai|Mehefin|Gorffennaf|Awst|Medi|Hydref|Tachwedd|Rhagfyr)"
_WELSH_DAYS = (
    r"(?:[Dd]ydd\s+(?:Llun|Mawrth|Mercher|Iau|Gwener|Sadwrn|Sul|llun|mawrth|mercher|iau|gwener|sadwrn|sul))"
)
# Welsh ordinals: 1af, 2il, 3ydd, 4ydd, 5ed, 6ed, 15fed, 21ain.
_WELSH_ORD = r"\d{1,2}(?:af|ain|il|ydd|ed|fed|eg)"
# Days of the year named by a holiday; with a year they are one exact date ("boxing day 2021").
_HOLIDAY = (
    r"(?:christmas(?:\s+(?:eve|day))?|boxing\s+day|new\s+year'?s?(?:\s+(?:eve|day))?|hogmanay|"
    r"bonfire\s+night|guy\s+fawkes\s+night|halloween|hallowe'en|valentine'?s\s+day|good\s+friday|"
    r"easter\s+(?:sunday|monday|day)|burns\s+night|st\.?\s+(?:patrick|david|andrew|george)'?s\s+day|"
    r"may\s+day|remembrance\s+(?:sunday|day)|mother'?s\s+day|father'?s\s+day|armistice\s+day)"
)
# A day and month with no year ("on 5/4", "w/c 13/05") reads as a date only after a word that
# introduces one, or inside a range; "24/7" and "3/4 of the team" stay.
_DAY_MONTH = r"(?:0?[1-9]|[12]\d|3[01])/(?:0?[1-9]|1[0-2])(?![/\d])"
_DATE_CUE = (
    r"(?:on|w/c|wc|w/b|from|until|till|by|dated|due|since|before|after|of|for|starting|ending|between)"
)
# After "3/4" or "2/3" these make it a share, not a date: "3/4 of the team", "7/10 days".
_NOT_DAY_MONTH_AFTER = (
    r"of|th|ths|rds|days?|hrs?|hours?|weeks?|months?|years?|staff|cases|people|marks?|points?|"
    r"stars?|split|ratio|rule|service|cover|support|access|working|shifts?"
)
# Words that follow an ordinal when it is not a day of the month: "the 3rd time", "the 14th floor".
_NOT_A_DAY = (
    r"(?:century|centuries|floor|time|times|place|anniversary|percentile|round|attempt|go|try|person|"
    r"one|ones|case|week|month|year|day|birthday|hole|minute|man|woman|officer|member|wave|draft|version|"
    r"edition|amendment|item|point|row|wing|landing|cell|grade|band|tier|level|step|stage|lesson|session)"
)

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
    # Social handles, dots included ("@name.bakes.cakes"); a handle has a letter, so "@ 14:00"
    # and "@9.30" (times) are not handles.
    # Any other web address with a path: "linktr.ee/someone", "ko-fi.com/someone".
    re.compile(r"(?<![\w@./-])[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,6}/[\w@.%~+-]+[\w/]*", re.I),
    re.compile(
        r"(?<![\w@.])@(?=[A-Za-z0-9_.]{0,30}[A-Za-z])[A-Za-z0-9_](?:[A-Za-z0-9_.]{0,29}[A-Za-z0-9_])?"
    ),
    re.compile(r"(?<![\w/])u/[A-Za-z0-9_-]{3,}"),  # Reddit user
    # Addresses spelt out to dodge scrapers: "jo.bloggs [at] gmail [dot] com".
    re.compile(
        r"(?<![\w.+-])[\w.+-]+\s*(?:\[at\]|\(at\)|\{at\}|\bat\b)\s*[\w-]+(?:\s*(?:\[dot\]|\(dot\)|\{dot\}|\bdot\b)\s*[\w-]+)+",
        re.I,
    ),
    # Spelt out in words, the name's dots too: "jo dot bloggs at justice dot gov dot uk". The
    # address ends in a known domain ending, so "at work dot" in a sentence is not one.
    re.compile(
        r"(?<![\w.+-])[\w+-]+(?:\s*(?:\.|\bdot\b)\s*[\w+-]+)*\s+(?:at|\[at\]|\(at\))\s+[\w-]+"
        r"(?:\s+(?:dot|\[dot\]|\(dot\))\s+[\w-]+)*\s+(?:dot|\[dot\]|\(dot\))\s+"
        r"(?:com|uk|org|net|io|me|gov|ac|co|info|biz|scot|wales|cymru|ie|eu)\b",
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
EMAIL_PROVIDERS = ("gmail.com", "outlook.com", "hotmail.com", "yahoo.com", "icloud.com")

ID_PATTERNS = [
    # National Insurance number: two letters, six digits, one letter A-D.
    # Any two letters: people write example-looking numbers (QQ...) that still identify.
    # The last letter is A-D on real cards, but people mistype it; any letter counts.
    re.compile(r"\b[A-Z]{2} ?\d{2} ?\d{2} ?\d{2} ?[A-Z]\b", re.I),
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
    # Northern Irish registrations: three letters, one of them I or Z, and up to four digits
    # ("KKZ 4812", "AIJ 123"). Three or more digits, so "ITV 2" stays.
    re.compile(r"\b(?=[A-Z]{0,2}[IZ])[A-Z]{3} ?\d{3,4}\b"),
    # Codes mixing letters and at least four digits ("RSW-2291-44", "INC0012345", "12/345678A"):
    # in testimony these are incident, case and ticket references, not ordinary words.
    # The look-aheads are bounded: unbounded, each of them rescans a long run from every word
    # boundary inside it ("A/A/A/...": quadratic, seconds per thousand characters).
    re.compile(r"\b(?=(?:[A-Z/-]{0,30}\d){4})(?=[\d/-]{0,30}[A-Z])[A-Z0-9]+(?:[/-][A-Z0-9]+)*\b", re.I),
    # Numbers introduced as staff, payroll, case or other references (group 1 is the number).
    re.compile(
        r"\b(?:staff|payroll|employee|personnel|warrant|badge|collar|shoulder|epaulette|case|crn|ref|reference|pnc|"
        r"prison|prisoner|nomis|id|ticket|incident|ir|sir|log|file|complaint|claim|order|docket|"
        r"number|no\.|num)(?:\s*(?:no\.?|number|num|#|ref|id))?\s*[:#]?\s*"
        r"((?=[A-Z0-9/-]{0,40}\d)[A-Z0-9][A-Z0-9/-]{3,})",
        re.I,
    ),
]

# Police collar and shoulder numbers with a force's letters: "collar LE 4471".
ID_PATTERNS.append(
    re.compile(
        r"\b(?:collar|shoulder|epaulette|badge)\s*(?:no\.?|number|#)?\s*:?\s*([A-Z]{1,3}\s?\d{2,6})\b", re.I
    )
)

# Postcodes: SW1A 1AA, M1 1AE, LS1 4DY. A postcode is a place (shown as [place]), found by its
# exact shape like a reference.
POSTCODE = re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}\b", re.I)

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
    # A day name with a day of the month: "thurs 9th", "Friday the 3rd", "weds 4th".
    re.compile(rf"\b{_DAYS}\.?,?\s+(?:the\s+)?\d{{1,2}}(?:st|nd|rd|th)\b{_TIME}?", re.I),
    # A range of days in one month: "19-23 Aug", "5th - 9th June".
    re.compile(rf"\b{_ORD}\s*(?:-|–|to)\s*{_ORD}\s+(?:of\s+)?{_MONTHS}\b\.?(?:,?\s+\d{{4}})?", re.I),
    # Spelt out: "the twenty-first of June", "first of April 2019", "June the first".
    re.compile(rf"\b(?:the\s+)?{_WORD_ORD}\s+of\s+{_MONTHS}\b(?:,?\s+\d{{4}})?", re.I),
    re.compile(rf"\b{_MONTHS}\s+the\s+(?:{_WORD_ORD}|{_ORD})\b(?:,?\s+\d{{4}})?", re.I),
    # A holiday with a year: "boxing day 2021", "Christmas Eve 2020".
    re.compile(rf"\b{_HOLIDAY}\s+(?:of\s+)?(?:19|20)\d\d\b", re.I),
    # Day and month only, after a word that introduces a date: "on 5/4", "w/c 13/05".
    re.compile(rf"\b{_DATE_CUE}\s+({_DAY_MONTH}{_TIME}?)", re.I),
    re.compile(rf"\b{_DAY_MONTH}\s*(?:-|–|to|until|till)\s*{_DAY_MONTH}", re.I),
    # A day of the month on its own: "on the 14th", "back on the 23rd", "the 19th at 10.30".
    re.compile(
        rf"(?<=\bthe\s)(?:[1-9]|[12]\d|3[01])(?:st|nd|rd|th)\b(?!\s*(?:-\s*)?{_NOT_A_DAY}\b){_TIME}?", re.I
    ),
    re.compile(
        rf"(?:\b{_WELSH_DAYS},?\s+)?\b\d{{1,2}}(?:af|ain|il|ed|fed|ydd|eg)?\s+(?i:{_WELSH_MONTHS})\b(?:\s+\d{{4}})?{_TIME}?"
    ),
    # A Welsh weekday with an ordinal: "dydd Gwener 15fed".
    re.compile(rf"\b{_WELSH_DAYS}\s+{_WELSH_ORD}\b"),
    # A day and month in a log or list line with no cue word ("callout 18/01", "seen 10/3"): a
    # valid day and month, not a score, a share or "24/7".
    re.compile(rf"(?<![\w/.£$-])(?!24/7\b){_DAY_MONTH}(?!\s*(?:{_NOT_DAY_MONTH_AFTER})\b)(?![.,]\d){_TIME}?"),
]
# Two dates joined by "to", "until" or a dash are one range ("5th Aug to 16th Aug").
_RANGE_JOIN = re.compile(r"\s*(?:-|–|—|to|until|till|and)\s*", re.I)


# Links to public bodies' and the press's pages point at an article, not at a person: kept.
PUBLIC_HOSTS = (
    *tuple(d for d in PUBLIC_DOMAINS if d not in EMAIL_PROVIDERS),
    "independent.co.uk",
    "telegraph.co.uk",
    "thetimes.co.uk",
    "thetimes.com",
    "dailymail.co.uk",
    "mirror.co.uk",
    "ft.com",
    "itv.com",
    "news.sky.com",
    "channel4.com",
    "theconversation.com",
    "prisonreformtrust.org.uk",
    "howardleague.org",
    "clinks.org",
    "inquest.org.uk",
    "instituteforgovernment.org.uk",
    "nao.org.uk",
    "legislation.gov.uk",
    "theyworkforyou.com",
    "hansard.parliament.uk",
)
_HOST = re.compile(r"^(?:https?://)?(?:www\.)?([^/\s?#]+)", re.I)


def _public_link(address: str) -> bool:
    host = _HOST.match(address)
    if host is None or "@" in address.split("/")[0]:
        return False
    name = host.group(1).lower()
    return any(name == d or name.endswith("." + d) for d in PUBLIC_HOSTS)


def find(text: str) -> Iterator[Found]:
    for pattern in CONTACT_PATTERNS:
        for match in pattern.finditer(text):
            end = match.end()
            while end > match.start() and text[end - 1] in ".,;:!?":
                end -= 1  # a sentence's full stop is not part of the address
            if "/" in match.group() and _public_link(text[match.start() : end]):
                continue
            yield match.start(), end, "CONTACT"
    for match in BARE_DOMAIN.finditer(text):
        if not match.group().lower().endswith(PUBLIC_DOMAINS):
            yield match.start(), match.end(), "CONTACT"
    yield from _phones(text)
    yield from _short_plates(text)
    for match in POSTCODE.finditer(text):
        yield match.start(), match.end(), "PLACE"
    yield from _long_numbers(text)
    for pattern in ID_PATTERNS:
        group = 1 if pattern.groups else 0
        for match in pattern.finditer(text):
            yield match.start(group), match.end(group), "ID"
    yield from _dates(text)


def _dates(text: str) -> Iterator[Found]:
    found: list[tuple[int, int]] = []
    for pattern in DATE_PATTERNS:
        group = 1 if pattern.groups else 0
        for match in pattern.finditer(text):
            found.append((match.start(group), match.end(group)))
    joined: list[tuple[int, int]] = []
    for start, end in sorted(found):
        if joined and (start <= joined[-1][1] or _RANGE_JOIN.fullmatch(text[joined[-1][1] : start])):
            joined[-1] = (joined[-1][0], max(end, joined[-1][1]))
        else:
            joined.append((start, end))
    for start, end in joined:
        yield start, end, "DATE"


def find_exact(text: str) -> list[Found]:
    """Every exact hit, with references and numbers that lie inside a date dropped: the digits
    of "Tuesday, 12 March 2024 16:47" are the date, not a reference."""
    hits = list(find(text))
    # Dates, and links to public pages (kept), hold digits that are not references.
    covering = [(s, e) for s, e, k in hits if k == "DATE"] + _public_link_ranges(text)
    return [(s, e, k) for s, e, k in hits if k != "ID" or not any(ds <= s and e <= de for ds, de in covering)]


def _public_link_ranges(text: str) -> list[tuple[int, int]]:
    ranges: list[tuple[int, int]] = []
    for pattern in CONTACT_PATTERNS[1:3]:  # addresses with a scheme, and without one
        for match in pattern.finditer(text):
            if _public_link(match.group()):
                ranges.append((match.start(), match.end()))
    return ranges


# Digit groups split by single spaces; money and decimals are excluded by the look-arounds.
# Digit groups split by single spaces or hyphens ("88-13-552"); money and decimals are excluded
# by the look-arounds.
_DIGIT_RUN = re.compile(r"(?<![\d£$€.,])\d+(?:[ -]\d+)*(?![\d%]|[.,]\d)")
# Years and spans of years ("2019-2023", "2020-21") are not references.
_YEARS = re.compile(r"(?:19|20)\d\d(?:\s*-\s*(?:(?:19|20)?\d\d))?")


def _long_numbers(text: str) -> Iterator[Found]:
    """Six or more digits in a run: in testimony, long numbers are references (staff, payroll,
    case), while quantities are short or written with commas."""
    for match in _DIGIT_RUN.finditer(text):
        if _YEARS.fullmatch(match.group()):
            continue
        if sum(ch.isdigit() for ch in match.group()) >= 6:
            yield match.start(), match.end(), "ID"


# A Northern Irish plate with one or two digits ("GFZ 88") only near a word about a vehicle.
_SHORT_PLATE = re.compile(r"\b(?=[A-Z]{0,2}[IZ])[A-Z]{3} ?\d{1,2}\b")
_VEHICLE = re.compile(r"\b(?:car|cars|van|reg|plate|plates|registration|vehicle|motor|taxi)\b", re.I)


def _short_plates(text: str) -> Iterator[Found]:
    for match in _SHORT_PLATE.finditer(text):
        if _VEHICLE.search(text[max(0, match.start() - 40) : match.end() + 20]):
            yield match.start(), match.end(), "ID"


def _phones(text: str) -> Iterator[Found]:
    # Leniency.POSSIBLE accepts numbers that look right even if the range is unallocated:
    # an invented-but-plausible number still identifies someone in the reader's mind.
    for match in phonenumbers.PhoneNumberMatcher(text, "GB", leniency=phonenumbers.Leniency.POSSIBLE):
        # UK numbers have 10 or 11 digits (more with +44); shorter runs are years or counts.
        if sum(ch.isdigit() for ch in match.raw_string) >= 10:
            yield match.start, match.end, "CONTACT"
