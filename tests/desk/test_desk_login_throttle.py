"""The desk login's throttle (moderation/throttle.py): counted atomically before any password is
hashed, per address and for everyone; per name and address, and per name, it asks for the
password and the code together instead of locking the holder out. Unknown names are kept only as
keyed hashes."""

from __future__ import annotations

import datetime as dt
import re
import threading
from collections.abc import Iterator
from typing import Any

import pyotp
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from moderation import accounts, throttle
from testimony.db import db
from testimony.models import AuditEvent, LoginThrottle, Moderator
from tests.support.desk import NEW_PASSWORD, create_account, login_as
from tests.support.helpers import token_in

PARALLEL = 16


class CountingHasher:
    """The real hasher, counting each password it checks (a check is an Argon2id run). The
    short pause keeps every check of a burst in flight together, as 64 MiB of Argon2id would."""

    def __init__(self, real: Any, counter: list[int], lock: threading.Lock) -> None:
        self.real, self.counter, self.lock = real, counter, lock

    def hash(self, password: str) -> str:
        return str(self.real.hash(password))

    def verify(self, stored: str, password: str) -> bool:
        with self.lock:
            self.counter.append(1)
        threading.Event().wait(0.05)
        return bool(self.real.verify(stored, password))


@pytest.fixture
def hashed(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """How many passwords were checked (real or dummy)."""
    counter: list[int] = []
    lock = threading.Lock()
    real = accounts.password_hasher
    monkeypatch.setattr(accounts, "password_hasher", lambda: CountingHasher(real(), counter, lock))
    yield counter


def from_address(app: Flask, address: str) -> FlaskClient:
    client = app.test_client()
    client.environ_base.update({"REMOTE_ADDR": address})
    return client


def token(client: FlaskClient) -> str:
    page = client.get("/desk/login").get_data(as_text=True)
    return token_in(page)


def attempt(client: FlaskClient, name: str, password: str, **extra: str) -> tuple[int, str]:
    response = client.post(
        "/desk/login", data={"csrf_token": token(client), "name": name, "password": password, **extra}
    )
    return response.status_code, response.get_data(as_text=True)


def secret_of(app: Flask, name: str) -> str:
    """The TOTP secret an enrolled account holds."""
    with app.app_context():
        user = db.session.scalar(select(Moderator).where(Moderator.name == name))
        assert user is not None
        return accounts.totp_secret(user)


def test_sixteen_parallel_bad_logins_get_exactly_the_limit_evaluated(app: Flask, hashed: list[int]) -> None:
    """Medium 5: the old throttle counted failures after checking (check, then act), so a burst
    got more guesses than the limit. Now each attempt is counted before it is checked."""
    create_account(app, "tess", "moderator")
    clients = [from_address(app, "203.0.113.5") for _ in range(PARALLEL)]
    tokens = [token(c) for c in clients]
    start = threading.Barrier(PARALLEL)
    statuses: list[int] = []
    lock = threading.Lock()

    def guess(client: FlaskClient, csrf: str) -> None:
        start.wait(timeout=30)
        response = client.post(
            "/desk/login", data={"csrf_token": csrf, "name": "tess", "password": "a wrong guess here"}
        )
        with lock:
            statuses.append(response.status_code)

    threads = [threading.Thread(target=guess, args=pair) for pair in zip(clients, tokens, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert len(statuses) == PARALLEL
    assert len(hashed) == throttle.PAIR.attempts, (f"{len(hashed)} passwords checked", statuses)
    assert sorted(statuses) == [401] * throttle.PAIR.attempts + [429] * (PARALLEL - throttle.PAIR.attempts)


def test_after_five_failures_the_password_alone_opens_nothing_from_there(
    app: Flask, hashed: list[int]
) -> None:
    one_time = create_account(app, "ula", "moderator")
    here = from_address(app, "203.0.113.6")
    for _ in range(throttle.PAIR.attempts):
        assert attempt(here, "ula", "wrong password here")[0] == 401
    checked = len(hashed)
    status, page = attempt(here, "ula", one_time)
    assert status == 429 and "password and the six-digit code" in page and 'name="code"' in page
    assert len(hashed) == checked  # refused before hashing
    # Another account from the same address is not affected, nor this one from elsewhere.
    other = create_account(app, "uma", "moderator")
    assert attempt(here, "uma", other)[0] == 302
    assert attempt(from_address(app, "198.51.100.6"), "ula", one_time)[0] == 302


def test_a_stranger_cannot_keep_the_holder_out(
    app: Flask, hashed: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The per-account brake: after many failures from many addresses the password alone is not
    enough from anywhere, but the holder, with password and code, still gets in."""
    monkeypatch.setattr(throttle, "ACCOUNT", throttle.Limit(4, dt.timedelta(hours=1)))
    holder = app.test_client()
    name = login_as(app, holder, "moderator", "vale")
    secret = secret_of(app, name)
    for n in range(6):  # a stranger, from a new address each time
        attempt(from_address(app, f"203.0.113.{20 + n}"), name, f"guess number {n}")
    desk = from_address(app, "192.0.2.44")
    status, right_alone = attempt(desk, name, NEW_PASSWORD)
    assert status == 401 and "password and the six-digit code" in right_alone
    assert desk.get("/desk/").status_code == 302
    status, wrong_alone = attempt(desk, name, "not the password")
    assert status == 401 and _without_token(wrong_alone) == _without_token(right_alone)
    status, page = attempt(desk, name, NEW_PASSWORD, code="000000")
    assert status == 401 and desk.get("/desk/").status_code == 302
    code = pyotp.TOTP(secret).at(dt.datetime.now(dt.UTC).timestamp() + 30)
    status, _ = attempt(desk, name, "a wrong password", code=code)  # a right code, a wrong password
    assert status == 401 and desk.get("/desk/").status_code == 302
    code = pyotp.TOTP(secret).at(dt.datetime.now(dt.UTC).timestamp() + 30)
    status, _ = attempt(desk, name, NEW_PASSWORD, code=code)
    assert status == 302
    assert desk.get("/desk/").status_code == 200
    # The answers never said whether the name exists: an unknown name gets the same ones.
    for n in range(6):
        attempt(from_address(app, f"203.0.113.{40 + n}"), "nobody-here", f"guess number {n}")
    status, page = attempt(desk, "nobody-here", "anything at all")
    assert status == 401 and _without_token(page) == _without_token(right_alone)
    # And from an address that spent its own allowance, nothing is even checked without a code.
    here = from_address(app, "203.0.113.70")
    for n in range(throttle.PAIR.attempts):
        attempt(here, name, f"guess {n}")
    checked = len(hashed)
    status, page = attempt(here, name, NEW_PASSWORD)
    assert status == 429 and "password and the six-digit code" in page and len(hashed) == checked


def _without_token(page: str) -> str:
    return re.sub(r'name="csrf_token" value="[^"]+"', "", page)


def test_a_new_account_under_the_brake_still_opens_with_its_one_time_password(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(throttle, "ACCOUNT", throttle.Limit(2, dt.timedelta(hours=1)))
    one_time = create_account(app, "newt", "moderator")
    for n in range(4):
        attempt(from_address(app, f"203.0.113.{60 + n}"), "newt", "guessing")
    status, page = attempt(from_address(app, "192.0.2.60"), "newt", one_time)
    assert status == 302 and "/desk/first-password" in page


def test_the_login_form_is_limited_per_address_before_hashing(app: Flask, hashed: list[int]) -> None:
    app.config["DESK_LOGIN_PER_ADDRESS"] = 3
    here = from_address(app, "203.0.113.80")
    for n in range(3):
        assert attempt(here, f"name-{n}", "some password")[0] == 401
    status, page = attempt(here, "name-9", "some password")
    assert status == 429 and "from your connection" in page
    assert len(hashed) == 3
    assert attempt(from_address(app, "203.0.113.81"), "name-9", "some password")[0] == 401


def test_the_login_form_is_limited_for_everyone_before_hashing(app: Flask, hashed: list[int]) -> None:
    app.config["DESK_LOGIN_PER_MINUTE"] = 3
    for n in range(3):
        assert attempt(from_address(app, f"203.0.113.{90 + n}"), "someone", "some password")[0] == 401
    status, page = attempt(from_address(app, "203.0.113.99"), "someone else", "some password")
    assert status == 429 and "on the desk" in page
    assert len(hashed) == 3


def test_unknown_names_and_addresses_are_never_stored_as_typed(app: Flask) -> None:
    """Medium 5: a password typed into the name field was kept for ever in the audit chain."""
    typed = "Tr0ub4dor&3 my real password"
    for _ in range(2):
        attempt(from_address(app, "198.51.100.77"), typed, "whatever")
    with app.app_context():
        actors = list(db.session.scalars(select(AuditEvent.actor).where(AuditEvent.action == "login_failed")))
        buckets = list(db.session.scalars(select(LoginThrottle.bucket)))
    assert len(actors) == 2 and actors[0] == actors[1] and actors[0].startswith("unknown:")
    for stored in actors + buckets:
        assert "Tr0ub4dor" not in stored and "real password" not in stored and "198.51.100.77" not in stored
    # The keyed hash depends on the instance key, not only on the name.
    with app.app_context():
        from testimony import audit

        assert audit.keyed_name(typed) == actors[0]
        assert audit.keyed_name(typed + "!") != actors[0]
