"""Production mode with Redis: desk sessions and rate-limit secrets live there, in memory only.

Skipped, with the reason, where no Redis server answers on 127.0.0.1:6379.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
import redis
from flask import Flask
from sqlalchemy import func, select

from testimony.db import db
from testimony.models import ModeratorSession
from testimony.web import ratelimit
from tests.support.desk import login_as
from tests.support.helpers import token_in
from tests.support.servers import redis_or_skip

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture
def redis_app(app: Flask) -> Iterator[tuple[Flask, redis.Redis]]:
    client = redis_or_skip(REDIS_URL)
    client.flushdb()
    app.config["REDIS_URL"] = REDIS_URL
    yield app, client
    client.flushdb()


def test_desk_sessions_live_in_redis_with_an_idle_expiry(redis_app: tuple[Flask, redis.Redis]) -> None:
    app, client = redis_app
    browser = app.test_client()
    login_as(app, browser, "moderator", "rita")
    assert browser.get("/desk/").status_code == 200
    keys = client.keys("testimony:desk-session:*")
    assert len(keys) == 1
    assert 0 < client.ttl(keys[0]) <= 30 * 60
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ModeratorSession)) == 0
    with browser.session_transaction() as cookie:
        token = cookie["desk_token"]
    assert token.encode() not in client.get(keys[0])  # only the token's hash names the record
    client.delete(keys[0])  # as if it had expired
    assert browser.get("/desk/").status_code == 302


def test_logout_clears_every_redis_session(redis_app: tuple[Flask, redis.Redis]) -> None:
    app, client = redis_app
    browser = app.test_client()
    login_as(app, browser, "moderator", "sol")
    page = browser.get("/desk/").get_data(as_text=True)
    token = token_in(page)
    browser.post("/desk/logout", data={"csrf_token": token})
    assert client.keys("testimony:desk-session:*") == []


def test_rate_limit_secret_is_shared_through_redis(redis_app: tuple[Flask, redis.Redis]) -> None:
    app, client = redis_app
    with app.test_request_context(environ_base={"REMOTE_ADDR": "198.51.100.7"}):
        first = ratelimit.address_key()
    ratelimit._secret = None  # a second worker starts with nothing in memory
    with app.test_request_context(environ_base={"REMOTE_ADDR": "198.51.100.7"}):
        assert ratelimit.address_key() == first
    stored = b"".join(client.get(k) or b"" for k in client.keys("testimony:rl-secret:*"))
    assert b"198.51.100.7" not in stored
    assert all(0 < client.ttl(k) <= 2 * 86400 for k in client.keys("testimony:rl-secret:*"))
