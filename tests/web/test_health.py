"""`/healthz`: 200 "ok" when the database (and Redis, when configured) answer, 503 "unavailable"
when either does not; nothing else in the body, no cookie, nothing logged, never rate-limited."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from testimony import create_app
from tests.conftest import base_config
from tests.support.servers import free_port, redis_or_skip


def health_app(tmp_path: Path, url: str, **config: Any) -> Flask:
    return create_app({**base_config(url), **config}, instance_path=str(tmp_path / "instance"))


def assert_quiet(response: Any, caplog: pytest.LogCaptureFixture) -> None:
    assert "Set-Cookie" not in response.headers
    assert response.mimetype == "text/plain"
    assert [r.getMessage() for r in caplog.records if r.name.startswith("testimony")] == []


def test_ok_when_the_database_answers(client: FlaskClient, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    response = client.get("/healthz")
    assert response.status_code == 200 and response.get_data(as_text=True) == "ok\n"
    assert_quiet(response, caplog)
    head = client.head("/healthz")
    assert head.status_code == 200 and head.get_data() == b""


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
def test_unavailable_when_the_database_does_not_answer(
    engine: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    url = (
        f"sqlite:///{tmp_path}/no/such/folder/testimony.db"
        if engine == "sqlite"
        else f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/testimony"  # nothing listens there
    )
    response = health_app(tmp_path, url).test_client().get("/healthz")
    assert response.status_code == 503 and response.get_data(as_text=True) == "unavailable\n"
    assert_quiet(response, caplog)


def test_unavailable_when_redis_does_not_answer(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    app = health_app(
        tmp_path, f"sqlite:///{tmp_path}/testimony.db", REDIS_URL=f"redis://127.0.0.1:{free_port()}/0"
    )
    response = app.test_client().get("/healthz")
    assert response.status_code == 503 and response.get_data(as_text=True) == "unavailable\n"
    assert_quiet(response, caplog)


def test_ok_when_redis_answers(tmp_path: Path) -> None:
    url = "redis://127.0.0.1:6379/13"
    redis_or_skip(url)
    app = health_app(tmp_path, f"sqlite:///{tmp_path}/testimony.db", REDIS_URL=url)
    assert app.test_client().get("/healthz").status_code == 200


def test_never_rate_limited(tmp_path: Path) -> None:
    """Even under a limit on every route, a prober asking often is always answered."""
    app = health_app(
        tmp_path,
        f"sqlite:///{tmp_path}/testimony.db",
        RATELIMIT_ENABLED=True,
        RATELIMIT_DEFAULT="2 per minute",
    )
    client = app.test_client()
    assert [client.get("/healthz").status_code for _ in range(6)] == [200] * 6
    assert [client.get("/about").status_code for _ in range(3)][-1] == 429  # the limit is real
