"""The queue shows what a moderator needs to choose: a redacted excerpt opened for them, age,
themes, replies, who holds it, and service targets missed."""

from __future__ import annotations

import datetime as dt
import re

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import delete, select, update

from moderation.views import queue
from testimony.db import db
from testimony.models import SealedBlob, Submission, today
from tests.support.desk import act, login_as
from tests.support.helpers import send_and_get_codename, status_post

TEXT = "My manager Sarah Collins in the Leeds office said caseloads are fine. Email sarah.c@example.org now."


def only_item(app: Flask) -> str:
    with app.app_context():
        return str(db.session.scalar(select(Submission.public_id)))


def received_days_ago(app: Flask, public_id: str, days: int) -> None:
    with app.app_context():
        db.session.execute(
            update(Submission)
            .where(Submission.public_id == public_id)
            .values(received_on=today() - dt.timedelta(days=days))
        )
        db.session.commit()


def test_a_card_shows_the_redacted_excerpt_never_the_original(app: Flask, client: FlaskClient) -> None:
    login_as(app, client, "moderator", "mo")
    send_and_get_codename(app.test_client(), TEXT)
    page = client.get("/desk/").get_data(as_text=True)
    assert "caseloads are fine" in page and "[name 1]" in page
    assert "Sarah" not in page and "Leeds" not in page and "example.org" not in page
    assert "Received today" in page and "Suggested themes" in page


def test_a_moderator_without_a_key_sees_no_excerpt(app: Flask) -> None:
    send_and_get_codename(app.test_client(), TEXT)
    late = app.test_client()
    login_as(app, late, "moderator", "late")  # after the item arrived: no key for it
    page = late.get("/desk/").get_data(as_text=True)
    assert f"#{only_item(app)}" in page
    assert "caseloads are fine" not in page and "cannot open this item yet" in page


def test_the_excerpt_follows_the_latest_draft_and_its_themes(app: Flask, client: FlaskClient) -> None:
    login_as(app, client, "moderator", "mo")
    send_and_get_codename(app.test_client(), TEXT)
    public_id = only_item(app)
    assert act(client, public_id, "wording", draft="A manager said caseloads were fine.").status_code == 302
    assert act(client, public_id, "themes", theme="workload").status_code == 302
    page = client.get("/desk/?status=in_review").get_data(as_text=True)
    assert "A manager said caseloads were fine." in page
    assert "Themes: Workload" in page and "Held by mo" in page


def test_the_source_replied_badge(app: Flask, client: FlaskClient) -> None:
    login_as(app, client, "moderator", "mo")
    codename = send_and_get_codename(app.test_client(), TEXT)
    public_id = only_item(app)
    assert act(client, public_id, "ask", question="Which year was this?").status_code == 302
    page = client.get("/desk/?status=waiting_for_submitter").get_data(as_text=True)
    assert f"#{public_id}" in page and "The source replied" not in page
    status_post(app.test_client(), codename, action="reply", reply="Last spring.")
    page = client.get("/desk/?status=in_review").get_data(as_text=True)
    assert f"#{public_id}" in page and "The source replied" in page


def test_overdue_badges_follow_the_service_targets(app: Flask, client: FlaskClient) -> None:
    login_as(app, client, "moderator", "mo")
    send_and_get_codename(app.test_client(), TEXT)
    public_id = only_item(app)
    assert "Overdue" not in client.get("/desk/").get_data(as_text=True)
    received_days_ago(app, public_id, 8)
    page = client.get("/desk/").get_data(as_text=True)
    assert "Overdue: Not acknowledged within 7 days" in page and "8 days old" in page
    assert "Not decided" not in page
    # Acknowledged (a question sent) but not decided after the decision target.
    assert act(client, public_id, "ask", question="When was this?").status_code == 302
    received_days_ago(app, public_id, 91)
    page = client.get("/desk/?status=waiting_for_submitter").get_data(as_text=True)
    assert "Overdue: Not decided within 90 days" in page and "Not acknowledged" not in page
    # Targets are optional.
    app.config.update(DESK_ACKNOWLEDGE_DAYS=0, DESK_DECIDE_DAYS=0)
    page = client.get("/desk/?status=waiting_for_submitter").get_data(as_text=True)
    assert "Overdue" not in page and "Service targets" not in page


def test_one_page_of_excerpts_at_a_time(app: Flask, client: FlaskClient, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    login_as(app, client, "moderator", "mo")
    for n in range(3):
        send_and_get_codename(app.test_client(), f"Item number {n} about the rota.")
    monkeypatch.setattr(queue, "PAGE_SIZE", 2)
    page = client.get("/desk/").get_data(as_text=True)
    assert len(re.findall(r'class="excerpt-text"', page)) == 2 and "Next page" in page


def test_an_item_with_nothing_sealed_left_says_so(app: Flask, client: FlaskClient) -> None:
    login_as(app, client, "moderator", "mo")
    send_and_get_codename(app.test_client(), TEXT)
    public_id = only_item(app)
    with app.app_context():  # as retention leaves a published item's row
        submission_id = db.session.scalar(select(Submission.id).where(Submission.public_id == public_id))
        db.session.execute(delete(SealedBlob).where(SealedBlob.submission_id == submission_id))
        db.session.commit()
    page = client.get("/desk/").get_data(as_text=True)
    assert "Nothing sealed is kept any more" in page and "cannot open this item yet" not in page
