"""Making deletion real in the database's files, after a withdrawal, a retention purge or any other
deletion of what a submitter sent.

A DELETE removes rows from what queries see, not from the disk. What this module does about it,
and what it cannot do (tests/test_erasure.py reads the files; docs/DEPLOY.md, section 9):

* SQLite: `secure_delete` (testimony/db.py) overwrites deleted rows with zeros in the database
  file, but not in the WAL, which keeps copies of pages as they were until it is checkpointed and
  cut. `scrub` checkpoints every page into the database file and truncates the WAL to nothing
  (PRAGMA wal_checkpoint(TRUNCATE)). It takes milliseconds.
* PostgreSQL: a deleted row stays in its page as a dead tuple until VACUUM, and a plain VACUUM
  only marks the space free: the bytes stay in the page until something happens to overwrite them
  (measured: after VACUUM and CHECKPOINT the relation files still held deleted ciphertext, in the
  table and in its TOAST table). Only rewriting the table removes them, so `scrub` rewrites the
  tables that deletions touched: `CLUSTER` on the primary key, which is VACUUM FULL that also
  stores the rows in the order of their random keys instead of the order they were written
  (docs/THREAT_MODEL.md, "At rest"). These tables hold only what waits for a decision or a digest
  and the originals of the last 90 days of publication, so a rewrite is short (measured on two
  busy cores: 0.2 s for nearly empty tables, 0.7 to 1 s with 3,000 items waiting, 9 MB; 1.5 s
  to rewrite 100 MB of blobs), but it locks each table while it runs: it waits at most
  LOCK_TIMEOUT for the lock and otherwise leaves the work to the next job run.

Which tables need it is recorded in the deleting transaction itself (`ErasurePending`, by the
session hooks below), whatever code path deletes: the withdrawal, retention, a revoked grant, a
theme tag replaced, approved wording published. So a deletion that committed is always followed
by a rewrite: at once where the caller asks (`scrub_after_commit`, after a withdrawal), else at
the next job run (testimony/jobs.py), every minute.

A rewrite must keep deleted rows while a transaction begun before the deletion is still running
(a pg_dump, a long report, autovacuum's ANALYZE; in any database of the server, since every new
snapshot reaches back to the oldest running transaction): `scrub` waits a little for those to
end, and otherwise, or if the rewrite still had to keep some, the deletion stays noted for the
next job run.

What stays after either (and what an operator does about it, docs/DEPLOY.md): the old file's
blocks on the disk after a rewrite or truncation (an encrypted volume); PostgreSQL's WAL
segments until they are recycled and overwritten; backups until they expire
(BACKUP_RETENTION_DAYS). The published archive (`contributions`) is too large to rewrite after
every withdrawal: `flask jobs scrub --all` rewrites it too, for a nightly timer.
"""

from __future__ import annotations

import time
from typing import Any

import click
from flask import current_app
from sqlalchemy import delete, event, insert, select, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import ORMExecuteState, Session

from testimony.db import db
from testimony.models import ErasurePending, SealedApproval, SealedBlob, Submission, SubmissionTag, WrappedKey

# For each table whose rows a submitter's content or its keys live in: the tables a deletion from
# it empties (foreign keys cascade: a blob takes its wrapped keys, a submission all of its rows).
SUBMISSION_TABLES = ("sealed_blobs", "submission_tags", "submissions", "wrapped_keys")
CASCADES: dict[str, tuple[str, ...]] = {
    Submission.__tablename__: SUBMISSION_TABLES,
    SealedBlob.__tablename__: ("sealed_blobs", "wrapped_keys"),
    WrappedKey.__tablename__: ("wrapped_keys",),
    SubmissionTag.__tablename__: ("submission_tags",),
    SealedApproval.__tablename__: ("sealed_approvals",),
}
# Everything `flask jobs scrub --all` rewrites: the above, the markers, and the published archive
# (a withdrawn published contribution's text; rows in the order they were written).
ALL_TABLES = (
    "contribution_themes",
    "contributions",
    "erasure_pending",
    "sealed_approvals",
    *SUBMISSION_TABLES,
)
# Written again by `scrub --all` so that no row's transaction id dates it (PostgreSQL), with
# the column each is keyed by.
WRITTEN_BY_SUBMITTERS = (*SUBMISSION_TABLES, "sealed_approvals")
KEYS = dict.fromkeys(SUBMISSION_TABLES, "id") | {"sealed_approvals": "contribution_id"}
LOCK_TIMEOUT = "3s"


