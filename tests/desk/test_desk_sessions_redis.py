"""Desk sessions in Redis (production): a request in flight during logout cannot bring its session
back, sessions end 12 hours after login however busy, and a password change ends the others.

Skipped, with the reason, where no Redis server answers. Redis database 11 is this file's alone
(12: canaries, 13: two instances, 14: jobs, 15: test_redis.py).
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Iterator

import pytest
import redis
from flask import Flask

from moderation import sessions
from moderation.session_store import RedisStore
from testimony.models import utcnow
from tests.support.desk import NEW_PASSWORD, log_in_again, login_as, post_form
from tests.support.servers import redis_or_skip

REDIS_URL = os.environ.get("TEST_DESK_SESSIONS_REDIS_URL", "redis://127.0.0.1:6379/11")
PREFIX = RedisStore.PREFIX


@pytest.fixture
def redis_app(app: Flask) -> Iterator[tuple[Flask, redis.Redis]]:
    client = redis_or_skip(REDIS_URL)
    client.flushdb()
    app.config["REDIS_URL"] = REDIS_URL
    yield app, client
    client.flushdb()


def only_key(client: redis.Redis) -> bytes:
    keys = client.keys(PREFIX + "*")
    assert len(keys) == 1, keys
    return bytes(keys[0])


def test_a_request_in_flight_during_logout_does_not_resurrect_the_session(
    redis_app: tuple[Flask, redis.Redis],
) -> None:
    app, client = redis_app
    browser = app.test_client()
    login_as(app, browser, "moderator", "rosa")
    key = only_key(client)
    with app.app_context():
        store = sessions.store()
        record = store.get(key.decode().removeprefix(PREFIX))  # the request in flight has read it
        assert record is not None
        client.delete(key)  # meanwhile, logout on another request
        store.touch(record)  # the request in flight refreshes "last seen"
    assert client.keys(PREFIX + "*") == []
    assert browser.get("/desk/").status_code == 302


def test_a_busy_redis_session_still_ends_after_twelve_hours(redis_app: tuple[Flask, redis.Redis]) -> None:
    app, client = redis_app
    browser = app.test_client()
    login_as(app, browser, "moderator", "ines")
    key = only_key(client)
    # Its expiry in Redis is the idle limit at most.
    assert 0 < client.ttl(key) <= sessions.IDLE_LIMIT.total_seconds()
    record = json.loads(client.get(key) or b"{}")
    began = utcnow() - sessions.ABSOLUTE_LIMIT - dt.timedelta(minutes=1)
    record["created_at"] = began.isoformat()
    client.set(key, json.dumps(record), keepttl=True)
    response = browser.get("/desk/")  # used a moment ago: not idle, but too old
    assert response.status_code == 302 and "/desk/login" in response.headers["Location"]
    assert client.keys(PREFIX + "*") == []


def test_redis_expiry_never_outlasts_the_absolute_limit(redis_app: tuple[Flask, redis.Redis]) -> None:
    app, client = redis_app
    browser = app.test_client()
    login_as(app, browser, "moderator", "tom")
    key = only_key(client)
    with app.app_context():
        store = sessions.store()
        record = store.get(key.decode().removeprefix(PREFIX))
        assert record is not None
        record.created_at = utcnow() - sessions.ABSOLUTE_LIMIT + dt.timedelta(minutes=5)
        store.put(record)
    assert 0 < client.ttl(key) <= 5 * 60


def test_changing_the_password_ends_the_other_redis_sessions(redis_app: tuple[Flask, redis.Redis]) -> None:
    app, client = redis_app
    mine, other = app.test_client(), app.test_client()
    name = login_as(app, mine, "moderator", "uri")
    assert log_in_again(app, other, name) == 302
    assert len(client.keys(PREFIX + "*")) == 2
    new = "another long passphrase for uri"
    assert post_form(mine, "/desk/password", old=NEW_PASSWORD, new=new, again=new)[0] == 302
    assert len(client.keys(PREFIX + "*")) == 1
    assert mine.get("/desk/").status_code == 200
    assert other.get("/desk/").status_code == 302
