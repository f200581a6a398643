"""Deletion is real where the engine allows: after a withdrawal or a retention purge the deleted
ciphertext and wrapped keys are in none of the database's files, and the submitter is told only
what is true (testimony/erasure.py, docs/DEPLOY.md)."""

from __future__ import annotations

import datetime as dt
import os
import time
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, delete, func, select, text

from testimony import jobs
from testimony.db import db
from testimony.models import Contribution, ErasurePending, SealedBlob, Status, Submission, WrappedKey
from tests.support.factories import add_contribution
from tests.support.helpers import send_and_get_codename, status_post

# Long enough that the bundle spills out of one page (SQLite overflow pages, PostgreSQL TOAST).
BODY = "The night rota at the approved premises has had one member of staff since spring. " * 60
WORDING = "The night rota has had one member of staff since spring, and nobody answers."


def _chunks(value: bytes) -> list[bytes]:
    """Slices of a stored value to look for. A long value is cut across pages (overflow pages,
    TOAST chunks), so it is never searched whole: any one slice found means it is still there."""
    size = 24
    if len(value) <= size:
        return [value]
    starts = sorted({*range(0, len(value) - size, 97), len(value) - size})
    return [value[s : s + size] for s in starts]


def _sealed_wording(contribution: Contribution) -> bytes:
    sealed = contribution.sealed
    assert sealed is not None
    return bytes(sealed.ciphertext)


def _secrets_of(public_id: str) -> dict[str, list[bytes]]:
    """Every stored ciphertext and wrapped key of one submission, and its sealed approved wording."""
    submission = db.session.scalar(select(Submission).where(Submission.public_id == public_id))
    assert submission is not None
    found: dict[str, list[bytes]] = {"ciphertext": [], "wrapped key": [], "approved wording": []}
    for blob in db.session.scalars(select(SealedBlob).where(SealedBlob.submission_id == submission.id)):
        found["ciphertext"].append(bytes(blob.ciphertext))
        for key in db.session.scalars(select(WrappedKey).where(WrappedKey.blob_id == blob.id)):
            found["wrapped key"].append(bytes(key.wrapped))
    contribution = db.session.scalar(select(Contribution).where(Contribution.submission_id == submission.id))
    if contribution is not None:
        found["approved wording"].append(_sealed_wording(contribution))
    assert found["ciphertext"] and found["wrapped key"]
    return found


