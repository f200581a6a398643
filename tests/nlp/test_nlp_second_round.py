"""Rules added after reading the misses of fresh corpus B (its texts are now tuning data; corpus C
is held out). Every name, place and body here is invented for these tests and appears in no
corpus (dev, A, B or C)."""

from __future__ import annotations

import pytest

import nlp


def struck(text: str) -> list[str]:
    return [text[s.start : s.end] for s in nlp.redact(text).spans]


def test_a_capitalised_word_before_a_surname_mid_sentence_is_the_first_name() -> None:
    text = "The rota fell apart the month Quillon Hobday went off sick, and nobody covered."
    assert "Quillon Hobday" in struck(text)


def test_a_capitalised_word_opening_a_sentence_is_not_taken_into_the_name() -> None:
    # "Yesterday" opens the sentence: capitalised because it comes first, not because it is a name.
    spans = struck("Yesterday Hobday rang me twice about the transfer.")
    assert "Yesterday Hobday" not in spans


def test_the_parts_of_a_full_name_are_chased_later_in_the_text() -> None:
    text = "One of my men, Corvin Nyambura, saw his daughter at last. Corvin is out next spring."
    spans = struck(text)
    assert "Corvin Nyambura" in spans
    assert spans.count("Corvin") == 1


def test_in_a_lowercase_thread_a_capitalised_pair_is_a_name_and_comes_back_in_lowercase() -> None:
    text = (
        "anyone else had this. ours was the same\n"
        "yes. the union got my mate Sorrelle Kettleby her job back after they tried to sack her. "
        "sorrelle had 90 cases at the time. she is fine now"
    )
    spans = struck(text)
    assert "Sorrelle Kettleby" in spans and "sorrelle" in spans


def test_capitalised_words_in_tidy_prose_are_left_to_the_other_rules() -> None:
    # Not typed in lowercase: a capitalised pair is not a name on that ground alone.
    text = "The new Case Allocation Tool went live. Nobody liked it. We went home."
    assert struck(text) == []


@pytest.mark.parametrize(
    ("text", "initials"),
    [
        ("Actions: SPO to circulate figures. QH to chase the hostel ref.", "QH"),
        ("Signed: PWK   Date: 3rd March 2024", "PWK"),
        ("Swaps to JBT by noon on the day.", "JBT"),
        ("PSRs requested: Mr Dunmere, VKL, Ms Ashgrove", "VKL"),
        ("RQN herself works from home on Fridays.", "RQN"),
        ("'the numbers say you're fine' - ZO in performance. I am not fine", "ZO"),
    ],
)
def test_initials_where_only_a_person_stands(text: str, initials: str) -> None:
    assert initials in struck(text)


@pytest.mark.parametrize(
    "text", ["Staff to chase the UK contract.", "Signed: OK to proceed", "ask HR about it"]
)
def test_acronyms_in_those_positions_stay(text: str) -> None:
    assert not any(s in {"UK", "HR", "OK"} for s in struck(text))


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Auntie Pelli at the centre speaks four dialects.", "Auntie Pelli"),
        ("I remember old Tamsk from the kitchens.", "old Tamsk"),
    ],
)
def test_what_people_call_someone_is_part_of_the_name(text: str, name: str) -> None:
    assert any(name in s for s in struck(text))


@pytest.mark.parametrize(
    ("text", "body"),
    [
        ("He volunteers at Ulverby Saints AFC on Saturdays.", "Ulverby Saints AFC"),
        ("Referral to Marram Sanctuary made last week.", "Marram Sanctuary"),
        ("Wrenfield Maintenance are booked again.", "Wrenfield Maintenance"),
        ("she sits on Ossory council now", "Ossory council"),
    ],
)
def test_local_bodies_named_with_a_place(text: str, body: str) -> None:
    assert body in struck(text)


def test_the_council_alone_is_not_a_body() -> None:
    assert struck("The Council said no to the new hostel.") == []


@pytest.mark.parametrize(
    ("text", "public"),
    [
        ("send it to Pellinore Vance at the Guardian", "Pellinore Vance"),
        ("there was a piece in The Times last week by Elowen Strake about caseloads.", "Elowen Strake"),
        ("The chief probation officer, Wenna Marrick, will read the summary.", "Wenna Marrick"),
    ],
)
def test_public_voices_known_by_their_context_stay(text: str, public: str) -> None:
    assert not any(public in s or s in public for s in struck(text))


