"""A database that stops answering gives a calm 503 that says what to do, never a bare 500.

The outage is made by failing every statement the way a dead server fails it (OperationalError);
tests/system/test_faults.py does the same with a real PostgreSQL restarted under load.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask
from sqlalchemy import event
from sqlalchemy.exc import OperationalError, ProgrammingError

from testimony.db import db
from tests.support.helpers import csrf_token

TITLE = "The site cannot reach its database just now"


@contextmanager
def failing_statements(app: Flask, error: type[Exception]) -> Iterator[None]:
    def fail(*_args: Any) -> None:
        raise error("SELECT", {}, Exception("server closed the connection unexpectedly"))

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", fail)
    try:
        yield
    finally:
        event.remove(engine, "before_cursor_execute", fail)


def test_pages_say_the_database_is_unavailable(app: Flask) -> None:
    client = app.test_client()
    with failing_statements(app, OperationalError):
        response = client.get("/")
    assert response.status_code == 503
    page = response.get_data(as_text=True)
    assert TITLE in page and "try again" in page
    assert client.get("/").status_code == 200  # and the site comes back with the database


def test_status_check_during_an_outage(app: Flask) -> None:
    client = app.test_client()
    token = csrf_token(client, "/status")
    with failing_statements(app, OperationalError):
        response = client.post(
            "/status",
            data={
                "csrf_token": token,
                "codename": "regime deviator playback starless pacifism detergent shelter",
            },
        )
    assert response.status_code == 503 and TITLE in response.get_data(as_text=True)


def test_api_answers_json_during_an_outage(app: Flask) -> None:
    with failing_statements(app, OperationalError):
        response = app.test_client().get("/api/v1/digests")
    assert response.status_code == 503
    assert response.is_json and response.get_json()["error"]["status"] == 503


def test_other_database_errors_are_still_errors(app: Flask) -> None:
    # A broken query is a bug, not an outage: it must not be dressed up as "try again".
    with failing_statements(app, ProgrammingError):
        response = app.test_client().get("/")
    assert response.status_code == 500 and TITLE not in response.get_data(as_text=True)
