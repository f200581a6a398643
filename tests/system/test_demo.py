"""`flask seed-demo`: a fresh database shows a working reading room."""

from __future__ import annotations

import datetime as dt
import re

import pyotp
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from devtools.demo import DEMO, DEMO_MODERATOR, QUEUE
from testimony import publishing
from testimony.db import db
from testimony.models import Contribution, Digest, Status, Submission, utcnow
from tests.support.desk import enrolment_secret, post_form

NOTE = "A contribution was withdrawn by its author."


def test_seed_demo_fills_the_reading_room(app: Flask, client: FlaskClient, runner) -> None:
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert f"Added {len(DEMO)} digests" in result.output
    home = client.get("/").get_data(as_text=True)
    assert "The numbers nobody believes" in home and "Training on top of everything" in home
    assert "Coming up: the view from the night shift" not in home  # scheduled for tomorrow
    with app.app_context():
        published = db.session.scalars(publishing.published_digests()).all()
        # The demo's digests but the scheduled one, and the queue's one published item.
        assert len(published) == len(DEMO) - 1 + 1
        slug = db.session.scalar(select(Digest.slug).where(Digest.title == "Behind the gate"))
        replies = db.session.scalar(select(func.count()).where(Contribution.in_reply_to_id.is_not(None)))
        assert replies == 3
    assert NOTE in client.get(f"/d/{slug}").get_data(as_text=True)
    search = client.get("/search?q=leaving+card").get_data(as_text=True)
    assert "<mark>" in search and "2 results" in search
    with app.app_context():
        learn = db.session.scalar(
            select(Digest.slug).where(Digest.title == "Nobody stays long enough to learn")
        )
    threaded = client.get(f"/d/{learn}").get_data(as_text=True)
    assert "1 response" in threaded and "proper handover week" in threaded
    trends = client.get("/trends").get_data(as_text=True)
    assert "<svg" in trends
    feed = client.get("/feed.atom").get_data(as_text=True)
    assert feed.count("<entry>") == len(DEMO) - 1 + 1
    # Tomorrow the scheduled digest appears.
    with app.app_context():
        published_now, _ = publishing.publish_due(utcnow() + dt.timedelta(days=2))
        assert [d.title for d in published_now] == ["Coming up: the view from the night shift"]


def test_seed_demo_refuses_a_database_with_digests(app: Flask, runner) -> None:
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    again = runner.invoke(args=["seed-demo"])
    assert again.exit_code != 0 and "fresh database" in again.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Digest)) == len(DEMO) + 1  # and the queue's


def test_seed_demo_fills_every_desk_page(app: Flask, client: FlaskClient, runner) -> None:
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert f"Filled the desk's queue with {len(QUEUE)} demo items" in result.output
    password = re.search(r"Password: (\S+)", result.output).group(1)  # type: ignore[union-attr]
    with app.app_context():
        statuses = set(db.session.scalars(select(Submission.status)))
        waiting = db.session.scalar(select(func.count()).where(Contribution.digest_id.is_(None)))
    assert statuses == set(Status), statuses
    assert waiting and waiting >= 3  # the approved pool the editors pick from
    # The demo moderator logs in (setting up an authenticator) and can open every demo item.
    desk = app.test_client()
    code, _ = post_form(desk, "/desk/login", name=DEMO_MODERATOR, password=password)
    assert code == 302
    secret = enrolment_secret(desk.get("/desk/enrol").get_data(as_text=True))
    assert post_form(desk, "/desk/enrol", code=pyotp.TOTP(secret).now())[0] == 200
    for status in ("received", "in_review", "waiting_for_submitter", "approved", "published", "declined"):
        page = desk.get(f"/desk/?status={status}").get_data(as_text=True)
        assert 'class="excerpt-text"' in page, status
        assert "cannot open this item yet" not in page, status
    assert "The source replied" in desk.get("/desk/?status=in_review").get_data(as_text=True)
    assert "Overdue" in desk.get("/desk/?status=received").get_data(as_text=True)
    # Running it again adds no second demo account.
    again = runner.invoke(args=["seed-demo", "--force"])
    assert again.exit_code == 0 and "was not filled" in again.output
