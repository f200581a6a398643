"""Logging in: password, TOTP, replay, recovery codes, throttling, sessions."""

import datetime as dt

import pyotp
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from testimony import accounts
from testimony.db import db
from testimony.models import AuditEvent, ModeratorSession, RecoveryCode
from tests.desk import NEW_PASSWORD, create_account, login_as, post_form, totp_now


def sessions_count(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(ModeratorSession)) or 0


def test_full_login_reaches_the_queue(app: Flask, client: FlaskClient) -> None:
    login_as(app, client, "moderator", "maria")
    page = client.get("/desk/").get_data(as_text=True)
    assert "Queue" in page and "Log out maria" in page


def test_password_rules_length_only(app: Flask, client: FlaskClient) -> None:
    name = "pat"
    one_time = create_account(app, name, "moderator")
    post_form(client, "/desk/login", name=name, password=one_time)
    post_form(client, "/desk/enrol", code=totp_now(app, name))
    code, page = post_form(client, "/desk/password", old=one_time, new="short one", again="short one")
    assert code == 400 and "at least 14 characters" in page
    code, _ = post_form(client, "/desk/password", old=one_time, new="a" * 14, again="a" * 14)
    assert code == 302


def test_wrong_password_is_refused(app: Flask, client: FlaskClient) -> None:
    create_account(app, "kim", "moderator")
    code, page = post_form(client, "/desk/login", name="kim", password="not the password at all")
    assert code == 401 and "do not match" in page
    code, _ = post_form(client, "/desk/login", name="nobody", password="not the password at all")
    assert code == 401


def test_wrong_totp_is_refused_and_desk_stays_closed(app: Flask, client: FlaskClient) -> None:
    name = login_as(app, client, "moderator", "lee")
    client.post("/desk/logout", data={"csrf_token": "x"})  # refused (CSRF): still logged in
    with client.session_transaction() as s:
        s.clear()
    post_form(client, "/desk/login", name=name, password=NEW_PASSWORD)
    code, page = post_form(client, "/desk/second-factor", code="000000")
    assert code == 401 and "did not work" in page
    assert client.get("/desk/").status_code == 302  # password alone does not open the desk


def test_totp_code_cannot_be_replayed(app: Flask) -> None:
    with app.app_context():
        user, _ = accounts.create_moderator("ria", "moderator")
        db.session.commit()
        from moderation import second_factor

        secret = accounts.totp_secret(user)
        now = 1_800_000_000.0
        code = pyotp.TOTP(secret).at(now)
        assert second_factor.verify_totp(user, code, now=now)
        assert not second_factor.verify_totp(user, code, now=now)  # same code again
        assert not second_factor.verify_totp(user, pyotp.TOTP(secret).at(now - 30), now=now)  # older step
        assert second_factor.verify_totp(user, pyotp.TOTP(secret).at(now + 30), now=now + 30)
        assert not second_factor.verify_totp(user, "12345", now=now)


def test_recovery_code_works_once(app: Flask, client: FlaskClient) -> None:
    with app.app_context():
        user, _ = accounts.create_moderator("ola", "moderator")
        from moderation import second_factor

        codes = second_factor.new_recovery_codes(user)
        db.session.commit()
        assert len(codes) == 10
        assert db.session.scalar(select(func.count()).select_from(RecoveryCode)) == 10
        stored = " ".join(db.session.scalars(select(RecoveryCode.code_hash)))
        assert codes[0] not in stored
        assert second_factor.use_recovery_code(user, codes[0])
        db.session.commit()
        assert not second_factor.use_recovery_code(user, codes[0])


def test_throttle_engages_after_five_failures(app: Flask, client: FlaskClient) -> None:
    one_time = create_account(app, "tess", "moderator")
    for _ in range(5):
        code, _ = post_form(client, "/desk/login", name="tess", password="wrong password here")
        assert code == 401
    code, page = post_form(client, "/desk/login", name="tess", password=one_time)
    assert code == 429
    assert "too many failed attempts" in page and "wait" in page
    # Another account is unaffected: throttling is per account, not per address.
    other = create_account(app, "uma", "moderator")
    assert post_form(client, "/desk/login", name="uma", password=other)[0] == 302


def test_session_rotates_on_login(app: Flask, client: FlaskClient) -> None:
    client.get("/desk/login")
    with client.session_transaction() as s:
        s["desk_token"] = "attacker-chosen-token"
    login_as(app, client, "moderator", "vic")
    with client.session_transaction() as s:
        assert s["desk_token"] != "attacker-chosen-token"


def test_idle_session_expires(app: Flask, client: FlaskClient) -> None:
    login_as(app, client, "moderator", "wes")
    assert client.get("/desk/").status_code == 200
    with app.app_context():
        for row in db.session.scalars(select(ModeratorSession)):
            row.last_seen_at = row.last_seen_at - dt.timedelta(minutes=31)
        db.session.commit()
    assert client.get("/desk/").status_code == 302
    assert sessions_count(app) == 0


def test_logout_ends_every_session(app: Flask) -> None:
    first, second = app.test_client(), app.test_client()
    login_as(app, first, "moderator", "xia")
    from tests.desk import log_in_again

    assert log_in_again(app, second, "xia") == 302
    assert sessions_count(app) == 2
    token = first.get("/desk/").get_data(as_text=True).split('name="csrf_token" value="')[1].split('"')[0]
    assert first.post("/desk/logout", data={"csrf_token": token}).status_code == 302
    assert sessions_count(app) == 0
    assert second.get("/desk/").status_code == 302


def test_stolen_database_row_without_cookie_opens_nothing(app: Flask, client: FlaskClient) -> None:
    login_as(app, client, "moderator", "yan")
    with app.app_context():
        row = db.session.scalar(select(ModeratorSession))
        user = db.session.scalar(select(accounts.Moderator).where(accounts.Moderator.name == "yan"))
        private = accounts.unlock_private_key(user, NEW_PASSWORD)
        assert private not in row.sealed_private_key
        with client.session_transaction() as s:
            token = s["desk_token"]
        assert row.id != token and token not in row.id


def test_login_is_audited(app: Flask, client: FlaskClient) -> None:
    login_as(app, client, "moderator", "zed")
    with app.app_context():
        actions = list(db.session.scalars(select(AuditEvent.action).where(AuditEvent.actor == "zed")))
    assert "login" not in actions  # enrolment is the first login
    assert {"password_ok", "totp_enrolled", "unlock", "password_changed"} <= set(actions)


def test_next_is_never_an_open_redirect(app: Flask, client: FlaskClient) -> None:
    name = login_as(app, client, "moderator", "abe")
    with client.session_transaction() as s:
        s.clear()
    token = (
        client.get("/desk/login").get_data(as_text=True).split('name="csrf_token" value="')[1].split('"')[0]
    )
    response = client.post(
        "/desk/login?next=https://evil.example/",
        data={"csrf_token": token, "name": name, "password": NEW_PASSWORD},
    )
    assert response.status_code == 302
    token = (
        client.get("/desk/second-factor")
        .get_data(as_text=True)
        .split('name="csrf_token" value="')[1]
        .split('"')[0]
    )
    done = client.post("/desk/second-factor", data={"csrf_token": token, "code": totp_now(app, name, 1)})
    assert done.status_code == 302
    assert done.headers["Location"] == "/desk/"
