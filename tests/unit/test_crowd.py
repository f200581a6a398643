"""The crowd-size estimate (issue 15) against figures computed by hand from the data file."""

from __future__ import annotations

import json

import pytest
from flask.testing import FlaskClient

from testimony import crowd
from tests.support.helpers import submit

RAW = json.loads(crowd.DATA.read_text(encoding="utf-8"))


def test_the_data_file_names_its_source_and_quarter_and_holds_the_published_figures() -> None:
    source = RAW["source"]
    assert (
        source["publication"] == "HM Prison and Probation Service workforce quarterly statistics: June 2025"
    )
    assert source["quarter"] == "June 2025" and source["published"] == "2025-08-21"
    assert "FTE" in source["measure"]
    figures = {key: group["fte"] for key, group in RAW["groups"].items()}
    assert figures == {
        "prison": 36_627,
        "probation": 20_823,
        "prison_officer": 22_702,
        "osg": 5_419,
        "po": 5_519,
        "pso": 5_213,
    }
    assert all(group["sourced"] for group in RAW["groups"].values())
    # Everything else is an assumption, and says so.
    for part in ("regions", "length_of_service", "workplace"):
        assert "Assumption" in RAW["assumptions"][part]["about"]


def test_assumed_shares_are_ranges_that_roughly_cover_everyone() -> None:
    regions = RAW["assumptions"]["regions"]["list"]
    bands = RAW["assumptions"]["length_of_service"]["bands"]
    for entry in [*regions, *bands]:
        assert 0 < entry["low"] < entry["high"] < 1
    assert sum(r["low"] for r in regions) < 1 < sum(r["high"] for r in regions)
    assert sum(b["low"] for b in bands) < 1 < sum(b["high"] for b in bands)
    assert [b["from"] for b in bands] == [0, 1, 3, 5, 10, 15, 20]


def test_a_band_4_probation_officer_in_wales_with_12_years() -> None:
    found = crowd.estimate("I am a band 4 probation officer in Wales and have been for 12 years.")
    assert found is not None
    assert found.group == "probation officers (band 4)" and found.staff == 5_519
    assert [d.said for d in found.details] == ["Wales", "12 years' service"]
    # By hand: 5,519 x Wales 4.5%..6.5% x 10-15 years' service 8%..14%.
    assert found.low == pytest.approx(5_519 * 0.045 * 0.08)  # 19.87
    assert found.high == pytest.approx(5_519 * 0.065 * 0.14)  # 50.22
    assert found.shown == (19, 55)
    # Naming the office: one office holds 0.5%..1.67% of probation staff, instead of the region.
    assert found.workplace_low == pytest.approx(5_519 * 0.005 * 0.08)  # 2.21
    assert found.workplace_high == pytest.approx(5_519 * 0.0167 * 0.14)  # 12.90
    assert found.workplace_shown == (2, 13) and found.workplace_word == "office"
    assert found.quarter == "June 2025" and "21 August 2025" not in found.source  # ISO in the file
    assert "2025-08-21" in found.source


def test_a_prison_officer_in_london_three_years_in() -> None:
    found = crowd.estimate("I am a prison officer in London, 3 years in.")
    assert found is not None and found.staff == 22_702
    assert found.low == pytest.approx(22_702 * 0.12 * 0.12)  # 326.9: London 12%, 3-5 years 12%
    assert found.high == pytest.approx(22_702 * 0.18 * 0.18)  # 735.5
    assert found.shown == (320, 740)
    assert found.workplace_word == "prison"


def test_a_range_of_years_counts_every_band_it_touches() -> None:
    found = crowd.estimate("I have been a PSO for 10 to 15 years in probation in Leeds.")
    assert found is not None and found.staff == 5_213
    assert [d.said for d in found.details] == ["Yorkshire and the Humber", "10 to 15 years' service"]
    assert found.low == pytest.approx(5_213 * 0.08 * (0.08 + 0.06))  # 58.39
    assert found.high == pytest.approx(5_213 * 0.11 * (0.14 + 0.12))  # 149.09
    assert found.shown == (55, 150)


def test_band_4_means_what_the_service_makes_it() -> None:
    prison = crowd.estimate("I'm band 4 on the wings at the prison.")
    probation = crowd.estimate("I'm band 4 in probation, holding a caseload of high risk cases.")
    assert prison is not None and prison.group == "prison officers (bands 3 to 5)"
    assert probation is not None and probation.group == "probation officers (band 4)"
    assert (
        crowd.estimate("An OSG with two decades behind them.").group == "operational support grades (band 2)"
    )  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "text", ["I work in probation.", "Things are bad.", "", "I have worked here for 12 years."]
)
def test_too_little_to_say_gives_no_estimate(text: str) -> None:
    assert crowd.estimate(text) is None


@pytest.mark.parametrize(
    ("low", "high"), [(0.4, 3.2), (19.87, 50.22), (326.9, 735.5), (2270.2, 4086.4), (58.4, 149.1)]
)
def test_rounding_goes_outwards(low: float, high: float) -> None:
    shown_low, shown_high = crowd.rounded(low, high)
    assert shown_low <= low and shown_high >= high and shown_high >= 1


def test_the_preview_states_the_range_and_that_it_is_no_guarantee(client: FlaskClient) -> None:
    code, page = submit(
        client, "I am a band 4 probation officer in Wales and have been for 12 years.", "preview"
    )
    assert code == 200
    box = page.split('class="crowd"')[1].split("</div>")[0]
    assert "How many people could this be?" in box
    assert "roughly <strong>19 to 55 people</strong>" in box
    assert "Naming your office would bring that to roughly 2 to 13" in box
    assert "not a guarantee" in box and "June 2025" in box and "5,519" in box


def test_the_estimate_reads_what_would_be_published(client: FlaskClient) -> None:
    # The redactor strikes the town, so the region it would give is not counted.
    _, page = submit(
        client, "I am a band 4 probation officer in Wrexham and have been for 12 years.", "preview"
    )
    box = page.split('class="crowd"')[1].split("</div>")[0]
    said = box.split("From what you wrote (")[1].split("): roughly")[0]
    assert said == "probation officers (band 4), 12 years&#39; service"