# ---- noting what was deleted, in the deleting transaction --------------------------------------


def _note(session: Session, tables: set[str]) -> None:
    if tables:
        # One row per table: no unique key, so concurrent deletions never wait on each other here.
        session.execute(insert(ErasurePending), [{"table_name": t} for t in sorted(tables)])


def _deleted_object(_mapper: Any, _connection: Any, target: Any) -> None:
    # Every row the unit of work deletes, orphans and cascades included (session.deleted lists
    # only what was passed to session.delete). Noted once per flush, below.
    session = Session.object_session(target)
    if session is not None:
        session.info.setdefault("erasure_tables", set()).update(CASCADES[target.__tablename__])


for _model in (Submission, SealedBlob, WrappedKey, SubmissionTag, SealedApproval):
    event.listen(_model, "after_delete", _deleted_object)


@event.listens_for(Session, "after_flush")
def _deleted_objects(session: Session, _context: Any) -> None:
    _note(session, session.info.pop("erasure_tables", set()))


@event.listens_for(Session, "after_rollback")
def _nothing_deleted(session: Session) -> None:
    session.info.pop("erasure_tables", None)


@event.listens_for(Session, "do_orm_execute")
def _deleted_in_bulk(state: ORMExecuteState) -> None:
    if not state.is_delete:
        return
    table = getattr(state.statement, "table", None)
    _note(state.session, set(CASCADES.get(getattr(table, "name", ""), ())))


# ---- rewriting ---------------------------------------------------------------------------------


def scrub_after_commit() -> list[str]:
    """Right after a withdrawal (or another deletion) has been committed: remove what the engine
    still keeps of the deleted rows. Never raises: the deletion itself has happened, and a
    submitter must not see an error for this; what could not be done now is done by the next job
    run. Returns the tables rewritten (PostgreSQL) or ["wal"] (SQLite)."""
    try:
        return scrub()
    except SQLAlchemyError as error:
        db.session.rollback()
        # The reason is ours (_Incomplete) or the error's type: never a statement or its values.
        reason = str(error) if isinstance(error, _Incomplete) else type(error).__name__
        current_app.logger.warning("erasure postponed to the next job run: %s", reason)
        return []


def scrub() -> list[str]:
    """Rewrite (PostgreSQL) or checkpoint (SQLite) for every deletion noted so far. Cheap when
    nothing was deleted. A marker is cleared before its rewrite and put back if the rewrite
    fails or could not remove every deleted row, so nothing noted is forgotten."""
    db.session.commit()
    pending = list(db.session.execute(select(ErasurePending.id, ErasurePending.table_name)))
    if not pending:
        return []
    tables = sorted({name for _id, name in pending})
    if _dialect() == "postgresql":
        _wait_for_older_transactions([i for i, _name in pending])
    db.session.execute(delete(ErasurePending).where(ErasurePending.id.in_([i for i, _name in pending])))
    db.session.commit()
    try:
        done = rewrite([*tables, "erasure_pending"])
        if _dialect() == "sqlite" and not done:
            raise _Incomplete("a reader was still using the WAL")
        kept = _dead_rows_kept(done)
        if kept:
            raise _Incomplete(f"a transaction older than the deletion still saw rows of {', '.join(kept)}")
    except SQLAlchemyError:
        db.session.rollback()
        db.session.execute(insert(ErasurePending), [{"table_name": t} for t in tables])
        db.session.commit()
        raise
    return done


class _Incomplete(SQLAlchemyError):
    """The engine kept some deleted rows: SQLite's WAL was in use by a reader, or a PostgreSQL
    transaction that began before the deletion still saw them (a rewrite must keep those)."""


def _wait_for_older_transactions(marker_ids: list[int], wait: float = 3.0) -> None:
    """PostgreSQL: a rewrite must keep deleted rows while any transaction that began before their
    deletion is still running, in this database (a pg_dump, a report, autovacuum's ANALYZE) or,
    because every new snapshot then reaches back to it, in any other database on the server.
    Wait a little for them to end; raise _Incomplete (the deletion stays noted) if they do not.
    The markers were written by the deleting transactions, so their `xmin` is theirs."""
    older = text(
        "SELECT age((pg_snapshot_xmin(pg_current_snapshot())::text::numeric % 4294967296)::text::xid)"
        " >= m.newest OR EXISTS (SELECT 1 FROM pg_stat_activity a"
        " WHERE a.datname = current_database() AND a.pid <> pg_backend_pid()"
        " AND (age(a.backend_xmin) >= m.newest OR age(a.backend_xid) >= m.newest))"
        " FROM (SELECT min(age(xmin)) AS newest FROM erasure_pending WHERE id = ANY(:ids)) m"
    )
    deadline = time.monotonic() + wait
    while db.session.scalar(older, {"ids": marker_ids}):
        db.session.commit()
        if time.monotonic() > deadline:
            raise _Incomplete("a transaction older than the deletion is still running")
        time.sleep(0.05)
    db.session.commit()


