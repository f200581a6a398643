"""Exact patterns: every contact detail and identifier shape, and exact dates."""

import pytest

from nlp import patterns


def kinds(text: str) -> set[tuple[str, str]]:
    return {(text[s:e], k) for s, e, k in patterns.find(text)}


@pytest.mark.parametrize(
    "number",
    [
        "07700 900123",
        "07700900123",
        "+44 7700 900123",
        "+44 (0)7700 900123",
        "0113 496 0000",
        "(0113) 4960000",
        "020 7946 0018",
        "0161-496-0000",
        "+447700900123",
    ],
)
def test_uk_phone_numbers_in_common_formats(number: str) -> None:
    text = f"ring me on {number} after six"
    found = [text[s:e] for s, e, k in patterns.find(text) if k == "CONTACT"]
    assert found and all(number.replace("(", "").replace(")", "").strip()[-4:] in f for f in found)
    assert any(number[-6:].replace(" ", "")[-4:] in f.replace(" ", "") for f in found)


@pytest.mark.parametrize(
    ("text", "surface"),
    [
        ("email jo.bloggs+work@example.org.uk today", "jo.bloggs+work@example.org.uk"),
        ("see https://example.com/people/jo?x=1.", "https://example.com/people/jo?x=1"),
        ("my page is instagram.com/some_one_here", "instagram.com/some_one_here"),
        ("follow @kent_po_voice for more", "@kent_po_voice"),
    ],
)
def test_contact_details(text: str, surface: str) -> None:
    assert (surface, "CONTACT") in kinds(text)


@pytest.mark.parametrize(
    ("text", "surface"),
    [
        ("NI number AB 12 34 56 C on file", "AB 12 34 56 C"),
        ("CRN X123456 was wrong", "X123456"),
        ("CRN X 204 771 was wrong", "X 204 771"),
        ("prison number A1234BC", "A1234BC"),
        ("prison number A 1234 BC", "A 1234 BC"),
        ("his car, AB12 CDE, was", "AB12 CDE"),
        ("my staff number is 4471 902", "4471 902"),
        ("payroll no. 88213", "88213"),
    ],
)
def test_identifiers(text: str, surface: str) -> None:
    assert (surface, "ID") in kinds(text)


@pytest.mark.parametrize(
    ("text", "surface"),
    [
        ("on 12 June 2023 we", "12 June 2023"),
        ("at 08:45 on 12 June the", "08:45 on 12 June"),
        ("weds 9th oct at 2pm", "weds 9th oct at 2pm"),
        ("March 3rd, 2024 was", "March 3rd, 2024"),
        ("the form dated 03/04/2024 said", "03/04/2024"),
        ("logged 2024-03-04 10:15 by", "2024-03-04 10:15"),
    ],
)
def test_exact_dates(text: str, surface: str) -> None:
    assert (surface, "DATE") in kinds(text)


@pytest.mark.parametrize(
    "text",
    [
        "I earn £24,000 a year",
        "in 2019 and again in 2021",
        "a caseload of 90 cases",
        "three years in March",
        "about 40% of us",
    ],
)
def test_quantities_and_vague_dates_are_left_alone(text: str) -> None:
    assert patterns.find(text) is not None
    assert not list(patterns.find(text))


def test_postcodes_are_places() -> None:
    # A postcode is shown as [place], not [reference] (issue 13), found by its exact shape.
    assert ("LS1 4DY", "PLACE") in kinds("office at LS1 4DY")
    assert ("sw1a 1aa", "PLACE") in kinds("sent to sw1a 1aa by mistake")
