"""After publication (issue 15's editor item, in issue 16's log): editors correct or take down a
published contribution with a dated note; the audit trail says who and why; pages, feeds and the
API carry the change; the publication log records it. Before it: "Publish now" asks first, and
two editors saving one draft cannot overwrite each other."""

from __future__ import annotations

import re

import feedparser
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import select

from testimony.db import db
from testimony.models import AuditEvent, Contribution, Digest, PublicationLogEntry, Submission
from tests.support.desk import login_as
from tests.support.factories import add_digest, approved, make_digest
from tests.support.helpers import token_in

TEXTS = ["The rota had three names on it.", "Nobody covered the night shift on the 14th of May."]


def _digest_id(app: Flask, slug: str) -> int:
    with app.app_context():
        return int(db.session.scalar(select(Digest.id).where(Digest.slug == slug)))


def test_editor_corrects_a_published_contribution_with_a_dated_note(
    app: Flask, client: FlaskClient, runner: FlaskCliRunner
) -> None:
    slug, ids = make_digest(app, TEXTS)
    digest_id = _digest_id(app, slug)
    reader = app.test_client()
    assert "14th of May" in reader.get(f"/d/{slug}").get_data(as_text=True)  # now in the page cache
    login_as(app, client, "editor", "ed")
    edit = client.get(f"/desk/digests/{digest_id}").get_data(as_text=True)
    response = client.post(
        f"/desk/digests/{digest_id}/contributions/{ids[1]}/correct",
        data={
            "csrf_token": token_in(edit),
            "text": "Nobody covered the night shift.",
            "note": "A date that could identify someone was removed.",
        },
    )
    assert response.status_code == 302
    for path in (f"/d/{slug}", f"/c/{ids[1]}"):
        html = reader.get(path).get_data(as_text=True)
        assert "14th of May" not in html and "Nobody covered the night shift." in html
        assert re.search(r"Amended on <time[^>]*>\w+ \d+ \w+ \d{4}</time>:</strong> A date that could", html)
    api = reader.get(f"/api/v1/contributions/{ids[1]}").json["data"]
    assert api["text"] == "Nobody covered the night shift." and api["note"].startswith("Amended on ")
    assert api["amended_at"] is not None
    feed = feedparser.parse(reader.get("/themes/workload/feed.atom").data)
    assert any("Amended on" in e.content[0].value for e in feed.entries)
    assert "14th of May" not in reader.get("/feed.atom").get_data(as_text=True)
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "contribution_corrected"))
        assert event.actor == "ed" and event.item == ids[1] and "could identify" in event.detail
        kinds = list(db.session.scalars(select(PublicationLogEntry.kind).order_by(PublicationLogEntry.seq)))
        assert kinds == ["publication", "correction"]
    result = runner.invoke(args=["publication", "verify"])
    assert result.exit_code == 0, result.output


def test_editor_takes_down_a_published_contribution_with_a_dated_note(
    app: Flask, client: FlaskClient, runner: FlaskCliRunner
) -> None:
    slug, ids = make_digest(app, TEXTS)
    digest_id = _digest_id(app, slug)
    login_as(app, client, "editor", "ed")
    token = token_in(client.get(f"/desk/digests/{digest_id}").get_data(as_text=True))
    url = f"/desk/digests/{digest_id}/contributions/{ids[0]}/take-down"
    unconfirmed = client.post(url, data={"csrf_token": token, "note": "Legal advice."})
    assert unconfirmed.status_code == 400 and "three names" in client.get(f"/d/{slug}").get_data(as_text=True)
    assert client.post(url, data={"csrf_token": token, "note": "", "confirm": "yes"}).status_code == 400
    response = client.post(url, data={"csrf_token": token, "note": "Legal advice.", "confirm": "yes"})
    assert response.status_code == 302
    digest_page = client.get(f"/d/{slug}").get_data(as_text=True)
    assert "three names" not in digest_page and "Removed on" in digest_page and "Legal advice." in digest_page
    gone = client.get(f"/c/{ids[0]}")
    assert gone.status_code == 410 and "Removed on" in gone.get_data(as_text=True)
    assert client.get(f"/api/v1/contributions/{ids[0]}").status_code == 410
    listed = client.get(f"/api/v1/digests/{slug}").json["data"]["contributions"]
    assert listed[0]["withdrawn"] is True and listed[0]["note"].startswith("Removed on")
    assert "three names" not in client.get("/search?q=rota").get_data(as_text=True)
    with app.app_context():
        row = db.session.scalar(select(Contribution).where(Contribution.public_id == ids[0]))
        assert row.text == "" and row.removed_at is not None
        # The submission's status is not changed here (only testimony/lifecycle.py writes it).
        assert db.session.get(Submission, row.submission_id).status == "published"
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "contribution_taken_down"))
        assert event.actor == "ed" and "Legal advice." in event.detail
    assert runner.invoke(args=["publication", "verify"]).exit_code == 0
    # A second takedown of the same contribution is refused.
    assert client.post(url, data={"csrf_token": token, "note": "Again.", "confirm": "yes"}).status_code == 400


def test_only_editors_may_correct(app: Flask, client: FlaskClient) -> None:
    slug, ids = make_digest(app, TEXTS)
    digest_id = _digest_id(app, slug)
    login_as(app, client, "moderator", "mo")
    token = token_in(client.get("/desk/").get_data(as_text=True))
    response = client.post(
        f"/desk/digests/{digest_id}/contributions/{ids[0]}/correct",
        data={"csrf_token": token, "text": "Changed.", "note": "Why not."},
    )
    assert response.status_code in (302, 403)
    assert "three names" in client.get(f"/c/{ids[0]}").get_data(as_text=True)


def test_two_editors_saving_one_draft_the_second_gets_the_conflict_page(app: Flask) -> None:
    with app.app_context():
        digest = add_digest("Nights", [approved("One."), approved("Two.")])
        digest_id = digest.id
        db.session.commit()
    first, second = app.test_client(), app.test_client()
    login_as(app, first, "editor", "ed")
    login_as(app, second, "editor", "ed2")
    page_one = first.get(f"/desk/digests/{digest_id}").get_data(as_text=True)
    page_two = second.get(f"/desk/digests/{digest_id}").get_data(as_text=True)

    def details(client: FlaskClient, page: str, title: str) -> tuple[int, str]:
        version = re.search(r'name="version" value="(\d+)"', page)
        assert version
        response = client.post(
            f"/desk/digests/{digest_id}/details",
            data={"csrf_token": token_in(page), "version": version.group(1), "title": title, "intro": ""},
        )
        return response.status_code, response.get_data(as_text=True)

    assert details(first, page_one, "Nights, first")[0] == 302
    code, html = details(second, page_two, "Nights, second")
    assert code == 409 and "Your change was not saved" in html and "Open “Nights, first” again" in html
    with app.app_context():
        assert db.session.get(Digest, digest_id).title == "Nights, first"
