"""Account creation hands out nothing lasting (Medium 4): the admin or the CLI gives a one-time
password only; the key pair is made at the holder's first own password and the TOTP secret at
their enrolment, both seen by no one else."""

from __future__ import annotations

import pyotp
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from moderation import accounts
from testimony import crypto
from testimony.db import db
from testimony.models import Moderator, WrappedKey
from tests.support.desk import NEW_PASSWORD, create_account, first_login, login_as, post_form
from tests.support.helpers import send_and_get_codename, token_in

LOOK_ALIKES = set("0Oo1lIi")


def row_of(app: Flask, name: str) -> dict[str, object]:
    """Every column of an account's row, as a copy of the database would hold it."""
    with app.app_context():
        user = db.session.scalar(select(Moderator).where(Moderator.name == name))
        assert user is not None
        return {c.name: getattr(user, c.key) for c in Moderator.__table__.columns}


def as_moderator(copy: dict[str, object]) -> Moderator:
    return Moderator(**copy)


def test_one_time_passwords_have_no_look_alike_characters(app: Flask) -> None:
    with app.app_context():
        made = [accounts.generate_password() for _ in range(200)]
    assert len(set(made)) == 200
    for password in made:
        assert not LOOK_ALIKES & set(password), password
        assert set(password) <= set(accounts.ONE_TIME_ALPHABET) | {"-"}, password
        assert len(password.replace("-", "")) >= 25  # 25 symbols of 31: over 120 bits


def test_the_admins_page_shows_the_one_time_password_and_nothing_else(
    app: Flask, client: FlaskClient
) -> None:
    login_as(app, client, "admin", "boss")
    code, page = post_form(client, "/desk/admin/accounts", name="newcomer", role="moderator")
    assert code == 200 and "One-time password" in page
    assert "otpauth" not in page and "TOTP" not in page and "<svg" not in page
    with app.app_context():
        user = db.session.scalar(select(Moderator).where(Moderator.name == "newcomer"))
        assert user is not None and user.totp_secret_encrypted == b"" and not accounts.has_key(user)


def test_a_database_copy_before_first_login_and_the_one_time_password_open_nothing(app: Flask) -> None:
    one_time = create_account(app, "fern", "moderator")
    before = row_of(app, "fern")  # the copy an attacker took before the holder's first login
    holder = app.test_client()
    secret = first_login(holder, "fern", one_time)
    code, page = post_form(holder, "/desk/enrol", code=pyotp.TOTP(secret).now())
    assert code == 200 and "recovery codes" in page
    send_and_get_codename(app.test_client(), "The night rota has gaps again on B wing this week.")
    after = row_of(app, "fern")
    with app.app_context():
        # The copy from before holds no key pair and no TOTP secret at all.
        assert before["public_key"] == b"" and before["private_key_sealed"] == b""
        assert before["totp_secret_encrypted"] == b""
        with pytest.raises(accounts.NoKeyYet):
            accounts.unlock_private_key(as_moderator(before), one_time)
        # What exists now was made after the one-time password was replaced: it does not open it.
        with pytest.raises(crypto.DecryptionFailed):
            accounts.unlock_private_key(as_moderator(after), one_time)
        private = accounts.unlock_private_key(as_moderator(after), NEW_PASSWORD)
        assert crypto.keypair_from_seed(private).public == after["public_key"]
        # And the holder reads what arrived after their first login.
        assert db.session.scalar(
            select(func.count()).select_from(WrappedKey).where(WrappedKey.moderator_id == after["id"])
        )


