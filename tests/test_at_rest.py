"""Nothing a submitter wrote is readable at rest, in the database, its WAL, the instance folder or logs."""

from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text

from testimony.db import db
from tests.helpers import send_and_get_codename, status_post

CANARY = "Zanzibarquux"  # an unusual word the redactor has no reason to strike


def every_stored_value(app: Flask) -> list[bytes]:
    values: list[bytes] = []
    with app.app_context():
        for table in db.metadata.sorted_tables:
            for row in db.session.execute(text(f"SELECT * FROM {table.name}")):  # noqa: S608 - table names from our metadata
                for value in row:
                    values.append(value if isinstance(value, bytes) else str(value).encode())
    return values


def test_canary_is_nowhere_at_rest(
    app: Flask, client: FlaskClient, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    caplog.set_level("DEBUG")
    body = f"The {CANARY} procedure at work means Tom Baker in Hull never sees his caseload reviewed."
    codename = send_and_get_codename(client, body)
    status_post(client, codename, action="reply", reply=f"More about {CANARY} in my reply.")

    stored = b"\n".join(every_stored_value(app))
    assert CANARY.encode() not in stored
    assert codename.encode() not in stored

    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        names = {p.name for p in files}
        assert "testimony.db" in names  # the database (and -wal, -shm when present) are read below
    for path in files:
        data = path.read_bytes()
        for needle in (CANARY, codename):
            assert needle.encode("utf-8") not in data, path
            assert needle.encode("utf-16-le") not in data, path
    assert CANARY not in caplog.text and codename not in caplog.text