@pytest.mark.parametrize(
    "text",
    [
        "timpson and mahmood decided it on a tuesday without asking anyone",
        "the Environment Agency put a sign up",
        "nobody in the British Army would call that a plan",
        "if the Prison Service lets me",
    ],
)
def test_national_bodies_and_office_holders_stay(text: str) -> None:
    assert struck(text) == []


def test_a_private_person_with_an_office_holders_surname_is_still_struck() -> None:
    assert "Mr Mahmood" in struck("Mr Mahmood on my caseload missed his appointment.")


@pytest.mark.parametrize(
    ("text", "date"),
    [
        ("3.2.24 07.15 arrived at court for the first interview", "3.2.24 07.15"),
        ("Date: Tuesday 4 March 2025, 09:30–10:45\nLocation: room 4", "Tuesday 4 March 2025, 09:30–10:45"),
        ("booked for 9/12 @ 15:00 in the big room", "9/12 @ 15:00"),
    ],
)
def test_a_time_after_a_date_is_part_of_it(text: str, date: str) -> None:
    assert date in struck(text)


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Turn up at nine and ask for Nyssa. The laptops should be ready.", "Nyssa"),
        ("Rep: Wenna Farquar-Ibe, union branch", "Wenna Farquar-Ibe"),
        ("01:10 Room 7 (QV) says the heating is off again.", "QV"),
    ],
)
def test_names_in_the_places_forms_and_logs_put_them(text: str, name: str) -> None:
    assert name in struck(text)


@pytest.mark.parametrize(
    ("text", "body"),
    [
        ("GP: Dr Tarnley, Wrenfield Surgery", "Wrenfield Surgery"),
        ("the youngest was seen at Dunmere Infirmary with a burn", "Dunmere Infirmary"),
        ("placement at Kettleby in the Community on Saturdays", "Kettleby in the Community"),
    ],
)
def test_surgeries_infirmaries_and_club_foundations(text: str, body: str) -> None:
    assert body in struck(text)


LOWERCASE_THREAD = (
    "anyone else had the new rota. same here. ok\n{}\nhonestly the whole office is on its knees. not fine"
)


@pytest.mark.parametrize(
    ("line", "name"),
    [
        ("my spo cobnut (yes really) told us at team meeting", "cobnut"),
        ("rennick is a legend. he covered every duty in december", "rennick"),
        ("limpet went to the cps last month", "limpet"),
        ("shoutout to thimble in admin who found my claim", "thimble"),
        ("skerry from the housing team rang round every b&b", "skerry"),
        ("the lad everyone calls tarn fixes all the bikes", "tarn"),
    ],
)
def test_in_a_lowercase_thread_a_word_in_a_names_position_is_a_name(line: str, name: str) -> None:
    assert name in struck(LOWERCASE_THREAD.format(line))


def test_a_lowercase_name_once_found_is_struck_everywhere_in_the_thread() -> None:
    text = LOWERCASE_THREAD.format("sprat replied 'i am the one who stays'. sprat has been there 23 years")
    assert struck(text).count("sprat") == 2


@pytest.mark.parametrize(
    "line",
    [
        "management said no again. work is chaos",
        "everyone went to the meeting and nobody said anything",
        "back in the old days it was fine",
    ],
)
def test_ordinary_subjects_in_a_lowercase_thread_stay(line: str) -> None:
    assert struck(LOWERCASE_THREAD.format(line)) == []


def test_the_same_words_in_tidy_prose_are_left_alone() -> None:
    # Capitalised prose: position alone is not evidence for an ordinary word.
    assert "Tarn" not in struck("Tarn is still and cold up on the moor. Management said no. We went home.")


@pytest.mark.parametrize(
    ("text", "body"),
    [
        ("ok. same as ever. the old wwm crc days were worse. fine", "wwm crc"),
        ("the cleaning is done by threlkeld facilities ltd now", "threlkeld facilities ltd"),
        ("ok. he plays sunday league for nethercott athletic. good lad", "nethercott athletic"),
    ],
)
def test_local_bodies_typed_in_lowercase(text: str, body: str) -> None:
    assert body in struck(text)


def test_a_public_figure_named_in_full_keeps_their_surname_later() -> None:
    text = "reeves says theres no money. Rachel Reeves found money for other things."
    assert struck(text) == []


