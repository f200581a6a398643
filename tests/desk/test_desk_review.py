"""Reviewing items with plain form posts: claim, redactions, wording, decisions, conflicts, grants."""

import re

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from testimony import approved, publishing
from testimony.db import db
from testimony.models import AuditEvent, Contribution, Status, Submission
from tests.support.desk import act, login_as, post_form, version_of
from tests.support.factories import add_digest
from tests.support.helpers import send_and_get_codename, status_post, token_in, tokens_in

TEXT = "My manager Sarah Collins in the Leeds office said caseloads are fine. Email sarah.c@example.org now."


def submission(app: Flask) -> Submission:
    with app.app_context():
        sub = db.session.scalar(select(Submission))
        assert sub is not None
        db.session.expunge(sub)
        return sub


def test_opening_claims_nothing_and_the_first_action_does(app: Flask, client: FlaskClient) -> None:
    login_as(app, client, "moderator", "mo")
    send_and_get_codename(app.test_client(), TEXT)
    item = submission(app)
    page = client.get(f"/desk/item/{item.public_id}").get_data(as_text=True)
    assert "Sarah Collins" in page  # the original, for the moderator
    assert "[name" in page  # the draft
    assert 'name="span"' in page
    # Browsing (j/k through the queue) used to lock items away from colleagues.
    opened = submission(app)
    assert opened.status == Status.RECEIVED and opened.claimed_by_id is None
    assert opened.version == item.version
    assert act(client, item.public_id, "note", note="Looks straightforward.").status_code == 302
    after = submission(app)
    assert after.status == Status.IN_REVIEW and after.claimed_by_id is not None
    queue = client.get("/desk/?status=in_review").get_data(as_text=True)
    assert f"#{item.public_id}" in queue and "Held by mo" in queue
    assert "Sarah" not in queue  # the excerpt is the redacted draft, never the original
    with app.app_context():
        actions = list(db.session.scalars(select(AuditEvent.action).where(AuditEvent.item == item.public_id)))
    assert actions == ["claim", "note"]


def test_restore_strike_edit_and_approve(app: Flask, client: FlaskClient) -> None:
    login_as(app, client, "moderator", "mo")
    codename = send_and_get_codename(app.test_client(), TEXT)
    item = submission(app)
    # Restore everything, then strike a further passage by hand.
    response = act(client, item.public_id, "redactions", strike_text="caseloads are fine", strike_label="ORG")
    assert response.status_code == 302
    page = client.get(f"/desk/item/{item.public_id}").get_data(as_text=True)
    draft = page.split('name="draft"')[1].split("</textarea>")[0]
    assert "Sarah Collins" in draft  # restored
    assert "caseloads are fine" not in draft  # struck by hand
    # Strike everything again and edit the wording directly.
    spans = re.findall(r'name="span" value="(\d+)"', page)
    response = act(client, item.public_id, "redactions", span=spans)
    assert response.status_code == 302
    response = act(client, item.public_id, "wording", draft="A manager said caseloads are fine.")
    assert response.status_code == 302
    response = act(client, item.public_id, "approve", theme="workload", themes_sent="1")
    assert response.status_code == 302
    with app.app_context():
        contribution = db.session.scalar(select(Contribution))
        assert contribution is not None
        # Approved but unpublished: the wording is sealed, the plain column empty.
        assert contribution.text == "" and contribution.sealed is not None
        assert approved.text_of(contribution) == "A manager said caseloads are fine."
        # Themes too are sealed until publication (testimony/approved.py).
        assert contribution.themes == []
        assert [t.slug for t in approved.themes_of(contribution)] == ["workload"]
        # The wording differs from what the source sent: it waits for their OK (issue 15).
        assert db.session.get(Submission, contribution.submission_id).status == Status.AWAITING_SOURCE
        actions = list(db.session.scalars(select(AuditEvent.action).where(AuditEvent.item == item.public_id)))
    assert actions == [
        "claim",
        "redaction_changed",
        "redaction_changed",
        "draft_edited",
        "approve_with_changes",
    ]
    assert "Approved with changes" in status_post(app.test_client(), codename)[1]


