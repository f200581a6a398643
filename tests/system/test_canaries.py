"""Canaries at rest and in logs, against the real server (gunicorn with gunicorn.conf.py).

Every flow runs once with a unique canary word: a submission that is questioned, answered, noted
and declined (with a reason), one approved but not published, one published in a digest. Then
none of the unpublished canaries, codenames or client addresses may appear in:

- the database: a plain-SQL `pg_dump` of a throwaway PostgreSQL database, or on SQLite the
  database file, its -wal and -shm, read raw (and dumped, to say which table holds what);
- the instance folder; gunicorn's access and error logs and its stdout and stderr;
- Redis (db 12, flushed before and after): every key's name, DUMP and value.

The published canary must appear in the dump: the check can see text. The approved but
unpublished contribution waits sealed under the instance's publication key (testimony/approved.py),
so its canary is nowhere either. Requests come from 127.0.0.77 (the address the app sees) and from 127.0.0.1, the
trusted proxy address, with X-Forwarded-For: 203.0.113.77; neither address may appear.

Runs on PostgreSQL + Redis (skipped, with the reason, when either does not answer) and on the
embedded default (SQLite, no Redis). tests/unit/test_at_rest.py checks the same in-process for a
submission and a reply; tests/system/test_gunicorn.py checks the access log's format.
"""

from __future__ import annotations

import glob
import os
import re
import secrets
import shutil
import sqlite3
import string
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyotp
import pytest
import redis
import requests
from requests.adapters import HTTPAdapter

import nlp
from tests.support.helpers import tokens_in
from tests.support.servers import (
    BIN,
    CHEAP_ARGON2_ENV,
    ROOT,
    enrolment_secret,
    flask_init,
    free_port,
    postgres_or_skip,
    redis_or_skip,
    throwaway_database,
    wait_until_answering,
)

REDIS_URL = os.environ.get("TEST_CANARY_REDIS_URL", "redis://127.0.0.1:6379/12")
NEW_PASSWORD = "correct horse battery staple"
SOURCE_ADDRESS = "127.0.0.77"
FORWARDED_FOR = "203.0.113.77"
ADDRESSES = (SOURCE_ADDRESS, FORWARDED_FOR)
UNPUBLISHED = ("submission", "reply", "question", "note", "decline", "approved")


def canary_word() -> str:
    # Lowercase letters only: no shape the redactor strikes (names, numbers, references).
    return "qz" + "".join(secrets.choice(string.ascii_lowercase) for _ in range(12))


PUBLISHED_SENTENCE = "The {} rota leaves the wing short every weekend."


def published_canary() -> str:
    """A canary the redactor leaves in its sentence. The model strikes about one random word in
    twelve there as a place (an unknown word before "rota" can be a town), and a struck canary
    would never reach the published text this test must find."""
    while True:
        word = canary_word()
        if not nlp.redact(PUBLISHED_SENTENCE.format(word)).spans:
            return word


@dataclass
class Run:
    backend: str
    canaries: dict[str, str]
    codenames: list[str] = field(default_factory=list)
    files: dict[str, bytes] = field(default_factory=dict)  # instance folder and logs, by path
    database_dump: str = ""  # pg_dump, or SQLite's iterdump
    database_files: dict[str, bytes] = field(default_factory=dict)  # SQLite only
    redis_values: list[bytes] = field(default_factory=list)  # PostgreSQL run only

    def hidden(self) -> dict[str, str]:
        """Everything that must be nowhere at rest: unpublished canaries, codenames, addresses."""
        found = {kind: self.canaries[kind] for kind in UNPUBLISHED}
        found |= {f"codename {n}": c for n, c in enumerate(self.codenames)}
        return found | {f"address {a}": a for a in ADDRESSES}


# ---- the servers -----------------------------------------------------------------------------


