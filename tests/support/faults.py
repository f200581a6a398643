"""Support for tests/system/test_faults.py: real gunicorn servers, a private PostgreSQL cluster, a burst
of concurrent sends over loopback, and an audit of what was stored against what was acknowledged.

Nothing here touches the machine's shared PostgreSQL server except to create and drop one
throwaway database on it; the cluster that gets restarted is a private one in a temp dir.
"""

from __future__ import annotations

import glob
import itertools
import os
import re
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
from sqlalchemy import create_engine, select, text

from testimony import codenames, create_app, instance_keys, sealing, submissions
from testimony.db import db
from testimony.models import BlobKind, Recipient, SealedBlob, Submission
from testimony.text import clean
from tests.support.servers import BIN, ROOT, free_port

CODENAME = re.compile(r'<p class="codename"[^>]*><code>([a-z ]+)</code>')
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
SEND_TOKEN = re.compile(r'name="send_token" value="([^"]+)"')
# The deliberate refusal of testimony/web/submit.py when the database fails: nothing was stored.
NOT_STORED = "We could not store your testimony just now, so nothing was sent."
# A name the redactor strikes, so every send runs the real redaction, not a no-op.
NAME = "Sarah Collins"
# Argon2id at its cheapest for the server under test: the burst checks storage under faults;
# `make bench` measures the real cost. Redaction stays real (the model is loaded and run).
CHEAP_KDF = {
    "CODENAME_ARGON2_TIME_COST": 1,
    "CODENAME_ARGON2_MEMORY_KIB": 64,
    "MODERATOR_ARGON2_TIME_COST": 1,
    "MODERATOR_ARGON2_MEMORY_KIB": 64,
}


def body_for(index: int) -> str:
    """A distinct text per send, so every stored row can be traced back to the request that made it."""
    return (
        f"Report {index:04d}: my manager {NAME} cancelled the night cover on wing {index % 9} again, "
        "and nobody told the officers on shift until they arrived."
    )


# ---- databases -------------------------------------------------------------------------------


def database_answers(url: str) -> str | None:
    """None when a server answers at url, else why not (for a skip message)."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - any failure to connect means "no server here"
        return f"{type(exc).__name__}"
    finally:
        engine.dispose()
    return None


def postgres_binaries() -> Path | None:
    """The newest installed PostgreSQL's bin directory with initdb and pg_ctl, if any."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(p.split("/")[4]))
    for pg_ctl in reversed(found):
        bindir = Path(pg_ctl).parent
        if (bindir / "initdb").exists():
            return bindir
    return None


