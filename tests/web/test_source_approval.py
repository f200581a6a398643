"""The source approves the final wording (issue 15), through the pages: a moderator changes the
wording and approves; the status page shows the changes marked against what was sent; the source
accepts, asks for more changes, or withdraws."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import delete, select

from testimony import approved, publishing
from testimony.db import db
from testimony.models import (
    BlobKind,
    Contribution,
    Digest,
    Recipient,
    SealedBlob,
    Status,
    Submission,
    WrappedKey,
    today,
)
from tests.support.desk import act, login_as, post_form
from tests.support.factories import add_digest
from tests.support.helpers import send_and_get_codename, status_post

TEXT = "I am the only probation officer at the Leeds office on nights. The rota has one name on it."
NEW_WORDING = "I am one of few probation officers on nights. The rota has one name on it."


def _item(app: Flask) -> Submission:
    with app.app_context():
        found = db.session.scalar(select(Submission))
        assert found is not None
        db.session.expunge(found)
        return found


def _approved_with_changes(app: Flask, moderator: FlaskClient, wording: str = NEW_WORDING) -> tuple[str, str]:
    codename = send_and_get_codename(app.test_client(), TEXT)
    item = _item(app)
    assert act(moderator, item.public_id, "wording", draft=wording).status_code == 302
    response = act(moderator, item.public_id, "approve", theme="workload", themes_sent="1")
    assert response.status_code == 302
    return codename, item.public_id


def _status(app: Flask) -> str:
    with app.app_context():
        return str(db.session.scalar(select(Submission.status)))


def test_changed_wording_waits_and_the_status_page_marks_the_changes(app: Flask, client: FlaskClient) -> None:
    login_as(app, client, "moderator", "mo")
    codename, _ = _approved_with_changes(app, client)
    assert _status(app) == Status.AWAITING_SOURCE
    code, page = status_post(app.test_client(), codename)
    assert code == 200
    assert "Approved with changes" in page and "The wording we would publish" in page
    # Marked against what the source sent (the struck-out text they previewed), without script.
    section = page.split('id="wording"')[1].split("</section>")[0]
    deleted = " ".join(re.findall(r"<del>(.*?)</del>", section, re.S))
    inserted = " ".join(re.findall(r"<ins>(.*?)</ins>", section, re.S))
    # The redactor had struck the office out ("[...]"); the moderator's wording drops that too.
    assert "only" in deleted and "[" in deleted
    assert "few" in inserted
    assert "<script" not in page
    # The day from which it may be published without an answer is stated.
    with app.app_context():
        ends = approved.wait_ends(today())
    assert ends.strftime("%-d %B %Y") in section
    assert "Accept this wording" in section and "Ask for these changes" in section


def test_the_source_accepts_and_an_editor_may_then_publish_it(app: Flask, client: FlaskClient) -> None:
    login_as(app, client, "moderator", "mo")
    codename, _ = _approved_with_changes(app, client)
    with app.app_context():
        assert list(db.session.scalars(publishing.available_contributions())) == []
    code, page = status_post(app.test_client(), codename, action="accept")
    assert code == 200 and "You accepted the wording" in page
    approved_section = page.split('id="approved-wording"')[1].split("</section>")[0]
    assert NEW_WORDING in approved_section
    assert _status(app) == Status.APPROVED
    with app.app_context():
        pool = list(db.session.scalars(publishing.available_contributions()))
        assert [approved.text_of(c) for c in pool] == [NEW_WORDING]
    # Accepting twice is refused calmly.
    code, page = status_post(app.test_client(), codename, action="accept")
    assert code == 400 and "already accepted" in page


def test_asking_for_changes_returns_it_to_review_with_the_message(app: Flask, client: FlaskClient) -> None:
    login_as(app, client, "moderator", "mo")
    codename, public_id = _approved_with_changes(app, client)
    code, page = status_post(app.test_client(), codename, action="changes", changes="")
    assert code == 400 and "Say what you would like changed" in page
    # Repeated beside the form, where the page opens (#wording), as well as at the top.
    assert "Say what you would like changed" in page.split('id="wording"')[1]
    assert _status(app) == Status.AWAITING_SOURCE
    code, page = status_post(
        app.test_client(), codename, action="changes", changes="Please take out the name of the prison."
    )
    assert code == 200 and "Your request was sent" in page
    assert _status(app) == Status.IN_REVIEW
    with app.app_context():
        assert db.session.scalar(select(Contribution)) is None  # the proposal is dropped
    # The moderators read it on the item, and can approve again.
    desk_page = client.get(f"/desk/item/{public_id}").get_data(as_text=True)
    assert "Please take out the name of the prison." in desk_page
    assert act(client, public_id, "wording", draft="One of few officers on nights.").status_code == 302
    assert act(client, public_id, "approve", theme="workload", themes_sent="1").status_code == 302
    assert _status(app) == Status.AWAITING_SOURCE
    _, page = status_post(app.test_client(), codename)
    assert "One of few officers on nights." in page


def test_wording_approved_as_sent_needs_no_answer(app: Flask, client: FlaskClient) -> None:
    login_as(app, client, "moderator", "mo")
    codename = send_and_get_codename(app.test_client(), TEXT)
    item = _item(app)
    assert act(client, item.public_id, "approve", theme="workload", themes_sent="1").status_code == 302
    assert _status(app) == Status.APPROVED
    _, page = status_post(app.test_client(), codename)
    assert 'id="wording"' not in page and "Approved." in page
    # The source still sees the words that will be published.
    assert "The wording that will be published" in page


def test_the_source_may_withdraw_instead(app: Flask, client: FlaskClient) -> None:
    login_as(app, client, "moderator", "mo")
    codename, _ = _approved_with_changes(app, client)
    code, page = status_post(app.test_client(), codename, action="withdraw", confirm="yes")
    assert code == 200 and "withdrawn" in page
    with app.app_context():
        contribution = db.session.scalar(select(Contribution))
        assert contribution is not None and contribution.withdrawn and contribution.sealed is None


def test_older_testimony_shows_the_wording_without_marks(app: Flask, client: FlaskClient) -> None:
    """Testimony sent before 2026-12 has no struck-out text sealed to the submitter: the wording
    is still shown, without marks."""
    login_as(app, client, "moderator", "mo")
    codename, _ = _approved_with_changes(app, client)
    with app.app_context():
        sent = db.session.scalar(select(SealedBlob.id).where(SealedBlob.kind == BlobKind.SENT))
        db.session.execute(
            delete(WrappedKey).where(WrappedKey.blob_id == sent, WrappedKey.recipient == Recipient.SUBMITTER)
        )
        db.session.commit()
    code, page = status_post(app.test_client(), codename)
    assert code == 200 and NEW_WORDING in page and "cannot mark the changes" in page
    assert "<del>" not in page.split('id="wording"')[1].split("</section>")[0]


def test_an_answer_after_publication_says_what_happened(app: Flask, client: FlaskClient) -> None:
    login_as(app, client, "moderator", "mo")
    codename, _ = _approved_with_changes(app, client)
    app.config["SOURCE_APPROVAL_DAYS"] = 0  # the period has passed
    with app.app_context():
        digest = add_digest("Nights", [db.session.scalar(select(Contribution))])
        publishing.publish(digest)
        db.session.commit()
        public_id = db.session.scalar(select(Contribution.public_id))
    assert _status(app) == Status.PUBLISHED
    code, page = status_post(app.test_client(), codename, action="changes", changes="Take it out.")
    assert code == 400 and "has now been published" in page
    # The status page closes the loop: it links to the published contribution.
    assert f'href="/c/{public_id}"' in page


def test_the_submit_page_states_the_period_before_sending(app: Flask, client: FlaskClient) -> None:
    app.config["SOURCE_APPROVAL_DAYS"] = 9
    page = client.get("/submit").get_data(as_text=True)
    assert "within 9 days" in page and "accept them, ask for more changes, or withdraw" in page


def test_editors_see_which_contributions_wait_for_the_source(app: Flask, client: FlaskClient) -> None:
    login_as(app, client, "moderator", "mo")
    _approved_with_changes(app, client)
    editor = app.test_client()
    login_as(app, editor, "editor", "ed")
    index = editor.get("/desk/digests/").get_data(as_text=True)
    assert "1 more, approved with changes, is waiting for its source's OK" in index
    code, _ = post_form(editor, "/desk/digests/new", title="Nights")
    assert code == 302
    with app.app_context():
        digest_id = db.session.scalar(select(Digest.id))
    page = editor.get(f"/desk/digests/{digest_id}").get_data(as_text=True)
    assert "waiting-source" not in page  # not yet among the contributions an editor may add
    app.config["SOURCE_APPROVAL_DAYS"] = 0  # the period has passed without an answer
    page = editor.get(f"/desk/digests/{digest_id}").get_data(as_text=True)
    assert "No answer yet from the source" in page
    assert "waiting-source" not in editor.get("/desk/digests/").get_data(as_text=True)


def test_the_queue_has_a_tab_and_a_badge_for_wording_waiting_for_the_source(
    app: Flask, client: FlaskClient
) -> None:
    login_as(app, client, "moderator", "mo")
    _approved_with_changes(app, client)
    page = client.get("/desk/?status=awaiting_source").get_data(as_text=True)
    assert "Waiting for the source&#39;s OK" in page or "Waiting for the source's OK" in page
    assert 'class="badge badge-waiting"' in page
    assert 'class="badge badge-waiting"' not in client.get("/desk/?status=received").get_data(as_text=True)
