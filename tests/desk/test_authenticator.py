"""A new authenticator, self-service: password and a current code, then a new secret shown to the
holder alone, which replaces the old one once confirmed. Audited; other sessions end."""

from __future__ import annotations

import pyotp
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from moderation import accounts
from testimony.db import db
from testimony.models import AuditEvent, Moderator
from tests.support.desk import NEW_PASSWORD, enrolment_secret, log_in_again, login_as, totp_now
from tests.support.helpers import token_in


def fresh_steps(app: Flask, name: str) -> None:
    """Let the account's codes be used again (each test step needs one)."""
    with app.app_context():
        db.session.execute(update(Moderator).where(Moderator.name == name).values(totp_last_step=0))
        db.session.commit()


def secret_of(app: Flask, name: str) -> str:
    with app.app_context():
        user = db.session.scalar(select(Moderator).where(Moderator.name == name))
        assert user is not None
        return accounts.totp_secret(user)


def actions(app: Flask, name: str) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent.action).where(AuditEvent.actor == name)))


def post(client: FlaskClient, **fields: str) -> tuple[int, str]:
    token = token_in(client.get("/desk/authenticator").get_data(as_text=True))
    response = client.post("/desk/authenticator", data={"csrf_token": token, **fields})
    return response.status_code, response.get_data(as_text=True)


def test_a_new_authenticator_replaces_the_old_one(app: Flask, client: FlaskClient) -> None:
    name = login_as(app, client, "moderator", "mo")
    other = app.test_client()
    fresh_steps(app, name)
    assert log_in_again(app, other, name, offset_steps=0) == 302
    assert other.get("/desk/").status_code == 200
    old = secret_of(app, name)
    assert "Authenticator" in client.get("/desk/").get_data(as_text=True)

    fresh_steps(app, name)
    code, page = post(client, step="check", password="not the password", code=totp_now(app, name))
    assert code == 401 and "do not match" in page
    code, page = post(client, step="check", password=NEW_PASSWORD, code="000000")
    assert code == 401
    fresh_steps(app, name)
    code, page = post(client, step="check", password=NEW_PASSWORD, code=totp_now(app, name))
    assert code == 200 and "Scan the new code" in page
    new = enrolment_secret(page)
    assert new != old and secret_of(app, name) == old  # nothing replaced before confirming
    token = page.split('name="token" value="')[1].split('"')[0]

    wrong = pyotp.TOTP(old).now()
    code, page = post(client, step="confirm", token=token, code=wrong)
    assert code == 401 and secret_of(app, name) == old
    code, page = post(client, step="confirm", token=token, code=pyotp.TOTP(new).now())
    assert code == 302 and secret_of(app, name) == new
    assert "authenticator_check_failed" in actions(app, name) and "authenticator_replaced" in actions(
        app, name
    )
    # The other browser was logged out; this one carries on.
    assert other.get("/desk/").status_code == 302
    assert client.get("/desk/").status_code == 200
    # The token cannot be used again to set the secret back or forward.
    code, _page = post(client, step="confirm", token=token, code=pyotp.TOTP(new).now())
    assert code in (400, 401)


def test_a_forged_or_stale_form_replaces_nothing(app: Flask, client: FlaskClient) -> None:
    name = login_as(app, client, "moderator", "mo")
    old = secret_of(app, name)
    chosen = pyotp.random_base32()
    # Skipping the first step with a secret of one's own choosing: refused.
    code, page = post(client, step="confirm", token="forged", code=pyotp.TOTP(chosen).now())
    assert code == 400 and "start again" in page and secret_of(app, name) == old
    fresh_steps(app, name)
    code, page = post(client, step="check", password=NEW_PASSWORD, code=totp_now(app, name))
    assert code == 200
    token = page.split('name="token" value="')[1].split('"')[0]
    # A code used since (a login elsewhere, with the next code) makes the form stale.
    assert log_in_again(app, app.test_client(), name, offset_steps=1) == 302
    new = enrolment_secret(page)
    code, page = post(client, step="confirm", token=token, code=pyotp.TOTP(new).now())
    assert code == 400 and secret_of(app, name) == old
