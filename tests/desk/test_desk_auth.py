"""Logging in: the first login, password, TOTP, replay, recovery codes, sessions."""

import datetime as dt

import pyotp
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from moderation import accounts, sessions
from testimony.db import db
from testimony.models import AuditEvent, Moderator, ModeratorSession, RecoveryCode
from tests.support.desk import (
    NEW_PASSWORD,
    create_account,
    create_keyed_account,
    first_login,
    log_in_again,
    login_as,
    post_form,
    totp_now,
)
from tests.support.helpers import token_in


def sessions_count(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(ModeratorSession)) or 0


def csrf(client: FlaskClient, path: str = "/desk/") -> str:
    return token_in(client.get(path).get_data(as_text=True))


def enrolled(app: Flask, name: str) -> str:
    """Give a keyed account a TOTP secret and mark it enrolled (as the enrolment page does)."""
    with app.app_context():
        user = db.session.scalar(select(Moderator).where(Moderator.name == name))
        assert user is not None
        secret = accounts.start_enrolment(user)
        user.totp_enrolled = True
        db.session.commit()
    return secret


def test_full_login_reaches_the_queue(app: Flask, client: FlaskClient) -> None:
    login_as(app, client, "moderator", "maria")
    page = client.get("/desk/").get_data(as_text=True)
    assert "Queue" in page and "Log out maria" in page


def test_first_login_asks_for_own_password_before_anything_else(app: Flask, client: FlaskClient) -> None:
    one_time = create_account(app, "nia", "moderator")
    code, page = post_form(client, "/desk/login", name="nia", password=one_time)
    assert code == 302 and "/desk/first-password" in page
    # The one-time password opens neither the enrolment page nor the desk.
    for path in ("/desk/enrol", "/desk/second-factor", "/desk/"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert (
            "/desk/first-password" in response.headers["Location"]
            or "/desk/login" in response.headers["Location"]
        ), path
    with app.app_context():
        user = db.session.scalar(select(Moderator).where(Moderator.name == "nia"))
        assert user is not None and user.totp_secret_encrypted == b"" and not accounts.has_key(user)


def test_password_rules_length_only(app: Flask, client: FlaskClient) -> None:
    one_time = create_account(app, "pat", "moderator")
    post_form(client, "/desk/login", name="pat", password=one_time)
    code, page = post_form(client, "/desk/first-password", old=one_time, new="short one", again="short one")
    assert code == 400 and "at least 14 characters" in page
    code, page = post_form(client, "/desk/first-password", old="not it at all", new="a" * 14, again="a" * 14)
    assert code == 400 and "one-time password you were given is not right" in page
    code, _ = post_form(client, "/desk/first-password", old=one_time, new="a" * 14, again="a" * 14)
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
    create_keyed_account(app, "ria", "moderator")
    secret = enrolled(app, "ria")
    with app.app_context():
        from moderation import second_factor

        user = db.session.scalar(select(Moderator).where(Moderator.name == "ria"))
        assert user is not None
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


def test_a_busy_session_still_ends_after_twelve_hours(app: Flask, client: FlaskClient) -> None:
    """Low finding: sessions had no absolute lifetime; one used every few minutes lived for ever."""
    login_as(app, client, "moderator", "abs")
    assert client.get("/desk/").status_code == 200
    with app.app_context():
        for row in db.session.scalars(select(ModeratorSession)):
            row.created_at = row.created_at - sessions.ABSOLUTE_LIMIT - dt.timedelta(minutes=1)
        db.session.commit()
    response = client.get("/desk/")  # in use a moment ago, so not idle: too old all the same
    assert response.status_code == 302 and "/desk/login" in response.headers["Location"]
    assert sessions_count(app) == 0


def test_changing_the_password_ends_every_other_session(app: Flask) -> None:
    """Low finding: someone logged in with the old password stayed logged in after a change."""
    mine, stolen = app.test_client(), app.test_client()
    name = login_as(app, mine, "moderator", "cora")
    assert log_in_again(app, stolen, name) == 302
    assert stolen.get("/desk/").status_code == 200
    new = "a completely different passphrase"
    code, _ = post_form(mine, "/desk/password", old=NEW_PASSWORD, new=new, again=new)
    assert code == 302
    assert mine.get("/desk/").status_code == 200  # the browser that changed it carries on
    response = stolen.get("/desk/")
    assert response.status_code == 302 and "/desk/login" in response.headers["Location"]
    assert sessions_count(app) == 1
    with app.app_context():
        user = db.session.scalar(select(Moderator).where(Moderator.name == name))
        assert user is not None and len(accounts.unlock_private_key(user, new)) == 32


def test_logout_ends_every_session(app: Flask) -> None:
    first, second = app.test_client(), app.test_client()
    login_as(app, first, "moderator", "xia")
    assert log_in_again(app, second, "xia") == 302
    assert sessions_count(app) == 2
    assert first.post("/desk/logout", data={"csrf_token": csrf(first)}).status_code == 302
    assert sessions_count(app) == 0
    assert second.get("/desk/").status_code == 302


def test_a_request_in_flight_during_logout_does_not_bring_the_session_back(app: Flask) -> None:
    """Low finding (the database store): refreshing last_seen_at after a logout elsewhere must not
    re-create the session."""
    client = app.test_client()
    login_as(app, client, "moderator", "fly")
    with app.app_context():
        row = db.session.scalar(select(ModeratorSession))
        assert row is not None
        record = sessions.DatabaseStore().get(row.id)
        assert record is not None
        db.session.execute(ModeratorSession.__table__.delete())  # the logout, on another request
        db.session.commit()
        sessions.DatabaseStore().touch(record)  # the request in flight refreshes its session
    assert sessions_count(app) == 0


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
    assert {"password_ok", "password_changed", "totp_enrolled", "unlock"} <= set(actions)


def test_recovery_codes_page_leads_to_the_desk(app: Flask, client: FlaskClient) -> None:
    one_time = create_account(app, "rho", "editor")
    secret = first_login(client, "rho", one_time)
    code, page = post_form(client, "/desk/enrol", code=pyotp.TOTP(secret).now())
    assert code == 200 and "recovery codes" in page
    assert 'href="/desk/digests/"' in page or 'href="/desk/"' in page


def test_next_is_never_an_open_redirect(app: Flask, client: FlaskClient) -> None:
    name = login_as(app, client, "moderator", "abe")
    with client.session_transaction() as s:
        s.clear()
    response = client.post(
        "/desk/login?next=https://evil.example/",
        data={"csrf_token": csrf(client, "/desk/login"), "name": name, "password": NEW_PASSWORD},
    )
    assert response.status_code == 302
    done = client.post(
        "/desk/second-factor",
        data={"csrf_token": csrf(client, "/desk/second-factor"), "code": totp_now(app, name, 1)},
    )
    assert done.status_code == 302
    assert done.headers["Location"] == "/desk/"
