"""Nothing a submitter wrote is readable at rest, in the database, its WAL, the instance folder or logs."""

import itertools
import os
import stat
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import inspect, text

import nlp
from moderation import accounts
from moderation.theme_tags import set_tags
from testimony import submissions
from testimony.db import db
from testimony.models import BlobKind
from tests.support.helpers import send_and_get_codename, status_post

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


# ---- a copy of the database must not date submissions or messages finer than the day ----------

SUBMITTER_TABLES = ("submissions", "sealed_blobs", "wrapped_keys", "submission_tags")
# The only time of day on these tables: when a moderator's claim on an open item runs out. It is
# set by moderators (and already in the audit trail to the second), never by a submitter, and is
# cleared when the item is decided.
MODERATOR_TIMES = {("submissions", "claimed_until")}


def _rows_in_creation_order(app: Flask, steps: int) -> dict[str, list[dict[str, object]]]:
    """Make `steps` submissions, each with a reply and a moderator's message and two themes, one
    after another (known moments: the order of the loop). Returns each table's rows in the order
    they were made; rows made in one step are kept in their key order."""
    seen: dict[str, set[object]] = {t: set() for t in SUBMITTER_TABLES}
    made: dict[str, list[dict[str, object]]] = {t: [] for t in SUBMITTER_TABLES}

    def collect() -> None:
        for table in SUBMITTER_TABLES:
            rows = [dict(r._mapping) for r in db.session.execute(text(f"SELECT * FROM {table}"))]  # noqa: S608
            new = sorted((r for r in rows if r["id"] not in seen[table]), key=lambda r: r["id"])  # type: ignore[arg-type,return-value]
            made[table].extend(new)
            seen[table].update(r["id"] for r in new)

    with app.app_context():
        moderator, _password = accounts.create_moderator("mo", "moderator")
        db.session.commit()
        for i in range(steps):
            submission, _codename = submissions.store(nlp.redact(f"Testimony number {i} about the rota."))
            collect()
            submissions.add_submitter_reply(submission, f"A reply, number {i}.")
            collect()
            submissions.add_moderator_blob(
                submission,
                kind=BlobKind.MESSAGE,
                payload={"text": "When?"},
                moderator_id=moderator.id,
                to_submitter=True,
            )
            with app.test_request_context():
                set_tags(submission, ["workload", "wellbeing"])
            db.session.commit()
            collect()
    return made


def _orders(values: list[object]) -> bool:
    """Whether a column's values, listed in creation order, rise (or fall) with it."""
    present = [v for v in values if v is not None]
    if len(set(map(repr, present))) < 2:
        return False  # one value for all (a day, a status): says nothing about order
    pairs = list(itertools.pairwise(present))
    return all(a <= b for a, b in pairs) or all(a >= b for a, b in pairs)  # type: ignore[operator]


def test_nothing_in_a_copy_orders_submissions_or_messages(app: Flask) -> None:
    made = _rows_in_creation_order(app, 20)
    with app.app_context():
        inspector = inspect(db.engine)
        for table in SUBMITTER_TABLES:
            assert len(made[table]) >= 20, table
            # No time of day on any of these tables, beyond the moderators' claim.
            for column in inspector.get_columns(table):
                kind = str(column["type"]).upper()
                if (table, column["name"]) not in MODERATOR_TIMES:
                    assert "TIME" not in kind, (table, column["name"], kind)
            # No column, ids and foreign keys included, rises or falls with the moment of writing.
            for name in made[table][0]:
                assert not _orders([row[name] for row in made[table]]), (table, name)
            # Nor does the order the engine hands rows back in, without ORDER BY.
            position = {row["id"]: n for n, row in enumerate(made[table])}
            scanned = [position[i] for i in db.session.scalars(text(f"SELECT id FROM {table}"))]  # noqa: S608
            if db.engine.dialect.name == "sqlite":
                assert not _orders(scanned), f"{table}: a scan returns rows in the order they were written"
                # No hidden rowid: the random id is the row's key, so the file is laid out by it.
                pairs = db.session.execute(text(f"SELECT rowid, id FROM {table}")).all()  # noqa: S608
                assert all(rowid == key for rowid, key in pairs), table
            # No sequence hands out ids.
            if db.engine.dialect.name == "postgresql":
                assert (
                    db.session.scalar(text("SELECT pg_get_serial_sequence(:t, 'id')"), {"t": table}) is None
                )
                default = db.session.scalar(
                    text(
                        "SELECT column_default FROM information_schema.columns "
                        "WHERE table_name = :t AND column_name = 'id'"
                    ),
                    {"t": table},
                )
                assert default is None, (table, default)
        if db.engine.dialect.name == "sqlite":
            autoincrement = db.session.scalar(
                text("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_sequence'")
            )
            assert autoincrement == 0


