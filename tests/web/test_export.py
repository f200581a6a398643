"""The research dataset (issue 16): every published contribution as JSON Lines and CSV, with
digest, date, themes, number and permalink, withdrawals marked, ETags, and nothing unpublished."""

from __future__ import annotations

import csv
import io
import json

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from testimony import corrections, submissions
from testimony.db import db
from testimony.models import Contribution, Submission
from tests.support.factories import make_digest

TEXTS = ["The rota had three names on it.", '=HYPERLINK("http://x")', "We ran out of forms."]


def _setup(app: Flask) -> tuple[str, list[str]]:
    slug, ids = make_digest(app, TEXTS, themes=("workload", "wellbeing"))
    make_digest(app, ["Not yet public."], title="Draft", publish=False)
    with app.app_context():
        gone = db.session.scalar(select(Contribution).where(Contribution.public_id == ids[2]))
        submissions.withdraw(db.session.get(Submission, gone.submission_id))
        fixed = db.session.scalar(select(Contribution).where(Contribution.public_id == ids[0]))
        corrections.correct(fixed, "The rota had two names on it.", "A number was wrong.")
        db.session.commit()
    return slug, ids


def test_jsonl_holds_every_published_contribution(app: Flask, client: FlaskClient) -> None:
    slug, ids = _setup(app)
    response = client.get("/api/v1/export/contributions.jsonl")
    assert response.status_code == 200 and response.mimetype == "application/x-ndjson"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    records = [json.loads(line) for line in response.get_data(as_text=True).splitlines()]
    assert [r["id"] for r in records] == ids and [r["number"] for r in records] == [1, 2, 3]
    first, second, third = records
    assert first["digest_id"] == slug and first["digest_title"] == "Caseloads at breaking point"
    assert first["published_at"].endswith("Z") and first["url"] == f"http://localhost/c/{ids[0]}"
    assert first["text"] == "The rota had two names on it." and first["note"].startswith("Amended on")
    assert sorted(first["themes"]) == ["wellbeing", "workload"]
    assert second["text"] == TEXTS[1]  # JSON Lines are the text exactly as published
    assert third["withdrawn"] is True and third["text"] == "" and third["themes"] == []
    assert "Not yet public" not in response.get_data(as_text=True)


def test_csv_loads_as_a_table_and_runs_no_formula(app: Flask, client: FlaskClient) -> None:
    _slug, ids = _setup(app)
    response = client.get("/api/v1/export/contributions.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [r["id"] for r in rows] == ids and [r["number"] for r in rows] == ["1", "2", "3"]
    assert rows[0]["themes"] == "wellbeing; workload"
    assert rows[1]["text"] == "'" + TEXTS[1]
    assert rows[2]["withdrawn"] == "true" and rows[2]["text"] == ""


def test_export_etag_changes_only_with_the_public_set(app: Flask, client: FlaskClient) -> None:
    make_digest(app, ["One."])
    first = client.get("/api/v1/export/contributions.jsonl")
    assert b"One." in first.data  # read to the end: the stream holds its request open until then
    tag = first.headers["ETag"]
    again = client.get("/api/v1/export/contributions.jsonl", headers={"If-None-Match": tag})
    assert again.status_code == 304 and not again.data
    as_csv = client.get("/api/v1/export/contributions.csv")
    assert as_csv.data and as_csv.headers["ETag"] != tag  # one per format
    make_digest(app, ["Two."], title="Another")
    changed = client.get("/api/v1/export/contributions.jsonl", headers={"If-None-Match": tag})
    assert changed.status_code == 200 and b"Two." in changed.data and changed.headers["ETag"] != tag
