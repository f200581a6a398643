"""Context rules: names and places the statistical model misses, found by the words around them.

Probation and prison testimony names people by role ("my SPO Dave", "Mr Patel") and places by
institution ("HMP Wandsworth", "Leeds Crown Court", "the Elm Road office"). These cues are
general, so they hold for names the rules have never seen, including lowercase names and names
that are ordinary words ("my manager Rose", "PO grace").
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from spacy.language import Language

from nlp import lexicon

Found = tuple[int, int, str]

# A capitalised name, with the shapes of Irish, Scottish and other names: "O'Dowd", "D'Souza",
# "McAllister", "MacLeod", "NicLeòid", "Aldous-Barr".
_NAME = r"(?:[A-Z][a-z]*['’][A-Z][a-zà-ÿ]+|Ma?c[A-Z][a-zà-ÿ]+|Nic[A-Z][a-zà-ÿ]+|[A-Z][a-zà-ÿ]+(?:[-'][A-Z]?[a-zà-ÿ]+)?)"
_NAMES = rf"{_NAME}(?:[ \t]+{_NAME}){{0,2}}"
_ANYCASE_NAME = r"[A-Za-z][a-z]+(?:[-'][A-Za-z]?[a-z]+)?"

# The title is struck with the name: "DS Penrose" is as identifying as "Penrose".
# Initials count as the name after a title: "Mr K", "Mrs T", "Mr D Salmon", "Ms S. Fletcher".
_INITIALS_THEN_NAME = rf"(?:[A-Z]\.?[ \t]*){{1,3}}(?:{_NAME}\b)?(?![a-z])"
TITLE = re.compile(
    rf"\b((?:Mr|Mrs|Ms|Miss|Mx|Pani|Pan|Dr|Rev|Cllr|Judge|HHJ|DS|DC|DI|DCI|PC|PCSO|Sgt|Insp)\.?[ \t]+"
    rf"(?:{_NAMES}|{_INITIALS_THEN_NAME}))"
)
# Typed in lowercase: "mr k", "mrs obi". The word after must be an initial or no English word
# (checked in find()), so "mr nice guy" stays.
LOWER_TITLE = re.compile(r"\b((?:mr|mrs|ms|miss)\.?[ \t]+([a-z][a-z'’-]*))\b")
# An initial and a surname: "R. Lake", "K. Banks".
INITIAL_SURNAME = re.compile(rf"(?<![\w.])([A-Z]\.[ \t]?{_NAME})")
# Capitalised job words used as titles: "Officer Nwosu", "Governor Hickson", "Nurse Patel".
# The name after must be capitalised and the pair is struck whole, as titles are.
JOB_TITLE = re.compile(
    rf"\b((?:Officer|Governor|Nurse|Sister|Chaplain|Imam|Reverend|Father|Councillor|Inspector|Sergeant|"
    rf"Constable|Detective|Doctor|Professor|Warden|Matron)[ \t]+(?!(?:Training|Safety|Support|Association|"
    rf"Service|Team|Grade|Role|Post|Level)\b){_NAME}(?:[ \t]+{_NAME})?)\b"
)
ROLE_WORDS = (
    r"manager|line manager|senior manager|spo|senior probation officer|po|pso|probation officer|"
    r"colleague|co-worker|supervisor|governor|deputy governor|custodial manager|cm|osg|officer|boss|"
    r"head of (?:service|unit|delivery)|team leader|director|client|service user|prisoner|offender|"
    r"mentor|trainee|friend|partner|wife|husband|son|daughter|mum|dad|mother|father|sister|brother|"
    r"pqip|learner|admin|receptionist|psychologist|nurse|solicitor|judge|magistrate|victim|called|named|"
    r"known as|name is|names are|ask for|asked for|speak to|talk to|supervision of|supervision with|su|case of|caseworker|keyworker|key worker|"
    r"chair|om|com|pom|duty officer|duty manager|ad|acm|area manager|head of probation|hop|"
    r"deputy head|coordinator|co-ordinator|sergeant|sarge|dc|ds|di|pc|updated by|signed by|signed off by|"
    r"checked by|written by|completed by|prepared by|authorised by|approved by|compiled by|minuted by|"
    r"chaired by|covered by|referred by|real name|real name is"
)
# "my manager Rose", "our SPO, dave", "a prisoner called Tom Price". The role is matched without
# regard to case; the name after it may be lowercase (people type quickly).
ROLE_THEN_NAME = re.compile(
    rf"\b(?:(?:my|our|the|his|her|their|a|an|new|old|former)[ \t]+)?(?i:{ROLE_WORDS})[ \t]*,?[ \t]+"
    rf"(?!(?i:and|or|but|the|a|an|who|was|is|had|has|did|told|said|to|in|at|on|for|of|with|from|that|this|it|"
    rf"he|she|they|we|i|you|me|him|them|us|not|never|just|also|would|will|can|could|should|by|as|about|so|if|"
    rf"when|off|up|out|again|too|all|some|any|every|now|then|there|here|re|via|asap|please|pls|been|being|"
    rf"were|are|am|do|does|done|get|got|gets|has|have|having|says|say|asked|wants|needs|went|came|left|"
    rf"role|post|job|team|office|meeting|supervision|today|tomorrow|yesterday)\b)"
    rf"({_ANYCASE_NAME}(?:[ \t]+{_ANYCASE_NAME})?|[A-Z]{{2,3}}\b(?![/-]))"
)
# Words that end a lowercase prison name rather than continue it: "hmp wymott and my CM".
_FUNCTION_WORDS = (
    r"(?:and|or|but|the|a|an|is|was|in|on|at|to|for|of|with|from|where|when|who|which|that|as|so|"
    r"because|since|until|after|before|for|i|we|they|he|she|it|my|our|has|had|have|were|are)"
)
PLACE_BEFORE = re.compile(
    rf"\b(?i:HMP|HMYOI|HMP/YOI|HMP & YOI|YOI|HMP and YOI|HMPYOI)[ \t]+({_NAMES}|[a-z]+(?:[ \t]+(?!{_FUNCTION_WORDS}\b)[a-z]+)?"
    rf"(?=[ \t,.;:!?)]|$))"
)
# An address: a building, floor or unit, a house number and street, which read as one place.
ADDRESS = re.compile(
    rf"\b(?:(?:Ground|First|Second|Third|Fourth|Top) Floor|(?:Unit|Suite|Flat) \d+[A-Z]?|\d+(?:/\d+)?[A-Za-z]? {_NAMES} "
    rf"(?:Street|Road|Lane|Avenue|Close|Way|Drive|Place|Crescent|Terrace|Square|Gardens|Hill|Row|Walk))\b"
)
# Small organisations name themselves with words like these; national bodies are on the keep list.
_ORG_WORD = rf"(?:{_NAME}(?:['’]s|s['’])?|[A-Z]{{2,4}})"
SMALL_ORG = re.compile(
    rf"\b(?!(?:The|A|An|Our|My|Their|This|That|Every|Each|No|Any)\b)"
    rf"((?:St\.? )?{_NAME}(?:['’]s|s['’])?(?:[ \t]+(?:{_ORG_WORD}|of|and|&)){{0,4}}[ \t]+(?:Club|Friends|Advocacy|Society|"
    rf"FC|AFC|in the Community|Surgery|Medical Centre|Health Centre|Dental Practice|Infirmary|Sanctuary|Maintenance|Builders|Construction|Cleaning|Facilities|Motors|Taxis|[Cc]ouncil|Police|Constabulary|"
    rf"Circle|Collective|Co-op|Cooperative|Forum|Alliance|Club|Tenants|Residents|Project|Trust|Charity|Foundation|Association|"
    rf"Partnership|Housing|Hostel|Group|Ltd|Limited|CIC|Collective|Network|Initiative|Service|Services|Agency|Clinic|Practice|"
    rf"Homes|Hub|Mentoring|Solutions|Consulting|Consultancy|Recruitment|Care|Support|Food Bank|Foodbank|Pantry|Kitchen|"
    rf"Caf[eé]|Academy|Centre|Women's Aid|Women's Refuge|Refuge|Aid|Outreach|Futures|Pathways|Recovery|Rehabilitation Partners|Partners))\b"
)
# "Friends of Pelsall Common": a group named for a place after "Friends of".
FRIENDS_OF = re.compile(rf"\b(Friends[ \t]+of[ \t]+(?:the[ \t]+)?{_NAME}(?:[ \t]+{_NAME}){{0,3}})")
# The CRC areas' usual short forms (the 21 companies of 2014-2021); a CRC narrows the workplace.
CRC_SHORT = re.compile(
    r"\b((?i:BeNCH|BGSW|CGM|DLNR|DDC|DTV|HLNY|KSS|SWM|TVCRC|NNS|ESCRC|LCRC|MCRC|NCRC|SYCRC|WYCRC|WMCRC|"
    r"DDC CRC|HIOW))\b(?:[ \t]+(?i:CRC))?"
)
# A CRC's short form run into "crc": "dvcrc", "MVCRC".
JOINED_CRC = re.compile(r"\b((?i:[a-z]{2,4}crc))\b")
# A pub named as pubs are: "the Stoat and Pickle", "THE CROWN AND ANCHOR".
PUB_PAIR = re.compile(
    r"\b(?:the|The|THE)[ \t]+((?:[A-Z][a-z]+|[A-Z]{3,})[ \t]+(?:and|&|AND)[ \t]+(?:[A-Z][a-z]+|[A-Z]{3,}))\b"
)
# Any short form before "crc", typed in lowercase or not: "ns crc", "the old wwm crc".
ANY_CRC = re.compile(r"\b(?!(?:the|a|an|our|my|old|new|ex|no|that|this)\b)([A-Za-z]{2,5}[ \t]+(?i:crc))\b")
# Businesses and clubs named in lowercase: "tollbooth facilities ltd", "gipton athletic".
LOWER_BUSINESS = re.compile(
    r"\b(?!(?:the|a|an|our|my|their|his|her|this|that|local|new|old|for|to|at|in|on|with|from|by|of|and|or|but|is|was|"
    r"plays|played|play|joined|signed|watch|watched|supports?)\b)([a-z][a-z'’-]+(?:[ \t]+[a-z][a-z'’-]+)?[ \t]+"
    r"(?:ltd|limited|cic|plc|athletic|rovers|wanderers|fc|afc))\b"
)
# Welsh institutions and streets: "Llys Ynadon Llandudno", "Tîm Gwynedd ac Ynys Môn", "Heol y Frenhines".
WELSH_PLACE = re.compile(
    rf"\b((?:Llys Ynadon|Llys y Goron|Llys Sirol|Carchar|Swyddfa|Tîm|Canolfan|Heol|Stryd|Ffordd|Lôn|Rhodfa|"
    rf"Cilgant|Sgwâr|Ystad|Ysbyty)[ \t]+(?:(?:y|yr|'r|ac|a|ar)[ \t]+)?{_NAME}(?:[ \t]+(?:(?:y|yr|ac|a|ar)[ \t]+)?{_NAME}){{0,3}})"
)
# Lowercase regions that narrow a workplace: "the north west", "the south-east", "east midlands".
LOWER_REGION = re.compile(
    r"\b(?:the[ \t]+)((?:north|south)[ -](?:east|west)|(?:east|west)[ \t]+midlands|midlands)\b(?![ \t]+(?:of|side|wing)\b)"
)
# Scottish and Irish surname shapes, with the first name before them: "Annag MacAskill",
# "Ruairi McGrath", "Dara O'Dwyer". The shape itself is the evidence.
GAELIC_SURNAME = re.compile(
    rf"\b((?:{_NAME}[ \t]+)?(?:Ma?c|Nic|O['’]|Ó\s|Ní\s|Mhic\s)[A-Z][a-zà-ÿ]+)\b(?:,[ \t]?[A-Z]\b)?"
)
# Surname, initial, as lists write them: "McGillivray, D", "Okonjo, T."
SURNAME_INITIAL = re.compile(rf"(?:^|(?<=[-•*:]\s))({_NAME},[ \t]?[A-Z]\.?)(?=\s|$)", re.M)
# A nickname in quotes inside a name: "Dean 'Dino' Rumsby", '"Chalky" Pettifer'.
QUOTED_IN_NAME = re.compile(rf"(?<!\w)((?:{_NAME}[ \t]+)?['‘\"“][A-Z][a-z]+['’\"”][ \t]+{_NAME})")
# The CRC areas and local bodies named with a place, in any case: "Merseyside CRC",
# "Dorset, Devon and Cornwall CRC", "South Yorkshire Crc", "north lincs IOM".
_AREA_WORDS = rf"(?:{_NAME}|[A-Z]{{2,5}}|[a-z]+)(?:(?:,[ \t]*|[ \t]+(?:and|&|And)[ \t]+|[ \t]+)(?:{_NAME}|[A-Z]{{2,5}}|[a-z]+)){{0,5}}?"
LOCAL_BODY = re.compile(
    rf"\b({_AREA_WORDS})[ \t]+((?i:CRC|IOM|YOT|YOS|MASH|CMHT|CRI|DIP|Mind|Samaritans|Women's Centre|"
    rf"Law Centre|Credit Union|Foodbank|Food Bank|Hospice)|branch)\b"
)
# Local papers: a place, then a newspaper's word ("Lancashire Telegraph", "skegness standard",
# "the Impartial Reporter"). National titles are on the keep list.
NEWSPAPER = re.compile(
    rf"\b((?:{_NAME}|[a-z]+)(?:[ \t]+(?:{_NAME}|[a-z]+))??)[ \t]+((?:Evening[ \t]+|Daily[ \t]+|evening[ \t]+)?"
    rf"(?i:Standard|Mail|Echo|Telegraph|Gazette|Herald|Advertiser|Post|Chronicle|Reporter|Observer|Argus|"
    rf"Express|Star|Journal|Mercury|Courier|Sentinel|Citizen|Examiner|Bugle|Free Press|Live|Leader|News))\b"
)
# Courts and stations typed in lowercase or with a capitalised town: "hull crown court",
# "teesside mags", "Preston crown court".
LOWER_COURT = re.compile(
    r"\b((?:[A-Za-z][a-z'’]+[ -]){0,2}[A-Za-z][a-z'’]+)[ \t]+((?i:crown court|mags|magistrates'?(?: court)?|"
    r"county court|youth court|sheriff court|family court|combined court|coroner['’]?s['’]? court|tribunal|"
    r"police station|nick|custody suite|reporting centre|probation office|jobcentre|job centre|hospital|"
    r"infirmary|general hospital|crown))\b"
)
# An unknown lowercase word naming a workplace: "the hanley office", "our tipton team".
LOWER_WORKPLACE = re.compile(
    r"\b(?i:the|our|my|their)[ \t]+([a-z][a-z'’-]{3,})[ \t]+(?:office|team|pdu|ap|hub|patch|nick|cluster)\b"
)
COURT_WORDS = re.compile(
    r"(?i:crown|mags|magistrates|county court|youth court|sheriff court|family court|"
    r"combined court|coroner|tribunal)"
)
# Pubs: "the nags head", "the Red Lion", "the Miners Arms".
PUB = re.compile(
    r"\b(?i:the)[ \t]+((?:[A-Za-z][a-z'’]+[ \t]+){0,2}[A-Za-z][a-z]*(?:'s|’s|s)[ \t]+(?i:head)|"
    r"(?:[A-Za-z][a-z'’]+[ \t]+){1,2}(?i:arms|inn|tavern|lion|bull|swan|hart|plough|wheatsheaf|anchor))\b"
)
# Saints' buildings and wards: "st john's house", "St Ann's ward".
SAINTS_BUILDING = re.compile(
    r"\b((?i:st\.?|saint)[ \t]+[A-Za-z][a-z]+(?:['’]s|s)?[ \t]+(?i:house|centre|court|hall|ward|wing|church|hospital|"
    r"school|lodge|hostel|road|street|lane|place|unit|chambers|building|a&e))(?!\w)"
)
PLACE_AFTER = re.compile(
    rf"\b({_NAMES})[ \t]+(?:Crown Court|Magistrates'? Court|Magistrates|County Court|Youth Court|"
    rf"Approved Premises|AP|PDU|Probation Office|Probation Centre|Police Station|Prison|Hospital|"
    rf"Road|Street|Lane|Avenue|Close|Way|Drive|House|Centre|Hostel|Office|office|Estate|Park)\b"
)


# A nickname in quotes that ends in a first name: 'Big Ken', "Spreadsheet Sue".
QUOTED_NICKNAME = re.compile(rf"['‘\"“]((?:{_NAME}[ \t]+){{1,2}}({_NAME}))['’\"”]")


def find(text: str, nlp: Language) -> Iterator[Found]:
    from nlp.gazetteer import forenames, surnames

    for match in QUOTED_NICKNAME.finditer(text):
        if match.group(2).lower() in forenames():
            yield match.start(1), match.end(1), "PERSON"
    for pattern in (TITLE, JOB_TITLE):
        for match in pattern.finditer(text):
            yield match.start(1), match.end(1), "PERSON"
    for match in ROLE_THEN_NAME.finditer(text):
        name = match.group(1)
        if name.isupper() and (lexicon.is_jargon(name) or name.lower() in _ACRONYMS):
            continue
        end = match.end(1)
        words = name.split()
        # A second word joins the name when it is a surname or no English word ("bobby pike"),
        # not when it is the sentence going on ("kelly says").
        if len(words) == 2 and not words[1][0].isupper():
            second = words[1].lower()
            if second not in surnames() and lexicon.is_ordinary(nlp, second):
                end = match.start(1) + len(words[0])
        yield match.start(1), end, "PERSON"
    for match in INITIAL_SURNAME.finditer(text):
        surname = match.group(1)[2:].strip()
        if not lexicon.is_filler(nlp, surname) and not lexicon.is_jargon(surname):
            yield match.start(1), match.end(1), "PERSON"
    for match in ADDRESS.finditer(text):
        yield match.start(), match.end(), "PLACE"
    for pattern, kind in (
        (FRIENDS_OF, "ORG"),
        (CRC_SHORT, "ORG"),
        (ANY_CRC, "ORG"),
        (JOINED_CRC, "ORG"),
        (PUB_PAIR, "PLACE"),
        (LOWER_BUSINESS, "ORG"),
        (WELSH_PLACE, "PLACE"),
        (GAELIC_SURNAME, "PERSON"),
        (SURNAME_INITIAL, "PERSON"),
        (QUOTED_IN_NAME, "PERSON"),
    ):
        for match in pattern.finditer(text):
            yield match.start(1), match.end(1), kind
    for match in SMALL_ORG.finditer(text):
        yield match.start(1), match.end(1), "ORG"
    for match in PLACE_BEFORE.finditer(text):
        yield match.start(), match.end(1), "PLACE"
    for match in PLACE_AFTER.finditer(text):
        # "the Rotherham office": the lowercase word is a description, not part of the name.
        end = match.end(1) if text[match.end() - 6 : match.end()] == "office" else match.end()
        yield match.start(1), end, "PLACE"


def find_checked(text: str, nlp: Language) -> Iterator[Found]:
    """Local bodies, papers, courts, pubs and buildings: their shape has been checked here
    (a place or a capitalised name before an institution's word), so their words may all be
    ordinary ("hull crown court", "the nags head")."""
    from nlp.gazetteer import forenames, surnames

    for match in LOWER_TITLE.finditer(text):
        word = match.group(2)
        if len(word) == 1 or not lexicon.is_ordinary(nlp, word) or word in forenames() or word in surnames():
            yield match.start(1), match.end(1), "PERSON"
    for pattern, kind in ((LOCAL_BODY, "ORG"), (NEWSPAPER, "ORG"), (LOWER_COURT, "PLACE")):
        for match in pattern.finditer(text):
            start = _named_part(text, match.start(1), match.end(1), nlp)
            if start is None:
                continue
            # "hull crown court" and "teesside mags" are one name; in "the Ashby Road reporting
            # centre" the building's kind is a description, not part of the name.
            whole = pattern is not LOWER_COURT or COURT_WORDS.match(match.group(2)) is not None
            yield start, match.end() if whole else match.end(1), kind
    for match in LOWER_WORKPLACE.finditer(text):
        if not lexicon.is_ordinary(nlp, match.group(1)) and not lexicon.is_jargon(match.group(1)):
            yield match.start(1), match.end(1), "PLACE"
    for match in PUB.finditer(text):
        yield match.start(1), match.end(1), "PLACE"
    for match in LOWER_REGION.finditer(text):
        yield match.start(1), match.end(1), "PLACE"
    for match in SAINTS_BUILDING.finditer(text):
        yield match.start(1), match.end(1), "PLACE"


# Lowercase words that may continue a place's name leftwards: "south yorkshire", "north lincs".
_COMPASS = frozenset(
    {"north", "south", "east", "west", "mid", "greater", "central", "inner", "outer", "upper", "lower"}
)
_JOINERS = frozenset({"and", "&", ","})
_ACRONYMS = frozenset({"ok", "uk", "am", "pm", "tv", "hq", "ps", "nb", "fyi", "aka", "asap", "tbc"})


def _named_part(text: str, start: int, end: int, nlp: Language) -> int | None:
    """The name before a body's or a court's word: walking left from the word, keep capitalised
    words, known places and compass words (joined by "and" or commas), and stop at the first
    ordinary lowercase word. None when nothing is left ("the crc", "the local crown court")."""
    from nlp.gazetteer import place_names

    words = list(re.finditer(r"[\w'’]+|,|&", text[start:end]))
    kept: int | None = None
    pending_joiner = False
    for index in range(len(words) - 1, -1, -1):
        word = words[index]
        surface = word.group()
        if index + 1 < len(words) and re.search(
            r"\s[-–—|]\s|\n", text[start + word.end() : start + words[index + 1].start()]
        ):
            break  # "WEEKLY TASKING - Bohemia Road": a heading's dash ends the name
        lowered = surface.lower()
        if lowered in _JOINERS:
            if kept is None or pending_joiner:
                break
            pending_joiner = True
            continue
        capitalised = surface[0].isupper()
        if capitalised:
            ok = not lexicon.is_jargon(surface) and lowered not in nlp.Defaults.stop_words
        else:
            ok = (
                lowered in place_names()
                or (not lexicon.is_ordinary(nlp, surface) and len(surface) > 2)
                or (lowered in _COMPASS and kept is not None)
            )
        if not ok:
            break
        kept = start + word.start()
        pending_joiner = False
    return kept
