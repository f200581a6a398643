"""The review page with plain form posts: select-to-strike (as the script sends it), hand edits
kept, warnings re-checked, confirmation pages for the shortcuts, and "Approve and next"."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from testimony.db import db
from testimony.models import AuditEvent, Status, Submission, today
from testimony.text import day_text
from tests.support.desk import act, login_as
from tests.support.helpers import send_and_get_codename, status_post, token_in

TEXT = "My manager Sarah Collins in the Leeds office said caseloads are fine. I cover the night rota alone."
RISKY = "I am the only band 4 probation officer in my team, with 12 years' service. Caseloads are high."


def items(app: Flask) -> list[Submission]:
    with app.app_context():
        found = list(db.session.scalars(select(Submission).order_by(Submission.received_on, Submission.id)))
        for s in found:
            db.session.expunge(s)
        return found


def draft_of(client: FlaskClient, public_id: str) -> str:
    page = client.get(f"/desk/item/{public_id}").get_data(as_text=True)
    return page.split('name="draft"')[1].split(">", 1)[1].split("</textarea>")[0]


def test_the_original_carries_offsets_for_the_script(app: Flask, client: FlaskClient) -> None:
    login_as(app, client, "moderator", "mo")
    send_and_get_codename(app.test_client(), TEXT)
    (item,) = items(app)
    page = client.get(f"/desk/item/{item.public_id}").get_data(as_text=True)
    assert "strike.js" in page and "data-strike-source" in page
    pieces = re.findall(r'data-at="(\d+)"(?: data-len="(\d+)")?>(?:<input[^>]*><label[^>]*>)?([^<]*)', page)
    assert pieces and pieces[0][0] == "0"
    for at, _length, text in pieces:
        plain = text.replace("&#39;", "'").rstrip(" ")
        assert TEXT[int(at) :].startswith(plain), (at, plain)


def test_select_to_strike_as_a_detail(app: Flask, client: FlaskClient) -> None:
    login_as(app, client, "moderator", "mo")
    send_and_get_codename(app.test_client(), TEXT)
    (item,) = items(app)
    page = client.get(f"/desk/item/{item.public_id}").get_data(as_text=True)
    spans = re.findall(r'name="span" value="(\d+)" id="span-\d+" checked', page)
    start = TEXT.index("I cover")
    response = act(
        client, item.public_id, "redactions", span=spans, strike_start=str(start), strike_end=str(len(TEXT))
    )
    assert response.status_code == 302
    draft = draft_of(client, item.public_id)
    assert draft.endswith("said caseloads are fine. [detail]") and "night rota" not in draft
    # A selection across a detail already found takes it in.
    page = client.get(f"/desk/item/{item.public_id}").get_data(as_text=True)
    spans = re.findall(r'name="span" value="(\d+)" id="span-\d+" checked', page)
    start, end = TEXT.index("manager"), TEXT.index(" said")
    assert (
        act(
            client, item.public_id, "redactions", span=spans, strike_start=str(start), strike_end=str(end)
        ).status_code
        == 302
    )
    assert draft_of(client, item.public_id).startswith("My [detail] said caseloads are fine.")
    # Impossible offsets are a form problem, not an error page.
    response = act(client, item.public_id, "redactions", strike_start="50", strike_end="9999")
    assert response.status_code == 400 and "select them again" in response.get_data(as_text=True)
    response = act(client, item.public_id, "redactions", strike_start="x", strike_end="3")
    assert response.status_code == 400


def test_saving_redactions_keeps_hand_edits_to_the_wording(app: Flask, client: FlaskClient) -> None:
    login_as(app, client, "moderator", "mo")
    send_and_get_codename(app.test_client(), TEXT)
    (item,) = items(app)
    edited = draft_of(client, item.public_id).replace("said caseloads are fine", "told us all was well")
    assert act(client, item.public_id, "wording", draft=edited).status_code == 302
    page = client.get(f"/desk/item/{item.public_id}").get_data(as_text=True)
    spans = re.findall(r'name="span" value="(\d+)" id="span-\d+" checked', page)
    start = TEXT.index("I cover")
    response = act(
        client, item.public_id, "redactions", span=spans, strike_start=str(start), strike_end=str(len(TEXT))
    )
    assert response.status_code == 302
    page = client.get(f"/desk/item/{item.public_id}").get_data(as_text=True)
    assert "Your edits to the wording were kept" in page  # the notice after saving
    draft = draft_of(client, item.public_id)
    assert "told us all was well" in draft and draft.endswith("[detail]") and "night" not in draft


def test_warnings_shown_are_those_still_true_of_the_draft(app: Flask, client: FlaskClient) -> None:
    login_as(app, client, "moderator", "mo")
    send_and_get_codename(app.test_client(), RISKY)
    (item,) = items(app)
    assert item.warning_count > 0
    page = client.get(f"/desk/item/{item.public_id}").get_data(as_text=True)
    assert "Still true of the current draft" in page
    assert act(client, item.public_id, "wording", draft="Caseloads are high.").status_code == 302
    page = client.get(f"/desk/item/{item.public_id}").get_data(as_text=True)
    assert "None in the current draft" in page and "Resolved by the redactions and edits" in page
    (after,) = items(app)
    assert after.warning_count == 0  # the queue's count and filter follow the draft
    assert "Only items with warnings" in client.get("/desk/?status=in_review").get_data(as_text=True)
    filtered = client.get("/desk/?status=in_review&warnings=1").get_data(as_text=True)
    assert f"#{item.public_id}" not in filtered


def test_shortcuts_are_announced_and_lead_to_a_confirmation(app: Flask, client: FlaskClient) -> None:
    login_as(app, client, "moderator", "mo")
    send_and_get_codename(app.test_client(), TEXT)
    (item,) = items(app)
    page = client.get(f"/desk/item/{item.public_id}").get_data(as_text=True)
    assert (
        "Keyboard shortcuts" in page and 'aria-keyshortcuts="a"' in page and 'aria-keyshortcuts="d"' in page
    )
    # The confirmation pages write nothing.
    confirm = client.get(
        f"/desk/item/{item.public_id}/confirm/approve?version={item.version}&themes_sent=1&theme=workload&theme=nope"
    )
    body = confirm.get_data(as_text=True)
    assert confirm.status_code == 200 and "Yes, approve" in body and "Workload" in body and "nope" not in body
    assert "[name 1]" in body  # the draft being approved
    decline = client.get(
        f"/desk/item/{item.public_id}/confirm/decline?version={item.version}&reason=duplicate"
    )
    assert decline.status_code == 200 and 'value="duplicate" selected' in decline.get_data(as_text=True)
    assert client.get(f"/desk/item/{item.public_id}/confirm/publish").status_code == 404
    (same,) = items(app)
    assert (same.status, same.version, same.claimed_by_id) == (Status.RECEIVED, item.version, None)
    # Confirming approves.
    response = client.post(
        f"/desk/item/{item.public_id}/approve",
        data={
            "csrf_token": token_in(body),
            "version": str(item.version),
            "themes_sent": "1",
            "theme": "workload",
        },
    )
    assert response.status_code == 302
    assert items(app)[0].status == Status.APPROVED


def test_approve_and_next_opens_the_next_item(app: Flask, client: FlaskClient) -> None:
    login_as(app, client, "moderator", "mo")
    for n in range(2):
        send_and_get_codename(app.test_client(), f"Item {n}: the rota leaves one officer per landing.")
    first, second = items(app)
    response = act(client, first.public_id, "approve", themes_sent="1", then="next")
    assert response.status_code == 302 and response.headers["Location"].endswith(
        f"/desk/item/{second.public_id}"
    )
    response = act(client, second.public_id, "approve", themes_sent="1", then="next")
    assert response.status_code == 302 and response.headers["Location"].endswith("/desk/?status=received")
    assert "no more items" in client.get("/desk/?status=received").get_data(as_text=True)
    with app.app_context():
        actions = list(
            db.session.scalars(select(AuditEvent.action).where(AuditEvent.item == first.public_id))
        )
    assert actions == ["approve"]


def test_message_dates_read_as_the_rest_of_the_site(app: Flask, client: FlaskClient) -> None:
    login_as(app, client, "moderator", "mo")
    codename = send_and_get_codename(app.test_client(), TEXT)
    (item,) = items(app)
    assert act(client, item.public_id, "ask", question="Which year was this?").status_code == 302
    page = client.get(f"/desk/item/{item.public_id}").get_data(as_text=True)
    assert f"Moderator · {day_text(today())}" in page
    assert f"Moderator · {today().isoformat()}" not in page
    status = status_post(app.test_client(), codename)[1]
    assert day_text(today()) in status and today().isoformat() not in status