def test_someone_local_with_that_surname_is_still_struck() -> None:
    text = (
        "Rachel Reeves says there is no money. Meanwhile our head of PDU Reeves (no relation) sent an email."
    )
    assert "Reeves" in struck(text)


@pytest.mark.parametrize(
    "text",
    [
        "ok then. fine. professor pemberley tansley at the university published the numbers",
        "the guardian piece by brightling oakridge about probation was good",
        "yes. ok. castellane dowling asked about it in the commons, fair play",
    ],
)
def test_public_voices_typed_in_lowercase_stay(text: str) -> None:
    spans = struck(text)
    assert not any(w in " ".join(spans) for w in ("tansley", "oakridge", "dowling"))


# ---- round four, from corpus D's misses -------------------------------------------------------


def test_speakers_of_a_conversation_copied_without_times() -> None:
    text = "Sat 3 May, 07:10\nBrindle: boiler gone again\nTullis: ring estates\nBrindle: closed weekends\nTullis: ok"
    assert struck(text).count("Brindle") == 2 and struck(text).count("Tullis") == 2


def test_form_labels_are_not_speakers() -> None:
    text = "Date: 1 May\nTime: 10:00\nDate: 2 May\nTime: 11:00"
    assert not {"Date", "Time"} & set(struck(text))


@pytest.mark.parametrize(
    ("text", "initials"),
    [
        ("POOL CAR LOG\n06/01 Q.F. 42 miles, court\n07/01 W.R. 88 miles", "Q.F"),
        ("TIMELINE – recall of QV\n2nd Feb letter sent to the old address", "QV"),
        ("RISK PLAN\nCase: WQ\nExclusion zone: the town centre", "WQ"),
    ],
)
def test_initials_in_logs_and_case_records(text: str, initials: str) -> None:
    assert any(s.startswith(initials) for s in struck(text))


def test_abbreviations_with_dots_are_not_initials() -> None:
    assert struck("Bring ID, e.g. a passport. N.B. the office shuts at four.") == []


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("can you translate it by dydd Gwener 21ain Mawrth? thanks", "dydd Gwener 21ain Mawrth"),
        ("interpreter booked for Friday 14th at 2, in room 3", "Friday 14th at 2"),
    ],
)
def test_welsh_dates_and_an_hour_after_a_day(text: str, found: str) -> None:
    assert found in struck(text)


def test_an_hour_after_a_day_is_not_a_count() -> None:
    assert "14th at 3" not in " ".join(struck("from the 14th at 3 cases a day we were drowning"))


@pytest.mark.parametrize(
    ("text", "place"),
    [
        ("There is a pub called the Ferrant and Quilp across the road.", "Ferrant and Quilp"),
        ("USE THE ONE AT THE CORRAN AND WINCH. ok", "CORRAN AND WINCH"),
    ],
)
def test_pubs_named_as_pubs_are(text: str, place: str) -> None:
    assert place in struck(text)


@pytest.mark.parametrize(
    ("text", "body"),
    [
        ("ok. i did 7 years in qfcrc. never again. fine", "qfcrc"),
        ("She works for Huxtable Women's Refuge now.", "Huxtable Women's Refuge"),
    ],
)
def test_joined_crc_short_forms_and_refuges(text: str, body: str) -> None:
    assert body in struck(text)


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("ok. fine. yes\nmy mate rennet in the court team had his car taken", "rennet"),
        ("ok. i was the one who nicked the stapler. sorry vetch", "vetch"),
        ("ok. fine.\nNOTES GONE AGAIN. GREAVE SAYS IT HAPPENED TO HIM TOO\nnobody listens", "GREAVE"),
    ],
)
def test_more_positions_in_lowercase_threads(text: str, name: str) -> None:
    assert name in struck(text)


def test_a_public_figure_known_by_context_keeps_their_surname_later() -> None:
    text = "Dame Mallow Pobjoy asked about it in the Commons. Pobjoy's question was the only good one."
    assert struck(text) == []


def test_an_mp_named_with_the_letters_is_kept_whole() -> None:
    assert struck("Orrin Drabble MP said so in the debate.") == []


def test_a_name_never_runs_across_lines_into_a_public_role() -> None:
    # "Wimberley\nAuthor" is not an author named Wimberley; the officer stays struck.
    assert "DS Wimberley" in struck("Record updated by DS Wimberley\nNext review: 8 May 2025")
