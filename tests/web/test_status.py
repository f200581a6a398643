"""Coming back with a codename: status, messages, replies, withdrawal."""

import json

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

import nlp
from moderation import accounts
from testimony import codenames, crypto, sealing, submissions
from testimony.db import db
from testimony.models import BlobKind, Recipient, SealedBlob, Status, Submission
from tests.support.helpers import send_and_get_codename, status_post


def moderator_message(app: Flask, text: str) -> None:
    """What the desk will do: a message sealed to the submitter and staff."""
    with app.app_context():
        sub = db.session.scalar(select(Submission))
        assert sub is not None
        moderator, _ = accounts.create_moderator(f"asker{sub.version}", "moderator")
        db.session.flush()
        submissions.add_moderator_blob(
            sub, kind=BlobKind.MESSAGE, payload={"text": text}, moderator_id=moderator.id, to_submitter=True
        )
        sub.status = Status.WAITING
        db.session.commit()


def test_status_shows_received(client: FlaskClient) -> None:
    codename = send_and_get_codename(client, "The new rota leaves one officer per landing.")
    code, page = status_post(client, codename)
    assert code == 200
    assert "Received" in page
    assert "No messages yet" in page


def test_codename_typed_loosely_still_works(client: FlaskClient) -> None:
    codename = send_and_get_codename(client, "Testimony about training.")
    code, _ = status_post(client, "  " + codename.upper().replace(" ", "   ") + " ")
    assert code == 200


@pytest.mark.parametrize("wrong", ["", "not my codename", "apple " * 7, "x" * 10_000])
def test_wrong_codename_gets_the_same_calm_error(client: FlaskClient, wrong: str) -> None:
    send_and_get_codename(client, "Something about OASys.")
    code, page = status_post(client, wrong)
    assert code in (400, 404)
    assert ("could not find" in page) or ("Please enter your codename" in page)


def test_question_and_answer(app: Flask, client: FlaskClient) -> None:
    codename = send_and_get_codename(client, "Caseloads are too high in my team.")
    moderator_message(app, "Which grade are you? Only if you are comfortable saying.")
    code, page = status_post(client, codename)
    assert "A moderator has a question" in page
    assert "Which grade are you?" in page
    code, page = status_post(client, codename, action="reply", reply="I would rather not say.")
    assert code == 200 and "Your reply was sent" in page
    assert "I would rather not say." in page
    with app.app_context():
        sub = db.session.scalar(select(Submission))
        assert sub is not None and sub.status == Status.IN_REVIEW


def test_empty_reply_is_refused(client: FlaskClient) -> None:
    codename = send_and_get_codename(client, "Text.")
    code, page = status_post(client, codename, action="reply", reply="  ")
    assert code == 400 and "empty" in page


def test_reply_to_submitter_opens_only_with_the_right_codename(app: Flask, client: FlaskClient) -> None:
    codename = send_and_get_codename(client, "Testimony.")
    moderator_message(app, "A question only you can read")
    with app.app_context():
        sub = db.session.scalar(select(Submission))
        blob = next(b for b in sub.blobs if b.kind == BlobKind.MESSAGE)
        right = codenames.derive(codename, submissions.codename_settings())
        wrong = codenames.derive(codenames.generate(), submissions.codename_settings())
        opened = sealing.open_blob(blob, Recipient.SUBMITTER, right.keypair.private)
        assert opened["text"] == "A question only you can read"
        with pytest.raises(crypto.DecryptionFailed):
            sealing.open_blob(blob, Recipient.SUBMITTER, wrong.keypair.private)


def test_withdraw_needs_confirmation_then_deletes(app: Flask, client: FlaskClient) -> None:
    codename = send_and_get_codename(client, "Please delete me later.")
    code, page = status_post(client, codename, action="withdraw")
    assert code == 400 and "tick the box" in page
    code, page = status_post(client, codename, action="withdraw", confirm="yes")
    assert code == 200 and "withdrawn" in page and "deleted from our database" in page
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(SealedBlob)) == 0
        sub = db.session.scalar(select(Submission))
        assert sub is not None and sub.status == Status.WITHDRAWN
    code, page = status_post(client, codename)
    assert "Withdrawn" in page and "Reply to the moderators" not in page


def test_moderator_key_decrypts_the_bundle_and_a_wrong_key_does_not(app: Flask, client: FlaskClient) -> None:
    with app.app_context():
        moderator, one_time = accounts.create_moderator("maria", "moderator")
        password = "maria's own long password"
        accounts.set_first_password(moderator, one_time, password)  # her key pair is made here
        db.session.commit()
        moderator_id = moderator.id
    send_and_get_codename(client, "Canary-7Q2 about Napo and the Leeds office.")
    with app.app_context():
        moderator = db.session.get(accounts.Moderator, moderator_id)
        private = accounts.unlock_private_key(moderator, password)
        blob = db.session.scalar(select(SealedBlob).where(SealedBlob.kind == BlobKind.BUNDLE))
        bundle = sealing.open_blob(blob, Recipient.MODERATOR, private, moderator_id)
        assert "Canary-7Q2" in bundle["redaction"]["text"]
        recovery = app.config["TEST_RECOVERY_PRIVATE_KEY"]
        assert (
            sealing.open_blob(blob, Recipient.RECOVERY, recovery)["redaction"]["text"]
            == bundle["redaction"]["text"]
        )
        with pytest.raises(crypto.DecryptionFailed):
            sealing.open_blob(blob, Recipient.MODERATOR, recovery, moderator_id)
        with pytest.raises(accounts.crypto.DecryptionFailed):
            accounts.unlock_private_key(moderator, "the wrong password entirely")


def test_a_codename_and_the_database_never_open_the_original(app: Flask, client: FlaskClient) -> None:
    """Someone holding a codename and a copy of the database opens what the source could read on
    the status page, and nothing the redactor struck: not in the first part, not in a later one."""
    codename = send_and_get_codename(client, "My manager Rosalind Pettifer-Quaye moved my cases again.")
    with app.app_context():
        submission = db.session.scalar(select(Submission))
        assert submission is not None
        submissions.add_more(submission, nlp.redact("Then Tobias Wendlebury on nights took the rest."))
        db.session.commit()
        derived = codenames.derive(codename, submissions.codename_settings())
        opened = []
        for blob in db.session.scalar(select(Submission)).blobs:
            try:
                opened.append(
                    json.dumps(sealing.open_blob(blob, Recipient.SUBMITTER, derived.keypair.private))
                )
            except sealing.NoKeyForReader:
                continue
        assert opened, "the submitter can open their struck-out text"
        for name in ("Pettifer", "Rosalind", "Wendlebury", "Tobias"):
            assert not any(name in text for text in opened), name
