"""Background jobs: publish scheduled digests, apply retention (and erase what it deleted from
the database files: testimony/erasure.py), clear idle desk sessions.

On the embedded default, `flask jobs run-once` runs them inline (from cron or a systemd timer).
In production, `flask jobs tick` (every minute, from a timer) puts one run on the Redis queue and
`flask jobs worker` (an RQ worker) carries it out, so web workers never do this work.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import delete

from testimony import erasure, publishing, redis_client, retention, send_tokens
from testimony.db import db
from testimony.models import LoginThrottle, ModeratorSession, utcnow

QUEUE = "testimony"
IDLE_SESSION = dt.timedelta(minutes=30)


@dataclass(frozen=True)
class RunReport:
    published: int
    skipped: int
    closed_submissions: int
    published_originals: int
    sessions_cleared: int

    def __str__(self) -> str:
        return (
            f"published {self.published} digests ({self.skipped} skipped); removed {self.closed_submissions} "
            f"closed submissions and {self.published_originals} sealed originals; cleared {self.sessions_cleared} idle sessions"
        )


def run_once(now: dt.datetime | None = None) -> RunReport:
    """Each job in its own transaction: a failure in one does not undo the others."""
    now = now or utcnow()
    published, skipped = publishing.publish_due(now)
    db.session.commit()
    purged = retention.purge(now.date())
    db.session.commit()
    cleared = db.session.execute(
        delete(ModeratorSession).where(ModeratorSession.last_seen_at < now - IDLE_SESSION)
    )
    db.session.execute(delete(LoginThrottle).where(LoginThrottle.started_at < now - dt.timedelta(days=1)))
    send_tokens.purge(now.date())  # spent send tokens, once they can no longer be sent
    db.session.commit()
    # After the commit: rewriting tables (PostgreSQL) or cutting the WAL (SQLite) works on what
    # is committed. It erases what this run purged, and whatever else was deleted since the last
    # run and not erased yet (a withdrawal whose own scrub could not get its lock, a revoked
    # grant, published wording); nothing, cheaply, when nothing was.
    erasure.scrub_after_commit()
    return RunReport(
        published=len(published),
        skipped=len(skipped),
        closed_submissions=purged.closed_submissions,
        published_originals=purged.published_originals,
        sessions_cleared=int(getattr(cleared, "rowcount", 0) or 0),
    )


def run_once_job() -> str:
    """The RQ entry point: a worker process builds its own app."""
    from testimony import create_app

    app = create_app()
    with app.app_context():
        return str(run_once())


jobs = AppGroup("jobs", help="Background jobs (publishing, retention, session clean-up).")


@jobs.command("run-once")
def run_once_command() -> None:
    """Run every job now, inline."""
    click.echo(str(run_once()))


@jobs.command("tick")
def tick_command() -> None:
    """Put one run of the jobs on the Redis queue (call every minute from a timer)."""
    from rq import Queue

    client = redis_client.get(current_app)
    if client is None:
        raise click.ClickException("REDIS_URL is not set: use `flask jobs run-once` instead.")
    job = Queue(QUEUE, connection=client).enqueue(run_once_job, job_timeout=600)
    click.echo(f"queued {job.id}")


@jobs.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
def worker_command(burst: bool) -> None:
    """Run an RQ worker for the job queue."""
    from rq import Queue, Worker

    client = redis_client.get(current_app)
    if client is None:
        raise click.ClickException("REDIS_URL is not set: there is no queue to work on.")
    Worker([Queue(QUEUE, connection=client)], connection=client).work(burst=burst)


jobs.add_command(erasure.scrub_command)


def init_app(app: Flask) -> None:
    app.cli.add_command(jobs)