def test_the_totp_secret_is_made_at_enrolment_and_shown_only_there(app: Flask, client: FlaskClient) -> None:
    admin = app.test_client()
    login_as(app, admin, "admin", "boss")
    _code, created = post_form(admin, "/desk/admin/accounts", name="gail", role="moderator")
    one_time = created.split("<code>")[1].split("</code>")[0]
    assert row_of(app, "gail")["totp_secret_encrypted"] == b""
    code, _ = post_form(client, "/desk/login", name="gail", password=one_time)
    assert (
        code == 302 and row_of(app, "gail")["totp_secret_encrypted"] == b""
    )  # not at the one-time password either
    code, _ = post_form(client, "/desk/first-password", old=one_time, new=NEW_PASSWORD, again=NEW_PASSWORD)
    assert code == 302 and row_of(app, "gail")["totp_secret_encrypted"] == b""
    enrol_page = client.get("/desk/enrol").get_data(as_text=True)
    secret = enrol_page.split("<figcaption>")[1].split("<code>")[1].split("</code>")[0]
    assert len(secret) >= 16 and row_of(app, "gail")["totp_secret_encrypted"] != b""
    assert client.get("/desk/enrol").get_data(as_text=True).count(secret) == 1  # the same on reload
    assert secret not in admin.get("/desk/admin/accounts").get_data(as_text=True)
    code, _ = post_form(client, "/desk/enrol", code=pyotp.TOTP(secret).now())
    assert code == 200
    # Once enrolled, the secret is never shown again.
    response = client.get("/desk/enrol")
    assert response.status_code == 302 and secret not in response.get_data(as_text=True)


def test_an_account_made_by_an_older_version_gets_a_new_key_and_secret(
    app: Flask, client: FlaskClient
) -> None:
    """Older versions made the key pair at creation, sealed under the one-time password, and
    printed the TOTP secret: the first own password discards both, and every key wrapped to
    the old public key."""
    one_time = create_account(app, "olde", "moderator")
    with app.app_context():
        user = db.session.scalar(select(Moderator).where(Moderator.name == "olde"))
        assert user is not None
        old = crypto.generate_keypair()
        user.public_key = old.public
        accounts.lock_private_key(user, old.private, one_time)
        accounts.set_totp_secret(user, pyotp.random_base32())
        user.totp_enrolled = True
        db.session.commit()
        printed = accounts.totp_secret(user)
    send_and_get_codename(app.test_client(), "Sealed to the old key pair of an account not yet used.")
    assert row_of(app, "olde")["public_key"] == old.public
    secret = first_login(client, "olde", one_time)
    after = row_of(app, "olde")
    assert after["public_key"] != old.public and secret != printed
    with app.app_context():
        assert not db.session.scalar(
            select(func.count()).select_from(WrappedKey).where(WrappedKey.moderator_id == after["id"])
        )


def test_items_sent_before_the_first_login_need_a_grant_and_the_page_says_so(app: Flask) -> None:
    admin = app.test_client()
    login_as(app, admin, "admin", "boss")
    one_time = create_account(app, "late", "moderator")
    send_and_get_codename(app.test_client(), "Sent while the new account had no key yet.")
    page = admin.get("/desk/admin/accounts").get_data(as_text=True)
    assert "not yet logged in (no key)" in page and "items sent before then cannot be opened" in page
    with app.app_context():
        late = db.session.scalar(select(Moderator).where(Moderator.name == "late"))
        assert late is not None
        late_id = late.id
        assert not db.session.scalar(
            select(func.count()).select_from(WrappedKey).where(WrappedKey.moderator_id == late_id)
        )
    # A grant before the first login is refused, plainly.
    token = token_in(admin.get("/desk/admin/accounts").get_data(as_text=True))
    response = admin.post(f"/desk/admin/accounts/{late_id}/grant", data={"csrf_token": token})
    assert response.status_code == 302
    assert "has not yet logged in" in admin.get("/desk/admin/accounts").get_data(as_text=True)
    first_login(app.test_client(), "late", one_time)
    token = token_in(admin.get("/desk/admin/accounts").get_data(as_text=True))
    admin.post(f"/desk/admin/accounts/{late_id}/grant", data={"csrf_token": token})
    with app.app_context():
        assert db.session.scalar(
            select(func.count()).select_from(WrappedKey).where(WrappedKey.moderator_id == late_id)
        )
