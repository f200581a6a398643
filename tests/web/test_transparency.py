"""Transparency (issue 16): monthly counts received, published, declined by reason and withdrawn,
counted as they happen, only for months that have ended, small counts shown as "fewer than 5"."""

from __future__ import annotations

import datetime as dt

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from testimony import submissions, transparency
from testimony.db import db
from testimony.models import MonthlyTally, Submission, utcnow
from tests.support.factories import make_digest

LAST_MONTH = (utcnow().replace(day=1) - dt.timedelta(days=3)).date()


def test_counts_are_kept_as_things_happen(app: Flask) -> None:
    make_digest(app, ["One.", "Two."])
    with app.app_context():
        submissions.withdraw(db.session.scalars(select(Submission)).first())
        db.session.commit()
        counts = {(row.month, row.measure): row.count for row in db.session.scalars(select(MonthlyTally))}
    month = transparency.month_of()
    assert counts[(month, "published")] == 2 and counts[(month, "withdrawn")] == 1


def test_page_and_api_show_ended_months_with_small_counts_suppressed(app: Flask, client: FlaskClient) -> None:
    with app.app_context():
        transparency.tally("received", 12, on=LAST_MONTH)
        transparency.tally("published", 7, on=LAST_MONTH)
        transparency.tally(transparency.declined("identifying"), 3, on=LAST_MONTH)
        transparency.tally(transparency.declined("no-such-reason"), 6, on=LAST_MONTH)
        transparency.tally("withdrawn", 1, on=LAST_MONTH)
        transparency.tally("received", 40)  # this month: not shown until it ends
        db.session.commit()
    html = client.get("/transparency").get_data(as_text=True)
    label = LAST_MONTH.strftime("%B %Y")
    row = html[html.index(f'<th scope="row">{label}</th>') :].split("</tr>")[0]
    cells = [cell.split("</td>")[0] for cell in row.split('<td class="num">')[1:]]
    assert cells[0] == "12" and cells[1] == "7" and cells[-1] == "fewer than 5"
    assert "fewer than 5" in cells[2]  # declined: would identify someone (3)
    assert "40" not in html
    api = client.get("/api/v1/transparency").json
    (month,) = api["data"]
    assert month["month"] == LAST_MONTH.strftime("%Y-%m") and month["received"] == 12
    assert month["withdrawn"] == "fewer than 5" and month["declined"]["identifying"] == "fewer than 5"
    assert month["declined"]["other"] == 6 and api["meta"]["suppressed_below"] == 5
    assert 'href="/transparency"' in client.get("/").get_data(as_text=True)