def _dead_rows_kept(tables: list[str]) -> list[str]:
    """PostgreSQL, after `rewrite` (whose ANALYZE counts the dead rows a rewrite had to keep)."""
    if _dialect() != "postgresql" or not tables:
        return []
    kept = db.session.scalars(
        text("SELECT relname FROM pg_stat_user_tables WHERE n_dead_tup > 0 AND relname = ANY(:names)"),
        {"names": [t for t in tables if t != "erasure_pending"]},
    ).all()
    db.session.commit()
    return sorted(kept)


def rewrite(tables: list[str] | tuple[str, ...], *, everything: bool = False) -> list[str]:
    """PostgreSQL: rewrite tables in the order of their random primary keys, leaving no deleted
    row in their files (or their TOAST tables'), then refresh their statistics. SQLite: truncate
    the WAL, after a VACUUM of the whole file for `everything` (which rebuilds it in key order
    and drops its free pages). Returns what was done; [] when SQLite's WAL could not be cut."""
    names = sorted(set(tables) | (set(ALL_TABLES) if everything else set()))
    db.session.commit()
    if _dialect() == "sqlite":
        if everything:
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.exec_driver_sql("VACUUM")
        return ["wal"] if truncate_wal() else []
    done = []
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        # The rewrite queues every other query on the table behind it: wait only so long.
        connection.exec_driver_sql(f"SET lock_timeout = '{LOCK_TIMEOUT}'")
        try:
            if everything:
                # Each row version carries the id of the transaction that wrote it (xmin), which
                # rises with time, and a rewrite keeps it. Writing every row again in one
                # statement gives them all the same one; the rewrite below then drops the old
                # versions (and stores TOASTed values afresh, under its own).
                for name in WRITTEN_BY_SUBMITTERS:
                    key = KEYS[name]
                    connection.exec_driver_sql(f"UPDATE {name} SET {key} = {key}")  # noqa: S608 - constants
            for name in names:
                # Names from the constants above, never from input.
                connection.exec_driver_sql(f"CLUSTER {name} USING pk_{name}")
                connection.exec_driver_sql(f"ANALYZE {name}")
                done.append(name)
        finally:
            connection.exec_driver_sql("RESET lock_timeout")
    return done


def truncate_wal() -> bool:
    """SQLite: copy every WAL frame into the database file and cut the WAL to zero bytes. False
    when a reader still used the WAL, so it could not be cut."""
    db.session.commit()  # our own open transaction would be such a reader
    with db.engine.connect() as connection:
        busy, _frames, _copied = connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").one()
    return not busy


def _dialect() -> str:
    return db.session.get_bind().dialect.name


@click.command("scrub")
@click.option(
    "--all", "everything", is_flag=True, help="Rewrite every table, the published archive too (nightly)."
)
def scrub_command(everything: bool) -> None:
    """Remove deleted rows' bytes from the database files (and, with --all, store every table in
    the order of its random keys)."""
    try:
        done = rewrite(ALL_TABLES, everything=True) if everything else scrub()
    except SQLAlchemyError as error:
        raise click.ClickException(f"not finished ({error}); the next job run tries again") from error
    click.echo("rewrote " + (", ".join(done) if done else "nothing (nothing was waiting)"))


# What a submitter is told about withdrawal, here beside the code that makes it true. "Our
# database" is the live one: what is deleted is gone from every query at once, and from the
# database's files as above. Backups are the deployment's (docs/DEPLOY.md, section 10), and the
# number of days is the operator's promise: BACKUP_RETENTION_DAYS.
WITHDRAWAL_PROMISE = (
    "Everything you sent has been deleted from our database. Copies in our backups are deleted "
    "as those backups expire, within {days} days."
)


def withdrawal_promise() -> str:
    return WITHDRAWAL_PROMISE.format(days=int(current_app.config["BACKUP_RETENTION_DAYS"]))
