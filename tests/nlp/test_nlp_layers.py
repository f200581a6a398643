"""Each layer on its own: cues, lazy tags, new reference and contact shapes, place spellings."""

from __future__ import annotations

import pytest
import spacy

import nlp
from nlp import cues, gazetteer, model, patterns, pos


def struck(text: str) -> dict[str, str]:
    result = nlp.redact(text)
    return {text[s.start : s.end]: s.label for s in result.spans}


def cue_hits(text: str) -> set[str]:
    pipeline = model.get()
    doc = pipeline(text)
    pos.tag([doc], pipeline)
    return {text[a:b] for a, b, _kind in [*cues.find(doc), *cues.unknown_subjects(doc, pipeline)]}


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("The duty PO is joy again because nobody else will do it.", "joy"),
        ("On my first day I shadowed chase on a home visit.", "chase"),
        ("Patience on reception did the register from memory.", "Patience"),
        ("Heather who ran it cried in the meeting.", "Heather"),
        ("Amber and I share a caseload of seventy.", "Amber"),
        ("Tamunoemi was put on a formal warning while on chemo.", "Tamunoemi"),
    ],
)
def test_person_cues(text: str, name: str) -> None:
    assert name in cue_hits(text)


@pytest.mark.parametrize(
    "text",
    [
        "My manager will call you back tomorrow.",
        "I hope the summer is quieter.",
        "We told everyone the news at the meeting.",
    ],
)
def test_cues_leave_ordinary_words(text: str) -> None:
    assert not cue_hits(text)
    assert not [s for s in nlp.redact(text).spans if s.label == "PERSON"]


def test_month_named_place_after_a_workplace_noun() -> None:
    assert struck("The reporting centre in March is only open on Tuesdays.").get("March") == "PLACE"
    assert "March" not in struck("The review is due in March.")


def test_lazy_tags_equal_whole_text_tags() -> None:
    text = (
        "honestly will and grace did everything. Amber and I covered. My manager will call. "
        "Okonjo said no. The duty PO is joy again, and I shadowed chase."
    )
    lazy = model.get()
    doc = lazy(text)
    pos.tag([doc], lazy)
    full = spacy.load(model.model_name(), exclude=["parser", "ner", "attribute_ruler", "lemmatizer"])
    reference = full(text)
    wanted = pos.needed(doc, lazy)
    assert wanted
    for i in wanted:
        assert doc[i].tag_ == reference[i].tag_, doc[i].text


@pytest.mark.parametrize(
    ("text", "surface", "kind"),
    [
        ("IR number RSW-2291-44 was filed.", "RSW-2291-44", "ID"),
        ("Ticket INC0045129 was closed.", "INC0045129", "ID"),
        ("His PNC is 12/345678A.", "12/345678A", "ID"),
        ("Old car R123 ABC then ABC 123D.", "R123 ABC", "ID"),
        ("my reg is lc19 xrm lol", "lc19 xrm", "ID"),
        ("Staff ID 10293847 on the payslip.", "10293847", "ID"),
        ("NI number JX 44 12 98 B was printed.", "JX 44 12 98 B", "ID"),
        ("Ring ext. 4421 for the duty desk.", "ext. 4421", "CONTACT"),
        ("Mail jo.b [at] proton [dot] me please.", "jo.b [at] proton [dot] me", "CONTACT"),
        ("My blog tiredpo.wordpress.com has the rest.", "tiredpo.wordpress.com", "CONTACT"),
        ("Posts from u/tired_po_north were removed.", "u/tired_po_north", "CONTACT"),
        ("Call +44 (0)7700 900 731 after six.", "+44 (0)7700 900 731", "CONTACT"),
        ("See x.com/probationtruths for more.", "x.com/probationtruths", "CONTACT"),
        ("It was Tues 14/5 at 3pm.", "Tues 14/5 at 3pm", "DATE"),
        ("It happened on Monday the 3rd of June.", "Monday the 3rd of June", "DATE"),
    ],
)
def test_exact_patterns(text: str, surface: str, kind: str) -> None:
    hits = {text[a:b]: k for a, b, k in patterns.find(text)}
    assert hits.get(surface) == kind


@pytest.mark.parametrize(
    "text",
    [
        "COVID-19 hit in 2023/24 and we worked till 10.30am.",
        "The M62 and the A1 were closed.",
        "My salary is £32,000 and rent is 25 the week.",
        "Gov advice is on www.gov.uk and justice.gov.uk.",
        "The number of cases is 147% of capacity.",
    ],
)
def test_patterns_leave_numbers_that_identify_nobody(text: str) -> None:
    ids = [text[a:b] for a, b, k in patterns.find(text) if k in ("ID", "CONTACT")]
    assert ids in ([], ["www.gov.uk"]), ids


@pytest.mark.parametrize(
    ("text", "place"),
    [
        ("I moved to Weston-super-Mare last year.", "Weston-super-Mare"),
        ("The team in Bishop's Stortford was merged.", "Bishop's Stortford"),
        ("I did six years at Strangeways before this.", "Strangeways"),
        ("Our office in St. Helens floods.", "St. Helens"),
    ],
)
def test_place_gazetteer_spellings_and_prisons(text: str, place: str) -> None:
    assert struck(text).get(place) == "PLACE"


def test_spellings() -> None:
    assert "bishop's stortford" in gazetteer.spellings("bishops stortford")
    assert {"st. helens", "saint helens"} <= gazetteer.spellings("st helens")
    assert "weston super mare" in gazetteer.spellings("weston-super-mare")


def test_job_words_as_titles_are_struck_with_the_name() -> None:
    assert struck("Officer Nwosu held the wing together.").get("Officer Nwosu") == "PERSON"
    assert "Officer Training" not in struck("Officer Training starts in May.")


def test_imperative_verbs_do_not_join_names() -> None:
    hits = struck("Contact Saoirse on 020 7946 0958 if you want to join.")
    assert "Saoirse" in hits and "Contact Saoirse" not in hits


def test_lowercase_writers_names_after_prepositions() -> None:
    assert "rowan" in struck("i cried after my supervision with rowan. he was kind about it.")
    assert "grace" not in struck("She handled the complaint with grace. Everyone noticed.")


def test_text_without_identifying_details_is_left_alone() -> None:
    text = (
        "Caseloads are too high and the workload tool is a joke. Our manager keeps saying it will "
        "get better. OASys crashed twice this week, and HMPPS sent another survey about wellbeing. "
        "I hope the summer is quieter, but I will believe it when I see it. Reading the latest "
        "inspection report, nothing has changed since the last one."
    )
    assert nlp.redact(text).spans == []


@pytest.mark.parametrize(
    "name", ["Mohammed", "Fatima", "Zainab", "Chiamaka", "Tadhg", "Agnieszka", "Oluwaseun"]
)
def test_names_common_in_the_uk_from_other_countries(name: str) -> None:
    assert name.lower() in gazetteer.forenames()
    assert struck(f"i told {name.lower()} about the rota and {name} said fine.")


def test_national_schemes_and_laws_are_not_struck() -> None:
    text = (
        "Universal Credit delays, the Criminal Justice Act, the Victim Contact Scheme and Community "
        "Payback all came up, and Sentence Management told us nothing."
    )
    assert nlp.redact(text).spans == []
