"""Context rules: names and places the statistical model misses, found by the words around them.

Probation and prison testimony names people by role ("my SPO Dave", "Mr Patel") and places by
institution ("HMP Wandsworth", "Leeds Crown Court", "the Elm Road office"). These cues are
general, so they hold for names the rules have never seen, including lowercase names and names
that are ordinary words ("my manager Rose", "PO grace").
"""

from __future__ import annotations

import re
from collections.abc import Iterator

Found = tuple[int, int, str]

_NAME = r"[A-Z][a-z]+(?:[-'][A-Z]?[a-z]+)?"
_NAMES = rf"{_NAME}(?:\s+{_NAME}){{0,2}}"
_ANYCASE_NAME = r"[A-Za-z][a-z]+(?:[-'][A-Za-z]?[a-z]+)?"

# The title is struck with the name: "DS Penrose" is as identifying as "Penrose".
TITLE = re.compile(
    rf"\b((?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof|Sir|Dame|Rev|Cllr|Judge|HHJ|DS|DC|DI|DCI|PC|PCSO|Sgt|Insp)\.?\s+{_NAMES})"
)
# Capitalised job words used as titles: "Officer Nwosu", "Governor Hickson", "Nurse Patel".
# The name after must be capitalised and the pair is struck whole, as titles are.
JOB_TITLE = re.compile(
    rf"\b((?:Officer|Governor|Nurse|Sister|Chaplain|Imam|Reverend|Father|Councillor|Inspector|Sergeant|"
    rf"Constable|Detective|Doctor|Professor|Warden|Matron)\s+(?!(?:Training|Safety|Support|Association|"
    rf"Service|Team|Grade|Role|Post|Level)\b){_NAME}(?:\s+{_NAME})?)\b"
)
ROLE_WORDS = (
    r"manager|line manager|senior manager|spo|senior probation officer|po|pso|probation officer|"
    r"colleague|co-worker|supervisor|governor|deputy governor|custodial manager|cm|osg|officer|boss|"
    r"head of (?:service|unit|delivery)|team leader|director|client|service user|prisoner|offender|"
    r"mentor|trainee|friend|partner|wife|husband|son|daughter|mum|dad|mother|father|sister|brother|"
    r"pqip|learner|admin|receptionist|psychologist|nurse|solicitor|judge|magistrate|victim|called|named|"
    r"known as|name is|names are"
)
# "my manager Rose", "our SPO, dave", "a prisoner called Tom Price". The role is matched without
# regard to case; the name after it may be lowercase (people type quickly).
ROLE_THEN_NAME = re.compile(
    rf"\b(?:(?:my|our|the|his|her|their|a|an|new|old|former)\s+)?(?i:{ROLE_WORDS})\s*,?\s+"
    rf"(?!(?i:and|or|but|the|a|an|who|was|is|had|has|did|told|said|to|in|at|on|for|of|with|from|that|this|it|"
    rf"he|she|they|we|i|you|me|him|them|us|not|never|just|also|would|will|can|could|should)\b)"
    rf"({_ANYCASE_NAME}(?:\s+{_NAME})?)"
)
# Words that end a lowercase prison name rather than continue it: "hmp wymott and my CM".
_FUNCTION_WORDS = (
    r"(?:and|or|but|the|a|an|is|was|in|on|at|to|for|of|with|from|where|when|who|which|that|as|so|"
    r"because|since|until|after|before|for|i|we|they|he|she|it|my|our|has|had|have|were|are)"
)
PLACE_BEFORE = re.compile(
    rf"\b(?i:HMP|HMYOI|HMP/YOI|HMP & YOI|YOI|HMP and YOI|HMPYOI)\s+({_NAMES}|[a-z]+(?:\s+(?!{_FUNCTION_WORDS}\b)[a-z]+)?"
    rf"(?=[\s,.;:!?)]|$))"
)
# An address: a building, floor or unit, a house number and street, which read as one place.
ADDRESS = re.compile(
    rf"\b(?:(?:Ground|First|Second|Third|Fourth|Top) Floor|(?:Unit|Suite|Flat|Room) \d+[A-Z]?|\d+[A-Z]? {_NAMES} "
    rf"(?:Street|Road|Lane|Avenue|Close|Way|Drive|Place|Crescent|Terrace|Square|Gardens|Hill|Row|Walk))\b"
)
# Small organisations name themselves with words like these; national bodies are on the keep list.
SMALL_ORG = re.compile(
    rf"\b((?:St\.? )?{_NAME}(?:'s)?(?:\s+(?:{_NAME}|of|and|&)){{0,4}}\s+(?:Project|Trust|Charity|Foundation|Association|"
    rf"Partnership|Housing|Hostel|Group|Ltd|Limited|CIC|Collective|Network|Initiative|Service|Services|Agency|Clinic|Practice|"
    rf"Homes|Hub|Mentoring|Solutions|Consulting|Consultancy|Recruitment|Care|Support|Food Bank|Foodbank|Pantry|Kitchen|"
    rf"Caf[eé]|Academy|Centre|Women's Aid|Aid|Outreach|Futures|Pathways|Recovery|Rehabilitation Partners|Partners))\b"
)
PLACE_AFTER = re.compile(
    rf"\b({_NAMES})\s+(?:Crown Court|Magistrates'? Court|Magistrates|County Court|Youth Court|"
    rf"Approved Premises|AP|PDU|Probation Office|Probation Centre|Police Station|Prison|Hospital|"
    rf"Road|Street|Lane|Avenue|Close|Way|Drive|House|Centre|Hostel|Office|office|Estate|Park)\b"
)


# A nickname in quotes that ends in a first name: 'Big Ken', "Spreadsheet Sue".
QUOTED_NICKNAME = re.compile(rf"['‘\"“]((?:{_NAME}\s+){{1,2}}({_NAME}))['’\"”]")


def find(text: str) -> Iterator[Found]:
    from nlp.gazetteer import forenames

    for match in QUOTED_NICKNAME.finditer(text):
        if match.group(2).lower() in forenames():
            yield match.start(1), match.end(1), "PERSON"
    for pattern in (TITLE, JOB_TITLE, ROLE_THEN_NAME):
        for match in pattern.finditer(text):
            yield match.start(1), match.end(1), "PERSON"
    for match in ADDRESS.finditer(text):
        yield match.start(), match.end(), "PLACE"
    for match in SMALL_ORG.finditer(text):
        yield match.start(1), match.end(1), "ORG"
    for match in PLACE_BEFORE.finditer(text):
        yield match.start(), match.end(1), "PLACE"
    for match in PLACE_AFTER.finditer(text):
        # "the Rotherham office": the lowercase word is a description, not part of the name.
        end = match.end(1) if text[match.end() - 6 : match.end()] == "office" else match.end()
        yield match.start(1), end, "PLACE"
