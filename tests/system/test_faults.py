"""A hostile world: 500 concurrent sends over loopback against real gunicorn (2 workers) while
something breaks underneath them.

- a worker is killed with SIGKILL mid-burst (on SQLite and on a throwaway PostgreSQL database);
- the PostgreSQL server is restarted mid-burst (a private cluster made for this test, never the
  shared server).

Afterwards every codename shown resolves to a complete stored submission whose text, opened
with the recovery key, is what was sent; every refusal stored nothing; a row stored without a
codename is only allowed for a send that got no answer at all (its worker died between the
commit and the reply, which no server can rule out). The figures go to stdout as one JSON line
(pytest -s) and to figures.json in the test's tmp dir.

Last, in process: a COMMIT whose answer is lost with the connection (met now and then by the
restart test) is resolved by asking the database again, and never told as "nothing was stored".
"""

from __future__ import annotations

import json
import os
import signal
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from testimony import submissions
from testimony.db import db
from testimony.models import Submission
from tests.support.faults import (
    Audit,
    Fault,
    Outcome,
    PrivateCluster,
    Server,
    audit,
    burst,
    busiest_worker,
    database_answers,
    gunicorn,
    postgres_binaries,
    status_page_says_received,
)
from tests.support.helpers import CODENAME, send_and_get_codename, status_post, submit
from tests.support.servers import POSTGRES_ADMIN_URL, throwaway_database

SENDS = 500
CONCURRENCY = 50
# Far enough in that the workers are busy and warm, early enough that most sends come after.
FAULT_AFTER = 150
# The last sends start only once the fault is over, to show the site recovers by itself.
HELD_BACK = 100


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/faults.db"
        return
    why = database_answers(POSTGRES_ADMIN_URL)
    if why:
        pytest.skip(f"PostgreSQL not reachable at {POSTGRES_ADMIN_URL} ({why})")
    with throwaway_database(POSTGRES_ADMIN_URL, "testimony_faults") as url:
        yield url


@pytest.fixture
def private_cluster() -> Iterator[PrivateCluster]:
    bindir = postgres_binaries()
    if bindir is None:
        pytest.skip(
            "no initdb/pg_ctl under /usr/lib/postgresql/*/bin: the restart test needs its own cluster"
        )
    if os.geteuid() != 0 and os.environ.get("USER") != "postgres":
        pytest.skip("a private cluster is run as the postgres OS user, which needs root (or being postgres)")
    cluster = PrivateCluster(bindir)
    try:
        cluster.start()
    except Exception as exc:  # noqa: BLE001 - any failure to make a cluster means "cannot test here"
        cluster.stop()
        pytest.skip(f"could not start a private PostgreSQL cluster ({type(exc).__name__}: {exc})")
    why = database_answers(cluster.admin_url)
    if why:
        cluster.stop()
        pytest.skip(f"the private PostgreSQL cluster does not answer ({why})")
    yield cluster
    cluster.stop()


def kill_a_worker(server: Server) -> Fault:
    def action() -> str:
        victim = busiest_worker(server)
        os.kill(victim, signal.SIGKILL)
        return f"SIGKILL worker {victim}"

    return Fault(after=FAULT_AFTER, action=action)


def restart_database(cluster: PrivateCluster, mode: str) -> Fault:
    def action() -> str:
        cluster.restart(mode)
        return f"pg_ctl restart -m {mode}"

    return Fault(after=FAULT_AFTER, action=action)


def record(tmp_path: Path, figures: dict[str, object]) -> None:
    line = json.dumps(figures, sort_keys=True)
    print("\nFAULT FIGURES " + line)
    (tmp_path / "figures.json").write_text(line + "\n", encoding="utf-8")


def assert_sound(result: Audit) -> None:
    """What every fault test demands of the stored data and the answers given."""
    assert not result.problems, "\n".join(result.problems[:20])
    assert result.found_intact == result.acknowledged
    assert result.rows == result.acknowledged + result.orphans
    assert result.acknowledged + result.refused + result.failed == result.attempted


def assert_recovered(server: Server, outcomes: list[Outcome], fault: Fault) -> None:
    """Sends that started after the fault was over were acknowledged: the site came back by itself."""
    assert fault.error is None, f"the fault could not be injected: {fault.error!r}"
    later = [o for o in outcomes if o.started > fault.finished]
    assert len(later) >= HELD_BACK, "the held-back sends started before the fault was over"
    assert all(o.acknowledged for o in later), [(o.status, o.error) for o in later if not o.acknowledged][:5]
    # The submitter's own way back in works for a codename shown before and one after the fault.
    first = next(o for o in outcomes if o.acknowledged)
    for outcome in (first, later[-1]):
        assert outcome.codename and status_page_says_received(server.base, outcome.codename)


