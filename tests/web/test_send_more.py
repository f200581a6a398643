"""The status page closes the loop (issue 15): "Send more" adds a part to the same testimony under
the same codename; the codename field is a text field that keeps what was typed; a published
testimony links to its contribution."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from testimony.db import db
from testimony.models import Contribution, SealedBlob, Status, Submission
from tests.support.desk import act, login_as
from tests.support.helpers import BLOBS_PER_SEND, csrf_token, send_and_get_codename, status_post

FIRST = "The night rota has one officer on each landing."
MORE = "Since I wrote, Sarah Collins from the Leeds office has been moved to days."


def _count(model: type) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def test_send_more_previews_then_adds_to_the_same_testimony(app: Flask, client: FlaskClient) -> None:
    codename = send_and_get_codename(client, FIRST)
    code, page = status_post(client, codename, action="more", more=MORE, preview="1")
    assert code == 200 and "Check your preview" in page
    preview = page.split('id="more-preview"')[1].split("</div>")[0]
    assert "<del>Sarah Collins</del>" in preview  # struck, as on the submit page
    assert MORE in page.split('id="more-body"')[1]  # kept in the box
    with app.app_context():
        assert _count(SealedBlob) == BLOBS_PER_SEND  # a preview stores nothing
    code, page = status_post(client, codename, action="more", more=MORE, send="1")
    assert code == 200 and "the new part was added to your testimony" in page
    with app.app_context():
        assert _count(Submission) == 1  # the same testimony, the same codename
        blobs = db.session.scalars(select(SealedBlob).where(SealedBlob.kind == "message")).all()
        assert len(blobs) == 1 and b"Sarah" not in blobs[0].ciphertext
    # The submitter reads the struck-out part back in the conversation.
    assert "[name" in page.split('id="messages-heading"')[1] and "Sarah Collins" not in page


def test_more_returns_an_approved_testimony_to_review(app: Flask, client: FlaskClient) -> None:
    moderator = app.test_client()
    login_as(app, moderator, "moderator", "mo")
    codename = send_and_get_codename(client, FIRST)
    with app.app_context():
        public_id = db.session.scalar(select(Submission.public_id))
    assert act(moderator, public_id, "approve", theme="workload", themes_sent="1").status_code == 302
    code, page = status_post(client, codename, action="more", more="One more thing.", send="1")
    assert code == 200 and "goes back to the moderators" in page
    with app.app_context():
        assert db.session.scalar(select(Submission.status)) == Status.IN_REVIEW
        assert _count(Contribution) == 0  # the approved wording waits for the new part
    desk = moderator.get(f"/desk/item/{public_id}").get_data(as_text=True)
    assert "One more thing." in desk


def test_empty_more_is_refused_and_declined_testimony_takes_no_more(app: Flask, client: FlaskClient) -> None:
    moderator = app.test_client()
    login_as(app, moderator, "moderator", "mo")
    codename = send_and_get_codename(client, FIRST)
    code, page = status_post(client, codename, action="more", more="  ", send="1")
    assert code == 400 and "There is no text yet" in page
    with app.app_context():
        public_id = db.session.scalar(select(Submission.public_id))
    assert act(moderator, public_id, "decline", reason="duplicate").status_code == 302
    code, page = status_post(client, codename, action="more", more="More.", send="1")
    assert code == 400 and "cannot take more" in page
    assert 'id="more-body"' not in page


def test_codename_is_a_text_field_that_keeps_what_was_typed(client: FlaskClient) -> None:
    page = client.get("/status").get_data(as_text=True)
    field = page.split('id="codename"')[1].split(">")[0]
    assert 'type="text"' in field and 'autocomplete="off"' in field and 'type="password"' not in page
    token = csrf_token(client, "/status")
    response = client.post("/status", data={"csrf_token": token, "codename": "wrong words typed here"})
    page = response.get_data(as_text=True)
    assert response.status_code == 404
    assert 'value="wrong words typed here"' in page and "Error: Check status" in page
    assert response.headers["Cache-Control"] == "no-store"