class PrivateCluster:
    """A PostgreSQL cluster of our own, in a temp dir, run as the `postgres` OS user.

    Restarting it disturbs no one else; the shared server on 5432 is never touched.
    """

    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.port = free_port()
        # Not under pytest's tmp dir: that is root-only (0700) and postgres must reach its files.
        self.root = Path(tempfile.mkdtemp(prefix="testimony-faults-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self.admin_url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str) -> None:
        as_postgres: dict[str, Any] = {"user": "postgres", "group": "postgres"} if os.geteuid() == 0 else {}
        subprocess.run(args, check=True, capture_output=True, text=True, timeout=120, **as_postgres)

    def start(self) -> None:
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")
        self._run(
            str(self.bindir / "initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8"
        )
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1"
        self._run(
            str(self.bindir / "pg_ctl"),
            "-D",
            str(self.data),
            "-l",
            str(self.log),
            "-o",
            options,
            "-w",
            "start",
        )

    def restart(self, mode: str = "fast") -> None:
        # pg_ctl keeps the start options in postmaster.opts and reuses them here. The log file
        # must be named again, or the new server would write to (and hold open) our pipe.
        pg_ctl = str(self.bindir / "pg_ctl")
        self._run(pg_ctl, "-D", str(self.data), "-l", str(self.log), "-m", mode, "-w", "restart")

    def stop(self) -> None:
        try:
            self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")
        except subprocess.CalledProcessError:
            pass  # not running (start failed part way): nothing to stop
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


# ---- the server ------------------------------------------------------------------------------


@dataclass
class Server:
    base: str
    proc: subprocess.Popen[bytes]
    instance: Path
    database_url: str
    recovery_private: bytes
    log: Path

    def workers(self) -> list[int]:
        return child_pids(self.proc.pid)


def child_pids(parent: int) -> list[int]:
    """Processes whose parent is `parent`, from /proc (gunicorn's workers are the master's children)."""
    children = []
    for stat in glob.glob("/proc/[0-9]*/stat"):
        try:
            with open(stat, encoding="ascii", errors="replace") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue  # the process ended while we looked
        if int(fields[1]) == parent:
            children.append(int(stat.split("/")[2]))
    return sorted(children)


def open_sockets(pid: int) -> int:
    """How many sockets a process holds now: its listener, database connections and clients."""
    count = 0
    for fd in glob.glob(f"/proc/{pid}/fd/*"):
        try:
            count += os.readlink(fd).startswith("socket:")
        except OSError:
            continue  # closed while we looked
    return count


def busiest_worker(server: Server) -> int:
    """The worker holding the most connections: killing an idle one would prove nothing."""
    return max(server.workers(), key=open_sockets)


def server_env(tmp: Path, database_url: str, port: int) -> dict[str, str]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "TESTIMONY_INSTANCE_PATH": str(tmp / "instance"),
        "TESTIMONY_BIND": f"127.0.0.1:{port}",
        "TESTIMONY_WORKERS": "2",
        "TESTIMONY_ACCESS_LOG": str(tmp / "access.log"),
        "TESTIMONY_ERROR_LOG": str(tmp / "error.log"),
        # 500 sends in a burst: the per-address and global send limits would refuse most of them.
        "FLASK_RATELIMIT_ENABLED": "false",
        **{f"FLASK_{key}": str(value) for key, value in CHEAP_KDF.items()},
    }
    env.pop("REDIS_URL", None)  # in-memory limiter state; these tests are about the database
    return env


@contextmanager
def gunicorn(tmp: Path, database_url: str) -> Iterator[Server]:
    """`flask init` then gunicorn with the project's gunicorn.conf.py, 2 workers, on a free port."""
    port = free_port()
    env = server_env(tmp, database_url, port)
    init = subprocess.run(
        [str(BIN / "flask"), "--app", "wsgi", "init"],
        cwd=ROOT,
        env=env,
        check=False,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert init.returncode == 0, f"flask init failed:\n{init.stderr[-2000:]}"
    key = re.search(r"testimony-recovery-[a-z2-7]+", init.stdout)
    assert key, init.stdout
    proc = subprocess.Popen([str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "wsgi:app"], cwd=ROOT, env=env)
    server = Server(
        base=f"http://127.0.0.1:{port}",
        proc=proc,
        instance=tmp / "instance",
        database_url=database_url,
        recovery_private=instance_keys.decode_recovery_key(key.group(0)),
        log=tmp / "error.log",
    )
    try:
        _wait_until_up(server, time.monotonic() + 120)
        yield server
    finally:
        proc.terminate()
        proc.wait(timeout=60)


def _wait_until_up(server: Server, deadline: float) -> None:
    while time.monotonic() < deadline:
        if server.proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {server.proc.returncode}")
        try:
            if (
                requests.get(server.base + "/submit", timeout=5).status_code == 200
                and len(server.workers()) == 2
            ):
                return
        except requests.RequestException:
            pass
        time.sleep(0.3)
    raise RuntimeError("gunicorn did not answer in time")


# ---- the burst -------------------------------------------------------------------------------


@dataclass
class Outcome:
    index: int
    body: str
    started: float
    finished: float
    status: int | None = None  # None: no response at all (connection reset, timeout)
    codename: str | None = None
    error: str | None = None  # the exception's type when there was no response
    page: str = ""

    @property
    def acknowledged(self) -> bool:
        return self.status == 200 and self.codename is not None

    @property
    def refused(self) -> bool:
        """The app's deliberate answer: a 503 that says nothing was stored and gives the text back."""
        return self.status == 503 and NOT_STORED in self.page and self.body in self.page

    @property
    def lost_connection(self) -> bool:
        return self.status is None


@dataclass
class Fault:
    """A fault injected once, from its own thread, when `after` sends have finished."""

    after: int
    action: Callable[[], str]
    started: float = 0.0
    finished: float = 0.0
    note: str = ""
    error: BaseException | None = None
    thread: threading.Thread | None = field(default=None, repr=False)
    over: threading.Event = field(default_factory=threading.Event, repr=False)

    def fire(self) -> None:
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        self.started = time.monotonic()
        try:
            self.note = self.action()
        except BaseException as exc:  # noqa: BLE001 - reported to the test, which fails on it
            self.error = exc
        self.finished = time.monotonic()
        self.over.set()


def _form_token(session: requests.Session, base: str) -> dict[str, str] | None:
    """The form's CSRF and send tokens (and the session cookie). GET is safe to repeat: a worker
    killed under it has stored nothing, so retrying costs no honesty."""
    for _ in range(5):
        try:
            page = session.get(base + "/submit", timeout=60)
        except requests.RequestException:
            time.sleep(0.2)
            continue
        match, send = TOKEN.search(page.text), SEND_TOKEN.search(page.text)
        if page.status_code == 200 and match and send:
            return {"csrf_token": match.group(1), "send_token": send.group(1)}
        time.sleep(0.2)
    return None


def send_once(session: requests.Session, base: str, index: int) -> Outcome:
    """The real flow a browser follows: fetch the form (CSRF token + cookie), then press Send."""
    body = body_for(index)
    outcome = Outcome(index=index, body=body, started=time.monotonic(), finished=0.0)
    tokens = _form_token(session, base)
    if tokens is None:
        outcome.error, outcome.finished = "no form", time.monotonic()
        return outcome
    try:
        response = session.post(base + "/submit", data={**tokens, "body": body, "send": "1"}, timeout=120)
    except requests.RequestException as exc:
        outcome.error = type(exc).__name__
    else:
        outcome.status, outcome.page = response.status_code, response.text
        match = CODENAME.search(response.text)
        outcome.codename = match.group(1) if match else None
    outcome.finished = time.monotonic()
    return outcome


def burst(base: str, count: int, concurrency: int, fault: Fault, held_back: int) -> list[Outcome]:
    """`count` sends from `concurrency` threads, each with its own session; the fault fires
    mid-burst, while about `concurrency` sends are in flight. The last `held_back` sends wait
    until the fault is over: refusals during an outage are quick, and without them the burst
    could drain before the site is back, leaving recovery untested."""
    local = threading.local()
    finished = itertools.count(1)
    lock = threading.Lock()

    def one(index: int) -> Outcome:
        if not hasattr(local, "session"):
            local.session = requests.Session()
        if index >= count - held_back:
            fault.over.wait(timeout=120)
        outcome = send_once(local.session, base, index)
        with lock:
            if next(finished) == fault.after:
                fault.fire()
        return outcome

    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        outcomes = list(pool.map(one, range(count)))
    if fault.thread is not None:
        fault.thread.join(timeout=120)
    return outcomes


# ---- the audit -------------------------------------------------------------------------------


@dataclass(frozen=True)
class StoredRow:
    submission_id: int
    lookup_id: str | None
    text: str
    redacted: str
    bundles: int
    keys: int
    readers: int


def stored_rows(server: Server) -> list[StoredRow]:
    """Every submission in the database, its bundle opened with the recovery key."""
    app = _reader_app(server)
    rows = []
    with app.app_context():
        readers = len(sealing.staff_readers())
        for submission in db.session.scalars(select(Submission).order_by(Submission.id)):
            bundles = [b for b in submission.blobs if b.kind == BlobKind.BUNDLE]
            # A row without its bundle would be half-stored: recorded with an empty text.
            payload = _open(bundles[0], server.recovery_private) if bundles else {}
            rows.append(
                StoredRow(
                    submission_id=submission.id,
                    lookup_id=submission.lookup_id,
                    text=str(payload.get("text", "")),
                    redacted=str(payload.get("redacted", "")),
                    bundles=len(bundles),
                    keys=len(bundles[0].keys) if bundles else 0,
                    readers=readers,
                )
            )
        db.session.remove()
        db.engine.dispose()
    return rows


def lookup_ids(server: Server, shown: list[str]) -> dict[str, str]:
    """codename -> lookup id, derived exactly as the server does (same salts, same costs)."""
    app = _reader_app(server)
    with app.app_context():
        settings = submissions.codename_settings()
        return {codename: codenames.derive(codename, settings).lookup_id for codename in shown}


def _open(blob: SealedBlob, recovery_private: bytes) -> dict[str, Any]:
    payload = sealing.open_blob(blob, Recipient.RECOVERY, recovery_private)
    return dict(payload["redaction"])


def _reader_app(server: Server) -> Any:
    config = {"SQLALCHEMY_DATABASE_URI": server.database_url, "TESTING": True, **CHEAP_KDF}
    return create_app(config, instance_path=str(server.instance))


@dataclass
class Audit:
    attempted: int
    acknowledged: int
    refused: int
    failed: int
    rows: int
    found_intact: int
    orphans: int
    problems: list[str]

    def figures(self, scenario: str, database: str, fault: Fault) -> dict[str, Any]:
        return {
            "scenario": scenario,
            "database": database,
            "attempted": self.attempted,
            "acknowledged": self.acknowledged,
            "refused_503_not_stored": self.refused,
            "failed_no_response": self.failed,
            "rows_stored": self.rows,
            "found_intact": self.found_intact,
            "stored_but_never_acknowledged": self.orphans,
            "fault": fault.note,
            "fault_seconds": round(fault.finished - fault.started, 2),
        }


def audit(server: Server, outcomes: list[Outcome]) -> Audit:
    """Compare what the database holds with what each client was told."""
    rows = stored_rows(server)
    acknowledged = [o for o in outcomes if o.acknowledged]
    ids = lookup_ids(server, [o.codename for o in acknowledged if o.codename])
    by_lookup = {r.lookup_id: r for r in rows}
    by_text = {clean(o.body): o for o in outcomes}
    problems = [f"send {o.index}: unexpected answer {o.status} {o.error}" for o in outcomes if _unexpected(o)]
    intact = 0
    for outcome in acknowledged:
        row = by_lookup.get(ids[outcome.codename or ""])
        problem = _row_problem(row, outcome)
        if problem:
            problems.append(f"send {outcome.index} (acknowledged): {problem}")
        else:
            intact += 1
    matched = {ids[o.codename or ""] for o in acknowledged}
    orphans = [r for r in rows if r.lookup_id not in matched]
    for row in orphans:
        # Stored without a codename shown: acceptable only if the client never got an answer
        # (the worker died after the commit, before the page went out), never after a refusal.
        origin = by_text.get(row.text)
        if origin is None or not origin.lost_connection:
            answer = "no request" if origin is None else f"answer {origin.status}"
            problems.append(f"row {row.submission_id} stored but never acknowledged ({answer})")
    return Audit(
        attempted=len(outcomes),
        acknowledged=len(acknowledged),
        refused=sum(o.refused for o in outcomes),
        failed=sum(o.lost_connection for o in outcomes),
        rows=len(rows),
        found_intact=intact,
        orphans=len(orphans),
        problems=problems,
    )


def _unexpected(outcome: Outcome) -> bool:
    return not (outcome.acknowledged or outcome.refused or outcome.lost_connection)


def _row_problem(row: StoredRow | None, outcome: Outcome) -> str | None:
    if row is None:
        return "codename shown but nothing stored under it"
    if row.bundles != 1 or row.keys != row.readers:
        return f"half-stored: {row.bundles} bundles, {row.keys} of {row.readers} keys"
    if row.text != clean(outcome.body):
        return "stored text differs from what was sent"
    if NAME in row.redacted or not row.redacted:
        return "the stored redaction did not strike the name"
    return None


def status_page_says_received(base: str, codename: str) -> bool:
    """The submitter's own way back in: the status page, with the codename."""
    session = requests.Session()
    page = session.get(base + "/status", timeout=30)
    token = TOKEN.search(page.text)
    if token is None:
        return False
    response = session.post(
        base + "/status", data={"csrf_token": token.group(1), "codename": codename}, timeout=60
    )
    return response.status_code == 200 and "Received. A moderator has not read it yet." in response.text