def test_messages_still_read_in_the_order_they_were_written(app: Flask, client: FlaskClient) -> None:
    codename = send_and_get_codename(client, "The rota has one member of staff at night.")
    for n in range(8):
        status_post(client, codename, action="reply", reply=f"Reply number {n} of eight.")
    page = status_post(client, codename)[1]
    positions = [page.index(f"Reply number {n} of eight.") for n in range(8)]
    assert positions == sorted(positions)


def test_a_rewrite_scatters_the_rows_of_a_postgresql_table(app: Flask) -> None:
    """PostgreSQL stores new rows one after another: what `flask jobs scrub --all` (the nightly
    step in docs/DEPLOY.md) does about it."""
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("SQLite keeps rows in key order already (tested above)")
    from testimony import erasure

    made = _rows_in_creation_order(app, 12)
    with app.app_context():
        written_by = {
            table: [r[0] for r in db.session.execute(text(f"SELECT xmin::text::bigint, id FROM {table}"))]  # noqa: S608
            for table in SUBMITTER_TABLES
        }
        assert len(set(written_by["submissions"])) > 1  # each transaction's own id, rising with time
        erasure.rewrite(erasure.ALL_TABLES, everything=True)
        for table in SUBMITTER_TABLES:
            position = {row["id"]: n for n, row in enumerate(made[table])}
            scanned = [position[i] for i in db.session.scalars(text(f"SELECT id FROM {table}"))]  # noqa: S608
            assert not _orders(scanned), table
            # Every row now carries the one transaction id of the rewrite, which dates nothing.
            written = db.session.scalars(text(f"SELECT DISTINCT xmin::text FROM {table}")).all()  # noqa: S608
            assert len(written) == 1, table


# ---- file modes -------------------------------------------------------------------------------


def _modes(folder: Path) -> dict[str, str]:
    return {
        p.name: oct(stat.S_IMODE(p.stat().st_mode))
        for p in folder.iterdir()
        if p.name.startswith("testimony.db")
    }


def test_sqlite_files_are_private_after_init_and_first_use(tmp_path: Path) -> None:
    from testimony import create_app
    from tests.conftest import base_config

    old_umask = os.umask(0o022)  # the usual default, under which files come out 0644
    try:
        instance = tmp_path / "instance"
        made = create_app(base_config(f"sqlite:///{instance}/testimony.db"), instance_path=str(instance))
        result = made.test_cli_runner().invoke(args=["init"])
        assert result.exit_code == 0, result.output
        modes = _modes(instance)
        assert "testimony.db" in modes
        assert set(modes.values()) == {"0o600"}, modes
        # First use: a submission writes the WAL and its index.
        send_and_get_codename(made.test_client(), "The rota has one member of staff at night.")
        modes = _modes(instance)
        assert {"testimony.db", "testimony.db-wal"} <= set(modes), modes
        assert set(modes.values()) == {"0o600"}, modes
        with made.app_context():
            db.engine.dispose()
        # A database made by an older version (0644) is made private when next opened.
        for name in _modes(instance):
            os.chmod(instance / name, 0o644)
        again = create_app(base_config(f"sqlite:///{instance}/testimony.db"), instance_path=str(instance))
        send_and_get_codename(again.test_client(), "Another testimony about the rota.")
        assert set(_modes(instance).values()) == {"0o600"}, _modes(instance)
        with again.app_context():
            db.engine.dispose()
    finally:
        os.umask(old_umask)
