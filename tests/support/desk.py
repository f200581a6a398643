"""Logging a test client in to the desk through the real forms: the one-time password, the
holder's own password (which makes their key pair), then TOTP enrolment (which makes and shows
the secret, to the holder alone)."""

from __future__ import annotations

import re
import time

import pyotp
from flask import Flask
from flask.testing import FlaskClient

from moderation import accounts
from testimony.db import db
from tests.support.helpers import token_in

NEW_PASSWORD = "correct horse battery staple"


def post_form(client: FlaskClient, path: str, **fields: str) -> tuple[int, str]:
    token = token_in(client.get(path).get_data(as_text=True))
    response = client.post(path, data={"csrf_token": token, **fields})
    return response.status_code, response.get_data(as_text=True)


def totp_now(app: Flask, name: str, offset_steps: int = 0) -> str:
    with app.app_context():
        user = db.session.scalar(db.select(accounts.Moderator).where(accounts.Moderator.name == name))
        assert user is not None
        secret = accounts.totp_secret(user)
    return pyotp.TOTP(secret).at(time.time() + 30 * offset_steps)


def create_account(app: Flask, name: str, role: str) -> str:
    """A new account, as an admin makes it: returns the one-time password (all there is)."""
    with app.app_context():
        _user, password = accounts.create_moderator(name, role)
        db.session.commit()
    return password


def create_keyed_account(app: Flask, name: str, role: str, password: str = NEW_PASSWORD) -> int:
    """An account whose holder has chosen their own password (so it has its key pair), made
    without the forms. Returns its id."""
    with app.app_context():
        user, one_time = accounts.create_moderator(name, role)
        accounts.set_first_password(user, one_time, password)
        db.session.commit()
        return user.id


ENROL_SECRET = re.compile(r"<figcaption>[^<]*<code>([A-Z2-7]+)</code>")


def enrolment_secret(page: str) -> str:
    """The TOTP secret the enrolment page shows its holder."""
    match = ENROL_SECRET.search(page)
    assert match, "no secret on the enrolment page"
    return match.group(1)


def first_login(client: FlaskClient, name: str, one_time: str) -> str:
    """The first login through the forms: the one-time password, then the holder's own
    password. Ends on the enrolment step; returns the secret the enrolment page shows."""
    code, page = post_form(client, "/desk/login", name=name, password=one_time)
    assert code == 302 and "/desk/first-password" in page, page
    code, page = post_form(client, "/desk/first-password", old=one_time, new=NEW_PASSWORD, again=NEW_PASSWORD)
    assert code == 302 and "/desk/enrol" in page, page
    return enrolment_secret(client.get("/desk/enrol").get_data(as_text=True))


def login_as(app: Flask, client: FlaskClient, role: str, name: str | None = None) -> str:
    """Create an account with `role`, choose its password and enrol TOTP, all through the forms.
    Returns the account's name. The client ends logged in and unlocked."""
    name = name or f"{role}-user"
    one_time = create_account(app, name, role)
    secret = first_login(client, name, one_time)
    code, page = post_form(client, "/desk/enrol", code=pyotp.TOTP(secret).now())
    assert code == 200 and "recovery codes" in page, page
    return name


def log_in_again(app: Flask, client: FlaskClient, name: str, offset_steps: int = 1) -> int:
    """Log in an already-enrolled account; uses the next TOTP step to avoid replay refusal."""
    code, _ = post_form(client, "/desk/login", name=name, password=NEW_PASSWORD)
    assert code == 302
    code, _ = post_form(client, "/desk/second-factor", code=totp_now(app, name, offset_steps))
    return code


def version_of(page: str) -> str:
    match = re.search(r'name="version" value="(\d+)"', page)
    assert match
    return match.group(1)


def act(client: FlaskClient, public_id: str, action: str, **fields: str):  # type: ignore[no-untyped-def]
    page = client.get(f"/desk/item/{public_id}").get_data(as_text=True)
    token = token_in(page)
    data = {"csrf_token": token, "version": version_of(page), **fields}
    return client.post(f"/desk/item/{public_id}/{action}", data=data)
