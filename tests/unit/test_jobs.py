"""Background jobs and retention: deletion is real, and only when it is due."""

from __future__ import annotations

import datetime as dt

import pytest
import redis
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from testimony import jobs
from testimony.db import db
from testimony.models import Contribution, SealedBlob, Status, Submission, WrappedKey
from tests.support.helpers import send_and_get_codename, status_post


def counts(app: Flask) -> tuple[int, int, int]:
    with app.app_context():
        return tuple(  # type: ignore[return-value]
            db.session.scalar(select(func.count()).select_from(m)) or 0
            for m in (Submission, SealedBlob, WrappedKey)
        )


def set_state(app: Flask, status: str, decided_days_ago: int) -> None:
    with app.app_context():
        sub = db.session.scalar(select(Submission))
        assert sub is not None
        sub.status = status
        sub.decided_on = dt.date.today() - dt.timedelta(days=decided_days_ago)
        db.session.commit()


def test_declined_items_go_only_after_the_retention_period(app: Flask, client: FlaskClient) -> None:
    send_and_get_codename(client, "Something declined later.")
    set_state(app, Status.DECLINED, 29)
    with app.app_context():
        assert jobs.run_once().closed_submissions == 0
    # The bundle, its key wrapped to the recovery key; the struck-out text, to the recovery key
    # and to the submitter (issue 15).
    assert counts(app) == (1, 2, 3)
    set_state(app, Status.DECLINED, 31)
    with app.app_context():
        assert jobs.run_once().closed_submissions == 1
    assert counts(app) == (0, 0, 0)


def test_withdrawn_tombstones_are_purged(app: Flask, client: FlaskClient) -> None:
    codename = send_and_get_codename(client, "Withdraw me.")
    status_post(client, codename, action="withdraw", confirm="yes")
    assert counts(app)[1:] == (0, 0)  # content went at once
    set_state(app, Status.WITHDRAWN, 31)
    with app.app_context():
        jobs.run_once()
    assert counts(app) == (0, 0, 0)
    assert "could not find" in status_post(client, codename)[1]


def test_published_originals_go_but_the_contribution_stays(app: Flask, client: FlaskClient) -> None:
    send_and_get_codename(client, "Published one day.")
    with app.app_context():
        sub = db.session.scalar(select(Submission))
        db.session.add(Contribution(submission_id=sub.id, text="The approved text."))
        db.session.commit()
    set_state(app, Status.PUBLISHED, 91)
    with app.app_context():
        report = jobs.run_once()
        assert report.published_originals == 2  # the bundle, and the struck-out text sent
        assert db.session.scalar(select(func.count()).select_from(Contribution)) == 1
    assert counts(app) == (1, 0, 0)


def test_sqlite_deletes_securely(app: Flask) -> None:
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("secure_delete is a SQLite setting")
    with app.app_context():
        assert db.session.execute(db.text("PRAGMA secure_delete")).scalar() == 1


def test_run_once_command(runner, app: Flask) -> None:  # type: ignore[no-untyped-def]
    result = runner.invoke(args=["jobs", "run-once"])
    assert result.exit_code == 0 and "published 0 digests" in result.output


def test_rq_worker_runs_the_jobs(app: Flask, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from rq import Queue, SimpleWorker

    client = redis.Redis.from_url("redis://127.0.0.1:6379/14")
    try:
        client.ping()
    except redis.RedisError as exc:
        pytest.skip(f"Redis not reachable ({type(exc).__name__}); RQ run skipped")
    client.flushdb()
    # The worker builds its own app from the environment, as it would in production.
    monkeypatch.setenv("DATABASE_URL", app.config["SQLALCHEMY_DATABASE_URI"])
    monkeypatch.setenv("TESTIMONY_INSTANCE_PATH", app.instance_path)
    queue = Queue(jobs.QUEUE, connection=client)
    job = queue.enqueue(jobs.run_once_job)
    SimpleWorker([queue], connection=client).work(burst=True)
    job.refresh()
    assert job.is_finished and "published 0 digests" in str(job.return_value())
    client.flushdb()
