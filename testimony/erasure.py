"""Making deletion real in the database's files, after a withdrawal or a retention purge.

A DELETE removes rows from what queries see, not from the disk. What this module does about it,
and what it cannot do (tests/test_erasure.py scans the files; docs/DEPLOY.md, section 9):

* SQLite: `secure_delete` (testimony/db.py) overwrites deleted rows with zeros in the database
  file, but not in the WAL, which keeps copies of pages as they were until it is checkpointed and
  cut. `scrub_after_commit` checkpoints every page into the database file and truncates the WAL
  to nothing (PRAGMA wal_checkpoint(TRUNCATE)). It takes milliseconds.
* PostgreSQL: a deleted row stays in its page as a dead tuple until VACUUM, and a plain VACUUM
  only marks the space free: the bytes stay in the page until something happens to overwrite them
  (measured: after VACUUM and CHECKPOINT the relation files still held deleted ciphertext, in the
  table and in its TOAST table). Only rewriting the table removes them, so `scrub_after_commit`
  rewrites the tables that hold sealed content: `CLUSTER` on the primary key, which is VACUUM
  FULL that also stores the rows in the order of their random keys instead of the order they were
  written (docs/THREAT_MODEL.md, "At rest"). Those tables hold only unpublished items and the
  originals of the last 90 days of publication, so a rewrite is short (about 1.5 s for 100 MB on
  two busy cores; a few milliseconds for a small site), but it locks the table while it runs: it
  waits at most LOCK_TIMEOUT for the lock and otherwise leaves the work to the next job run, which
  rewrites any of these tables that has dead rows (autovacuum is off for them, migration
  c4e8a1f2d9b7, so the dead-row count stays until a rewrite clears it).

What stays after either (and what an operator does about it, docs/DEPLOY.md): the old file's
blocks on the disk after a rewrite or truncation (an encrypted volume); PostgreSQL's WAL
segments until they are recycled and overwritten; backups until they expire
(BACKUP_RETENTION_DAYS); rows a transaction that was already running still sees (a rewrite keeps
them until that transaction ends; the next job run rewrites again). The published archive
(`contributions`) is too large to rewrite after every withdrawal: `flask jobs scrub --all`
rewrites it too, for a nightly timer.
"""

from __future__ import annotations

import click
from flask import current_app
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from testimony.db import db

# The tables whose deleted rows held sealed content (ciphertext, wrapped data keys, sealed approved
# wording) or theme tags. Each is rewritten on its primary key. Autovacuum is off for them, so a
# dead row shows in their statistics until a rewrite clears it (`scrub_pending`).
SEALED_TABLES = ("sealed_blobs", "wrapped_keys", "sealed_approvals", "submission_tags")
# Also rewritten right after a withdrawal or purge: a withdrawn item's old row version still has
# its lookup id. Not checked for dead rows by the job runner: every status change leaves one.
AFTER_DELETION = (*SEALED_TABLES, "submissions")
# Rewritten only by `flask jobs scrub --all`: the whole published archive, with its search index.
ARCHIVE_TABLES = ("contributions", "contribution_themes")
LOCK_TIMEOUT = "3s"


def scrub_after_commit() -> list[str]:
    """After a withdrawal or purge has been committed: remove what the engine still keeps of the
    deleted rows. Never raises: the deletion itself has happened, and a submitter must not see
    an error for this; what could not be done now is done by the next job run. Returns the
    tables rewritten (PostgreSQL) or ["wal"] (SQLite)."""
    try:
        if _dialect() == "sqlite":
            return ["wal"] if truncate_wal() else []
        return rewrite(AFTER_DELETION)
    except OperationalError as error:
        db.session.rollback()
        current_app.logger.warning("erasure postponed to the next job run (%s)", type(error).__name__)
        return []


def scrub_pending() -> list[str]:
    """For the job runner: on PostgreSQL, rewrite those sealed tables that hold dead rows (a
    scrub that could not get its lock, a grant revoked, a contribution published); on SQLite,
    truncate the WAL. Cheap when there is nothing to do."""
    try:
        if _dialect() == "sqlite":
            return ["wal"] if truncate_wal() else []
        return _rewrite_dirty()
    except OperationalError as error:
        db.session.rollback()
        current_app.logger.warning("erasure postponed to the next job run (%s)", type(error).__name__)
        return []


def _rewrite_dirty() -> list[str]:
    rows = db.session.execute(
        text("SELECT relname FROM pg_stat_user_tables WHERE n_dead_tup > 0 AND relname = ANY(:names)"),
        {"names": list(SEALED_TABLES)},
    )
    dirty = [name for (name,) in rows]
    db.session.commit()
    return rewrite([t for t in SEALED_TABLES if t in dirty]) if dirty else []


def truncate_wal() -> bool:
    """SQLite: copy every WAL frame into the database file and cut the WAL to zero bytes. False
    when a reader still used the WAL, so it could not be cut (the next job run tries again)."""
    db.session.commit()  # our own open transaction would be such a reader
    with db.engine.connect() as connection:
        busy, _frames, _copied = connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").one()
    return not busy


def rewrite(tables: tuple[str, ...] | list[str] = AFTER_DELETION, *, everything: bool = False) -> list[str]:
    """PostgreSQL: rewrite tables in the order of their random primary keys, leaving no deleted
    row in their files (or their TOAST tables'), then refresh their statistics (which also sets
    their dead-row count back to zero). SQLite: VACUUM the whole file for `everything`, which
    rebuilds it in key order and drops its free pages; otherwise truncate the WAL."""
    names = list(tables) + (list(ARCHIVE_TABLES) if everything else [])
    db.session.commit()
    if _dialect() == "sqlite":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            if everything:
                connection.exec_driver_sql("VACUUM")
        truncate_wal()
        return ["wal"]
    done = []
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        # The rewrite queues every other query on the table behind it: wait only so long.
        connection.exec_driver_sql(f"SET lock_timeout = '{LOCK_TIMEOUT}'")
        try:
            for name in names:
                # Names from the constants above, never from input.
                connection.exec_driver_sql(f"CLUSTER {name} USING pk_{name}")
                connection.exec_driver_sql(f"ANALYZE {name}")
                done.append(name)
        finally:
            connection.exec_driver_sql("RESET lock_timeout")
    return done


def _dialect() -> str:
    return db.session.get_bind().dialect.name


@click.command("scrub")
@click.option("--all", "everything", is_flag=True, help="Also rewrite the published archive (nightly).")
def scrub_command(everything: bool) -> None:
    """Remove deleted rows' bytes from the database files and scatter rows by their random keys."""
    done = rewrite(everything=True) if everything else scrub_pending()
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