@pytest.mark.slow
def test_worker_killed_mid_burst_loses_nothing_acknowledged(
    database_url: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    with gunicorn(tmp_path, database_url) as server:
        before = server.workers()
        fault = kill_a_worker(server)
        outcomes = burst(server.base, SENDS, CONCURRENCY, fault, HELD_BACK)
        result = audit(server, outcomes)
        record(tmp_path, result.figures("worker SIGKILL", request.node.callspec.id, fault))
        assert_sound(result)
        assert_recovered(server, outcomes, fault)
        # The master replaced the killed worker.
        after = server.workers()
        assert len(after) == 2 and set(after) != set(before)
    # The kill hit sends in flight (else this proved nothing about a kill).
    assert result.failed > 0


# fast: the server ends every session cleanly and checkpoints; immediate: it stops as if it
# had crashed, and the committed work must come back from the write-ahead log.
@pytest.mark.slow
@pytest.mark.parametrize("mode", ["fast", "immediate"])
def test_database_restarted_mid_burst_loses_nothing_acknowledged(
    private_cluster: PrivateCluster, tmp_path: Path, mode: str
) -> None:
    with (
        throwaway_database(private_cluster.admin_url, "testimony_faults") as url,
        gunicorn(tmp_path, url) as server,
    ):
        fault = restart_database(private_cluster, mode)
        outcomes = burst(server.base, SENDS, CONCURRENCY, fault, HELD_BACK)
        result = audit(server, outcomes)
        record(tmp_path, result.figures("PostgreSQL restart", f"private cluster, {mode}", fault))
        assert_sound(result)
        assert_recovered(server, outcomes, fault)
    # The app stayed up: every send got an answer, and some met the outage.
    assert result.failed == 0
    assert result.refused > 0
    # The server really went down and came back (its log says so).
    assert private_cluster.log.read_text(encoding="utf-8").count("ready to accept connections") == 2


# ---- a COMMIT whose answer is lost -------------------------------------------------------------
# The burst above met this only now and then (`-m immediate`): the server commits, then dies
# before its answer reaches the app. These make each outcome happen every time, in process.

LOST_TEXT = "The night cover on our wing was cancelled again and nobody told the officers."


def lose_commit_answer(monkeypatch: pytest.MonkeyPatch, *, committed: bool, comes_back: bool) -> None:
    """COMMIT raises as if the connection died, after the server did (or did not) commit; when
    the database does not come back, every later read fails too."""
    real_commit = FlaskSession.commit
    real_scalar = FlaskSession.scalar
    lost = threading.Event()

    def commit(self: FlaskSession) -> None:
        if committed:
            real_commit(self)
        else:
            self.rollback()
        lost.set()
        raise OperationalError("COMMIT", {}, ConnectionError("server closed the connection unexpectedly"))

    def scalar(self: FlaskSession, *args: Any, **kwargs: Any) -> Any:
        if lost.is_set() and not comes_back:
            raise OperationalError("SELECT", {}, ConnectionError("connection refused"))
        return real_scalar(self, *args, **kwargs)

    monkeypatch.setattr(FlaskSession, "commit", commit)
    monkeypatch.setattr(FlaskSession, "scalar", scalar)
    monkeypatch.setattr(submissions, "LOST_COMMIT_WAIT_SECONDS", 0.0)


def submissions_stored(app: Flask) -> int:
    with app.app_context():
        return int(db.session.scalar(select(func.count()).select_from(Submission)) or 0)


def test_commit_that_went_through_before_its_answer_was_lost_shows_the_codename(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    lose_commit_answer(monkeypatch, committed=True, comes_back=True)
    codename = send_and_get_codename(client, LOST_TEXT)
    monkeypatch.undo()
    assert submissions_stored(app) == 1
    code, page = status_post(client, codename)
    assert code == 200 and "Received. A moderator has not read it yet." in page


def test_commit_that_did_not_go_through_says_nothing_was_stored(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    lose_commit_answer(monkeypatch, committed=False, comes_back=True)
    code, page = submit(client, LOST_TEXT)
    monkeypatch.undo()
    assert code == 503 and "so nothing was sent" in page and LOST_TEXT in page
    assert CODENAME.search(page) is None
    assert submissions_stored(app) == 0


def test_commit_whose_outcome_cannot_be_learnt_never_claims_nothing_was_stored(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    lose_commit_answer(monkeypatch, committed=False, comes_back=False)
    code, page = submit(client, LOST_TEXT)
    monkeypatch.undo()
    assert code == 503 and "we cannot tell whether it arrived" in page and LOST_TEXT in page
    assert "nothing was sent" not in page and CODENAME.search(page) is None