def test_decline_reason_reaches_the_submitter(app: Flask, client: FlaskClient) -> None:
    login_as(app, client, "moderator", "mo")
    codename = send_and_get_codename(app.test_client(), TEXT)
    item = submission(app)
    assert act(client, item.public_id, "decline", reason="").status_code == 400
    response = act(client, item.public_id, "decline", reason="out_of_scope", note="Thanks for writing.")
    assert response.status_code == 302
    page = status_post(app.test_client(), codename)[1]
    assert (
        "Not published" in page
        and "not about working in the service" in page
        and "Thanks for writing." in page
    )


def test_question_reaches_submitter_and_answer_comes_back(app: Flask, client: FlaskClient) -> None:
    login_as(app, client, "moderator", "mo")
    codename = send_and_get_codename(app.test_client(), TEXT)
    item = submission(app)
    assert act(client, item.public_id, "ask", question="Which year was this?").status_code == 302
    assert act(client, item.public_id, "note", note="Check the date with a second reader.").status_code == 302
    submitter = app.test_client()
    page = status_post(submitter, codename)[1]
    assert "Which year was this?" in page and "second reader" not in page  # notes stay internal
    status_post(submitter, codename, action="reply", reply="Last spring.")
    page = client.get(f"/desk/item/{item.public_id}").get_data(as_text=True)
    assert "Last spring." in page and "second reader" in page


def test_second_moderator_gets_the_conflict_page(app: Flask) -> None:
    first, second = app.test_client(), app.test_client()
    login_as(app, first, "moderator", "one")
    login_as(app, second, "moderator", "two")
    send_and_get_codename(app.test_client(), TEXT)
    item = submission(app)
    first_page = first.get(f"/desk/item/{item.public_id}").get_data(as_text=True)
    # Both opened it; nobody holds it until one of them acts.
    assert "one is working" not in second.get(f"/desk/item/{item.public_id}").get_data(as_text=True)
    assert act(first, item.public_id, "note", note="mine first").status_code == 302
    second_page = second.get(f"/desk/item/{item.public_id}").get_data(as_text=True)
    assert "one is working on this item" in second_page
    token = token_in(second_page)
    response = second.post(
        f"/desk/item/{item.public_id}/note",
        data={"csrf_token": token, "version": version_of(first_page), "note": "mine"},
    )
    assert response.status_code == 409 and "not saved" in response.get_data(as_text=True)
    # A stale version is refused even for the holder.
    assert act(first, item.public_id, "note", note="first note").status_code == 302
    token = token_in(first_page)
    stale = first.post(
        f"/desk/item/{item.public_id}/note",
        data={"csrf_token": token, "version": version_of(first_page), "note": "again"},
    )
    assert stale.status_code == 409


def test_admin_can_release_a_claim(app: Flask) -> None:
    holder, admin = app.test_client(), app.test_client()
    login_as(app, holder, "moderator", "holder")
    login_as(app, admin, "admin", "boss")
    send_and_get_codename(app.test_client(), TEXT)
    item = submission(app)
    assert act(holder, item.public_id, "note", note="Holding this one.").status_code == 302
    assert submission(app).claimed_by_id is not None
    assert act(admin, item.public_id, "release").status_code == 302
    assert submission(app).claimed_by_id is None


def test_new_moderator_reads_old_items_only_after_a_grant(app: Flask) -> None:
    admin, late = app.test_client(), app.test_client()
    login_as(app, admin, "admin", "boss")
    send_and_get_codename(app.test_client(), TEXT)
    item = submission(app)
    login_as(app, late, "moderator", "late")
    response = late.get(f"/desk/item/{item.public_id}")
    assert response.status_code == 403 and "cannot open" in response.get_data(as_text=True)
    page = admin.get("/desk/admin/accounts").get_data(as_text=True)
    user_id = re.search(r"/desk/admin/accounts/(\d+)/grant", page).group(1)  # type: ignore[union-attr]
    token = token_in(page)
    assert admin.post(f"/desk/admin/accounts/{user_id}/grant", data={"csrf_token": token}).status_code == 302
    page = late.get(f"/desk/item/{item.public_id}").get_data(as_text=True)
    assert "Sarah Collins" in page
    # Deactivating revokes the wrapped keys.
    assert (
        admin.post(f"/desk/admin/accounts/{user_id}/deactivate", data={"csrf_token": token}).status_code
        == 302
    )
    assert late.get(f"/desk/item/{item.public_id}").status_code == 302  # logged out