def _database_files(app: Flask) -> list[Path]:
    """The files the engine keeps the database in, or skip when they cannot be read here."""
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            path = Path(db.engine.url.database or "")
            return [p for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")) if p.exists()]
        # PostgreSQL: every relation file of this database (tables, TOAST, indexes), after a
        # checkpoint has written what the buffers held, as a disk image would show them.
        db.session.execute(text("CHECKPOINT"))
        data = db.session.scalar(text("SELECT setting FROM pg_settings WHERE name = 'data_directory'"))
        oid = db.session.scalar(text("SELECT oid FROM pg_database WHERE datname = current_database()"))
        db.session.commit()
    folder = Path(str(data)) / "base" / str(oid)
    if not os.access(folder, os.R_OK | os.X_OK):
        pytest.skip(f"PostgreSQL's data directory {folder} is not readable by this user")
    return [p for p in folder.iterdir() if p.is_file()]


def _left_in_files(app: Flask, secrets: dict[str, list[bytes]]) -> list[str]:
    files = {path: path.read_bytes() for path in _database_files(app)}
    left = []
    for label, values in secrets.items():
        for value in values:
            for chunk in _chunks(value):
                for path, data in files.items():
                    if chunk in data:
                        left.append(f"{label} in {_relation(app, path)}")
                        break
    return sorted(set(left))


def _relation(app: Flask, path: Path) -> str:
    """A file's name, and on PostgreSQL the relation it belongs to (a TOAST table by its owner)."""
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            return path.name
        node = int(path.name.split("_")[0].split(".")[0])
        name = db.session.scalar(
            text(
                "SELECT coalesce(owner.relname || ' (TOAST)', c.relname) FROM pg_class c "
                "LEFT JOIN pg_class owner ON owner.reltoastrelid = c.oid "
                "WHERE c.relfilenode = :node"
            ),
            {"node": node},
        )
        db.session.commit()
    return f"{path.name} ({name or 'no relation: an old file'})"


def _erasure_done(app: Flask, caplog: pytest.LogCaptureFixture, patience: float = 60.0) -> None:
    """The erasure the app did at once should be complete, or say why it was postponed. On a
    PostgreSQL server shared with other work, a transaction in another database that began before
    the deletion makes every rewrite keep the deleted rows (each new snapshot reaches back to it):
    the app then keeps the deletion noted and tries again at each job run, and so does this, for
    a while."""
    deadline = time.monotonic() + patience
    with app.app_context():
        if db.session.scalar(select(func.count()).select_from(ErasurePending)):
            assert "erasure postponed to the next job run" in caplog.text
        while db.session.scalar(select(func.count()).select_from(ErasurePending)):
            if time.monotonic() > deadline:
                pytest.skip("another transaction on this PostgreSQL server held back cleanup throughout")
            db.session.commit()
            time.sleep(1)
            jobs.run_once()
        db.session.commit()


def _approve_without_the_desk(app: Flask, codename_holder: str) -> None:
    """As the desk's approve step leaves it: a sealed contribution for the newest submission."""
    with app.app_context():
        submission = db.session.scalar(select(Submission))
        assert submission is not None
        contribution = add_contribution(WORDING, ["workload"])
        contribution.submission_id = submission.id
        submission.status = Status.APPROVED
        db.session.commit()
    assert codename_holder


def test_withdrawal_leaves_no_ciphertext_in_the_files(
    app: Flask, client: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    codename = send_and_get_codename(client, BODY)
    status_post(client, codename, action="reply", reply="A reply with more about the rota. " * 40)
    _approve_without_the_desk(app, codename)
    with app.app_context():
        public_id = db.session.scalar(select(Submission.public_id))
        assert public_id is not None
        secrets = _secrets_of(public_id)
    assert _left_in_files(app, secrets)  # the scan finds them while they are stored

    code, page = status_post(client, codename, action="withdraw", confirm="yes")
    assert code == 200, page
    _erasure_done(app, caplog)
    assert _left_in_files(app, secrets) == []


def test_retention_purge_leaves_no_ciphertext_in_the_files(
    app: Flask, client: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    codename = send_and_get_codename(client, BODY)
    status_post(client, codename, action="reply", reply="A reply with more about the rota. " * 40)
    with app.app_context():
        submission = db.session.scalar(select(Submission))
        assert submission is not None
        submission.status = Status.DECLINED
        submission.decided_on = dt.date.today() - dt.timedelta(days=31)
        db.session.commit()
        secrets = _secrets_of(submission.public_id)
    with app.app_context():
        assert jobs.run_once().closed_submissions == 1
    _erasure_done(app, caplog)
    assert _left_in_files(app, secrets) == []


def test_the_withdrawal_says_what_was_deleted_and_when_backups_expire(
    app: Flask, client: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    app.config["BACKUP_RETENTION_DAYS"] = 9
    codename = send_and_get_codename(client, "The night rota has had one member of staff since spring.")
    page = status_post(client, codename)[1]
    assert "9 days" in page  # said before the submitter decides, beside the Withdraw button
    page = status_post(client, codename, action="withdraw", confirm="yes")[1]
    assert "deleted from our database" in page
    assert "backups" in page and "9 days" in page
    # And afterwards, whenever the codename is used again.
    page = status_post(client, codename)[1]
    assert "deleted from our database" in page and "9 days" in page


def test_a_deletion_anywhere_is_erased_by_the_next_job_run(
    app: Flask, client: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    """Whatever code deletes (here the ORM directly, as a revoked grant or a later version's
    withdrawal path might), the deletion notes its tables in its own transaction, and the job
    runner erases them."""
    codename = send_and_get_codename(client, BODY)
    status_post(client, codename, action="reply", reply="A reply with more about the rota. " * 40)
    with app.app_context():
        submission = db.session.scalar(select(Submission))
        assert submission is not None
        secrets = _secrets_of(submission.public_id)
        for blob in list(submission.blobs):
            db.session.delete(blob)
        db.session.commit()
        assert db.session.scalar(select(func.count()).select_from(ErasurePending)) > 0
    assert _left_in_files(app, secrets)  # deleted, not yet erased
    with app.app_context():
        jobs.run_once()
    _erasure_done(app, caplog)
    assert _left_in_files(app, secrets) == []


def test_deletions_are_noted_only_when_they_commit(app: Flask, client: FlaskClient) -> None:
    send_and_get_codename(client, "The night rota has had one member of staff since spring.")
    with app.app_context():
        db.session.execute(delete(WrappedKey))
        db.session.rollback()
        assert db.session.scalar(select(func.count()).select_from(ErasurePending)) == 0
        db.session.execute(delete(WrappedKey))
        db.session.commit()
        noted = set(db.session.scalars(select(ErasurePending.table_name)))
    assert noted == {"wrapped_keys"}


def test_a_withdrawal_whose_rewrite_must_wait_still_answers_and_is_erased_later(
    app: Flask, client: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("only PostgreSQL rewrites tables, and waits for their locks")
    codename = send_and_get_codename(client, BODY)
    with app.app_context():
        public_id = db.session.scalar(select(Submission.public_id))
        assert public_id is not None
        secrets = _secrets_of(public_id)
    # Another session reading the blobs (a long report, a pg_dump) holds a lock the rewrite needs.
    other = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    with other.connect() as reader:
        reader.execute(text("SELECT count(*) FROM sealed_blobs"))
        code, page = status_post(client, codename, action="withdraw", confirm="yes")
        reader.rollback()
    other.dispose()
    assert code == 200 and "deleted from our database" in page
    assert _left_in_files(app, secrets)  # the rewrite gave up after its lock timeout
    with app.app_context():
        jobs.run_once()
    _erasure_done(app, caplog)
    assert _left_in_files(app, secrets) == []


def test_rows_an_older_transaction_still_sees_stay_noted_until_it_ends(
    app: Flask, client: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    """A rewrite must keep deleted rows that a transaction begun before the deletion can still see
    (a pg_dump, a long report, autovacuum's ANALYZE). The deletion stays noted, and is erased by
    the job run after that transaction ends, not forgotten."""
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("SQLite has no older snapshots to keep rows for")
    codename = send_and_get_codename(client, BODY)
    with app.app_context():
        public_id = db.session.scalar(select(Submission.public_id))
        assert public_id is not None
        secrets = _secrets_of(public_id)
    other = create_engine(app.config["SQLALCHEMY_DATABASE_URI"], isolation_level="REPEATABLE READ")
    with other.connect() as reader:
        reader.execute(text("SELECT count(*) FROM themes"))  # a snapshot, and no lock on the blobs
        code, page = status_post(client, codename, action="withdraw", confirm="yes")
        assert code == 200 and "deleted from our database" in page
        with app.app_context():
            assert db.session.scalar(select(func.count()).select_from(ErasurePending)) > 0
        reader.rollback()
    other.dispose()
    assert _left_in_files(app, secrets)
    with app.app_context():
        jobs.run_once()
    _erasure_done(app, caplog)
    assert _left_in_files(app, secrets) == []