def _pg_dump() -> str:
    found = shutil.which("pg_dump") or next(
        iter(sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_dump"), reverse=True)), None
    )
    if found is None:
        pytest.skip("pg_dump not found on PATH or in /usr/lib/postgresql/*/bin")
    return found


def _base_env(tmp: Path) -> dict[str, str]:
    return {
        **os.environ,
        "TESTIMONY_INSTANCE_PATH": str(tmp / "instance"),
        "TESTIMONY_WORKERS": "1",
        "TESTIMONY_THREADS": "2",
        "TESTIMONY_WARM_MODEL": "0",
        "TESTIMONY_ACCESS_LOG": str(tmp / "access.log"),
        "TESTIMONY_ERROR_LOG": str(tmp / "error.log"),
        # The proxy we trust: a forwarded address from it is still not one to keep.
        "TESTIMONY_FORWARDED_ALLOW_IPS": "127.0.0.1",
        # Limits stay on (their counters are part of what Redis holds), high enough for the flows.
        "FLASK_RATELIMIT_PER_ADDRESS": "1000 per hour",
        "FLASK_RATELIMIT_STATUS_PER_ADDRESS": "1000 per hour",
        **CHEAP_ARGON2_ENV,
    }


def _start(env: dict[str, str], tmp: Path) -> tuple[subprocess.Popen[bytes], str, str]:
    """`flask init`, then gunicorn; returns the process, its base URL, the admin's one-time
    password."""
    one_time = flask_init(env)
    port = free_port()
    with open(tmp / "stdout.log", "wb") as out, open(tmp / "stderr.log", "wb") as err:
        proc = subprocess.Popen(
            [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "wsgi:app"],
            cwd=ROOT,
            env={**env, "TESTIMONY_BIND": f"127.0.0.1:{port}"},
            stdout=out,
            stderr=err,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_answering(base, proc, time.monotonic() + 45)
    except RuntimeError:
        _stop(proc)
        raise
    return proc, base, one_time


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    proc.wait(timeout=30)


# ---- the clients -----------------------------------------------------------------------------


class SourceAddress(HTTPAdapter):
    """Connect from a chosen loopback address, so the server sees a distinctive client."""

    def __init__(self, source: str) -> None:
        self.source = source
        super().__init__()

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        kwargs["source_address"] = (self.source, 0)
        super().init_poolmanager(*args, **kwargs)


def submitter_session() -> requests.Session:
    session = requests.Session()
    session.mount("http://", SourceAddress(SOURCE_ADDRESS))
    session.headers["X-Forwarded-For"] = FORWARDED_FOR
    return session


def proxied_session() -> requests.Session:
    """From the trusted proxy's address, naming a client in the forwarding headers."""
    session = requests.Session()
    session.headers.update({"X-Forwarded-For": FORWARDED_FOR, "Forwarded": f"for={FORWARDED_FOR}"})
    session.headers["X-Real-IP"] = FORWARDED_FOR
    return session


def post(session: requests.Session, url: str, form_url: str = "", **fields: Any) -> requests.Response:
    page = session.get(form_url or url, timeout=10).text
    # The CSRF token, and on /submit the form's one-time send token.
    return session.post(url, data={**tokens_in(page), **fields}, allow_redirects=False, timeout=60)


def send(base: str, body: str) -> str:
    response = post(submitter_session(), base + "/submit", body=body, send="1")
    assert response.status_code == 200, response.text[:500]
    match = re.search(r'<p class="codename"[^>]*><code>([a-z ]+)</code>', response.text)
    assert match, "no codename on the sent page"
    return match.group(1)


class Desk:
    """The first admin, logged in through the forms from the proxy's address."""

    def __init__(self, base: str, one_time: str) -> None:
        self.base, self.session = base, proxied_session()
        assert self.post("/desk/login", name="admin", password=one_time).status_code == 302
        changed = self.post("/desk/first-password", old=one_time, new=NEW_PASSWORD, again=NEW_PASSWORD)
        assert changed.status_code == 302
        page = self.session.get(self.base + "/desk/enrol", timeout=10).text
        code = pyotp.TOTP(enrolment_secret(page)).now()
        assert self.post("/desk/enrol", code=code).status_code == 200

    def post(self, path: str, form: str = "", **fields: Any) -> requests.Response:
        return post(self.session, self.base + path, self.base + (form or path), **fields)

    def item_holding(self, word: str) -> str:
        # Acting on an item claims it and moves it to "in review"; look in both tabs.
        queue = "".join(
            self.session.get(f"{self.base}/desk/?status={tab}", timeout=10).text
            for tab in ("received", "in_review")
        )
        for public_id in dict.fromkeys(re.findall(r"/desk/item/([0-9a-f]+)", queue)):
            if word in self.session.get(f"{self.base}/desk/item/{public_id}", timeout=10).text:
                return str(public_id)
        raise AssertionError(f"no item in the queue holds {word}")

    def act(self, public_id: str, action: str, **fields: str) -> None:
        page = self.session.get(f"{self.base}/desk/item/{public_id}", timeout=10).text
        version = re.search(r'name="version" value="(\d+)"', page)
        assert version, page[:500]
        response = self.post(
            f"/desk/item/{public_id}/{action}", f"/desk/item/{public_id}", version=version.group(1), **fields
        )
        assert response.status_code == 302, (action, response.status_code, response.text[:500])

    def publish_everything_approved(self) -> None:
        created = self.post("/desk/digests/new", title="Canary digest")
        assert created.status_code == 302
        edit = created.headers["Location"].replace(self.base, "")
        page = self.session.get(self.base + edit, timeout=10).text
        picks = re.findall(r'name="contribution" value="([0-9a-f]+)"', page)
        assert len(picks) == 1, picks
        assert self.post(f"{edit}/add", edit, contribution=picks).status_code == 302
        # The publish form carries the digest version the editor saw (testimony/publishing.py).
        seen = re.search(r'name="version" value="(\d+)"', self.session.get(self.base + edit, timeout=10).text)
        assert seen, "no digest version on the edit page"
        # "Publish now" asks first; the confirmation publishes.
        assert self.post(f"{edit}/publish", edit, version=seen.group(1), confirm="yes").status_code == 302


def run_every_flow(base: str, one_time: str, canaries: dict[str, str]) -> list[str]:
    """Every way text enters the site. Returns the codenames given out."""
    desk = Desk(base, one_time)
    declined = send(base, f"The {canaries['submission']} rota leaves the wing short every night.")
    approved = send(base, f"The {canaries['approved']} rota leaves the wing short every night too.")
    published = send(base, PUBLISHED_SENTENCE.format(canaries["published"]))

    item = desk.item_holding(canaries["submission"])
    desk.act(item, "ask", question=f"Which {canaries['question']} rota do you mean?")
    reply = post(
        submitter_session(),
        base + "/status",
        codename=declined,
        action="reply",
        reply=f"The {canaries['reply']} one.",
    )
    assert reply.status_code == 200, reply.text[:500]
    desk.act(item, "note", note=f"Check the {canaries['note']} rota with a second reader.")
    desk.act(item, "decline", reason="other", note=f"The {canaries['decline']} rota is too specific.")

    desk.act(desk.item_holding(canaries["published"]), "approve")
    desk.publish_everything_approved()
    desk.act(desk.item_holding(canaries["approved"]), "approve")  # approved after: stays unpublished
    for codename in (declined, approved, published):  # the submitters come back to look
        assert post(submitter_session(), base + "/status", codename=codename).status_code == 200
    return [declined, approved, published]


# ---- what is left behind ---------------------------------------------------------------------


def _read_tree(*roots: Path) -> dict[str, bytes]:
    return {str(p): p.read_bytes() for root in roots for p in sorted(root.rglob("*")) if p.is_file()}


def _redis_contents(client: redis.Redis) -> list[bytes]:
    values: list[bytes] = []
    readers = {
        b"string": lambda k: [client.get(k)],
        b"hash": lambda k: [x for pair in client.hgetall(k).items() for x in pair],
        b"set": lambda k: list(client.smembers(k)),
        b"list": lambda k: client.lrange(k, 0, -1),
        b"zset": lambda k: client.zrange(k, 0, -1),
    }
    for key in client.scan_iter(count=1000):
        values += [key, client.dump(key) or b""]
        kind = client.type(key)
        values += [
            v if isinstance(v, bytes) else str(v).encode() for v in readers.get(kind, lambda _k: [])(key)
        ]
    return values


def _postgres_run(tmp: Path, canaries: dict[str, str]) -> Run:
    postgres_or_skip()
    client = redis_or_skip(REDIS_URL)
    dump_binary = _pg_dump()
    client.flushdb()
    with throwaway_database(prefix="testimony_canary") as url:
        env = _base_env(tmp) | {"DATABASE_URL": url, "REDIS_URL": REDIS_URL}
        run = Run("postgresql", canaries)
        proc = None
        try:
            proc, base, one_time = _start(env, tmp)
            run.codenames = run_every_flow(base, one_time, canaries)
            run.redis_values = _redis_contents(client)
            plain_url = url.replace("postgresql+psycopg://", "postgresql://")
            run.database_dump = subprocess.run(
                [dump_binary, "--format=plain", "--no-owner", "--dbname", plain_url],
                check=True,
                capture_output=True,
                text=True,
            ).stdout
        finally:
            if proc is not None:
                _stop(proc)
            run.files = _read_tree(tmp)
            client.flushdb()
    return run


def _sqlite_run(tmp: Path, canaries: dict[str, str]) -> Run:
    env = _base_env(tmp)
    for name in ("DATABASE_URL", "REDIS_URL"):
        env.pop(name, None)  # the embedded default: SQLite in the instance folder, no Redis
    run = Run("sqlite", canaries)
    proc, base, one_time = _start(env, tmp)
    try:
        run.codenames = run_every_flow(base, one_time, canaries)
        # Read while the server runs, when the -wal and -shm files exist, and again after.
        running = _read_tree(tmp)
    finally:
        _stop(proc)
    database = tmp / "instance" / "testimony.db"
    with sqlite3.connect(database) as conn:
        run.database_dump = "\n".join(conn.iterdump())
    conn.close()
    stopped = _read_tree(tmp)
    every = running | {f"{path} (after stop)": data for path, data in stopped.items()}
    run.database_files = {p: d for p, d in every.items() if "testimony.db" in p}
    run.files = {p: d for p, d in every.items() if "testimony.db" not in p}
    assert any(p.endswith("testimony.db-wal") for p in run.database_files), list(run.database_files)
    return run


@pytest.fixture(scope="module", params=["postgresql", "sqlite"])
def run(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Run:
    canaries = {kind: canary_word() for kind in UNPUBLISHED} | {"published": published_canary()}
    tmp = tmp_path_factory.mktemp(f"canaries-{request.param}")
    return _postgres_run(tmp, canaries) if request.param == "postgresql" else _sqlite_run(tmp, canaries)


def _found_in(needle: str, blobs: dict[str, bytes]) -> list[str]:
    forms = (needle.encode("utf-8"), needle.encode("utf-16-le"))
    return [where for where, data in blobs.items() if any(form in data for form in forms)]


def tables_holding(dump: str, needle: str) -> set[str]:
    """Which tables' rows hold `needle` in a pg_dump (COPY blocks) or SQLite dump (INSERTs);
    "(elsewhere)" for anything outside rows (schema, comments)."""
    tables: set[str] = set()
    current = None
    for line in dump.splitlines():
        copy = re.match(r"COPY (?:public\.)?\"?(\w+)\"? ", line)
        insert = re.match(r'INSERT INTO "?(\w+)"? ', line)
        if copy:
            current = copy.group(1)
            continue
        if line == "\\.":
            current = None
            continue
        if needle in line:
            tables.add(insert.group(1) if insert else current or "(elsewhere)")
    return tables


# ---- the checks ------------------------------------------------------------------------------


def test_the_checks_can_see_text(run: Run) -> None:
    # Published text is in contributions (and, on SQLite, in the full-text index).
    assert "contributions" in tables_holding(run.database_dump, run.canaries["published"])
    if run.database_files:
        assert _found_in(run.canaries["published"], run.database_files)
    logs = {p: d for p, d in run.files.items() if p.endswith("access.log")}
    assert logs and b"POST /submit" in next(iter(logs.values()))


def test_nothing_unpublished_is_in_the_database(run: Run) -> None:
    for label, secret in run.hidden().items():
        assert tables_holding(run.database_dump, secret) == set(), label
        assert _found_in(secret, run.database_files) == [], label


def test_nothing_unpublished_is_in_the_instance_folder_or_logs(run: Run) -> None:
    assert any("keys.json" in p for p in run.files), list(run.files)
    for label, secret in run.hidden().items():
        assert _found_in(secret, run.files) == [], label
    # Published text has no business in logs either.
    assert _found_in(run.canaries["published"], run.files) == []


def test_nothing_unpublished_or_identifying_is_in_redis(run: Run) -> None:
    if run.backend != "postgresql":
        pytest.skip("the embedded default runs without Redis")
    joined = b"\n".join(run.redis_values)
    assert b"testimony" in joined  # sessions, rate-limit counters and the day's secret are there
    for label, secret in {**run.hidden(), "published": run.canaries["published"]}.items():
        assert secret.encode() not in joined, label