def test_keep_list_is_admin_only_and_audited(app: Flask) -> None:
    mod, admin = app.test_client(), app.test_client()
    login_as(app, mod, "moderator", "mo")
    login_as(app, admin, "admin", "boss")
    assert mod.get("/desk/admin/keep-list").status_code == 403
    assert post_form(admin, "/desk/admin/keep-list", term="Chief Inspector of Prisons")[0] == 302
    assert "Chief Inspector of Prisons" in admin.get("/desk/admin/keep-list").get_data(as_text=True)


def test_withdrawal_after_approval_empties_the_contribution(app: Flask, client: FlaskClient) -> None:
    login_as(app, client, "moderator", "mo")
    codename = send_and_get_codename(app.test_client(), TEXT)
    item = submission(app)
    assert act(client, item.public_id, "approve", themes_sent="1", theme="workload").status_code == 302
    status_post(app.test_client(), codename, action="withdraw", confirm="yes")
    with app.app_context():
        contribution = db.session.scalar(select(Contribution))
        assert (
            contribution is not None
            and contribution.withdrawn
            and contribution.text == ""
            and contribution.themes == []
        )


def test_a_response_is_linked_to_the_contribution_it_answers(app: Flask, client: FlaskClient) -> None:
    login_as(app, client, "moderator", "mo")
    send_and_get_codename(app.test_client(), TEXT)
    first = submission(app)
    act(client, first.public_id, "approve", themes_sent="1")
    with app.app_context():
        original = db.session.scalar(select(Contribution))
        assert original is not None
        target = original.public_id
        # Responding is offered only beneath published contributions.
        publishing.publish(add_digest("Published first", [original]))
        db.session.commit()
    responder = app.test_client()
    page = responder.get(f"/submit?in_reply_to={target}").get_data(as_text=True)
    assert f'name="in_reply_to" value="{target}"' in page and "Respond anonymously" in page
    sent = responder.post(
        "/submit",
        data={**tokens_in(page), "body": "I saw the same in my team.", "in_reply_to": target, "send": "1"},
    )
    assert sent.status_code == 200
    with app.app_context():
        response_item = db.session.scalar(select(Submission).where(Submission.public_id != first.public_id))
        assert response_item is not None
        assert response_item.in_reply_to is None  # sealed in the bundle, not a clear column
        public_id = response_item.public_id
    act(client, public_id, "approve", themes_sent="1")
    with app.app_context():
        answer = db.session.scalar(select(Contribution).where(Contribution.public_id != target))
        assert answer is not None and answer.in_reply_to_id is None  # sealed until published
        parent = approved.parent_of(answer)
        assert parent is not None and parent.public_id == target
        publishing.publish(add_digest("Published second", [answer]))
        db.session.commit()
        assert answer.in_reply_to is not None and answer.in_reply_to.public_id == target


def test_queue_tab_counts_stop_at_the_cap(app: Flask, client: FlaskClient, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from moderation.views import queue

    login_as(app, client, "moderator", "mo")
    for n in range(3):
        send_and_get_codename(app.test_client(), f"Item number {n} about the rota.")
    counts = re.compile(r'<span class="count">([^<]+)</span>')
    assert counts.findall(client.get("/desk/").get_data(as_text=True))[0] == "3"
    monkeypatch.setattr(queue, "COUNT_CAP", 2)
    assert counts.findall(client.get("/desk/").get_data(as_text=True))[0] == "2+"
