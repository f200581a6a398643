"""What the tests that start real servers share (test_two_instances.py, test_canaries.py,
test_faults.py): free ports, skipping with the reason when PostgreSQL or Redis does not answer,
throwaway databases, `flask init` and waiting for gunicorn to answer."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import redis
import requests
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
POSTGRES_ADMIN_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
# Argon2id at its cheapest, as environment for a server: these tests check behaviour;
# `make bench` measures the real cost.
CHEAP_ARGON2_ENV = {
    "FLASK_CODENAME_ARGON2_TIME_COST": "1",
    "FLASK_CODENAME_ARGON2_MEMORY_KIB": "64",
    "FLASK_MODERATOR_ARGON2_TIME_COST": "1",
    "FLASK_MODERATOR_ARGON2_MEMORY_KIB": "64",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def postgres_or_skip(admin_url: str = POSTGRES_ADMIN_URL) -> None:
    admin = create_engine(admin_url)
    try:
        with admin.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - any failure to connect means "no server here"
        pytest.skip(f"PostgreSQL not reachable at {admin_url} ({type(exc).__name__})")
    finally:
        admin.dispose()


def redis_or_skip(url: str) -> redis.Redis:
    client = redis.Redis.from_url(url, socket_timeout=3, socket_connect_timeout=3)
    try:
        client.ping()
    except redis.RedisError as exc:
        pytest.skip(f"Redis not reachable at {url} ({type(exc).__name__})")
    return client


@contextmanager
def throwaway_database(admin_url: str = POSTGRES_ADMIN_URL, prefix: str = "testimony") -> Iterator[str]:
    """A new, empty database on the server at admin_url, dropped afterwards. Yields its URL."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    # No pool: a connection kept from before a restart of the server would be dead at the drop.
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield re.sub(r"/[^/]*$", f"/{name}", admin_url)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def flask_init(env: dict[str, str]) -> str:
    """Run `flask init` for the instance `env` names; returns the first admin's one-time
    password (all it prints for the account: the key pair and the TOTP secret are made at the
    first login, see `enrolment_secret`)."""
    init = subprocess.run(
        [str(BIN / "flask"), "--app", "wsgi", "init", "--admin-name", "admin"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    password = re.search(r"One-time password: (\S+)", init.stdout)
    assert password, init.stdout
    assert "otpauth" not in init.stdout, "flask init printed a TOTP secret"
    return password.group(1)


def enrolment_secret(page: str) -> str:
    """The TOTP secret the desk's enrolment page (/desk/enrol) shows the account's holder, after
    they have chosen their own password at /desk/first-password."""
    match = re.search(r"<figcaption>[^<]*<code>([A-Z2-7]+)</code>", page)
    assert match, "no TOTP secret on the enrolment page"
    return match.group(1)


def wait_until_answering(base: str, proc: subprocess.Popen[bytes], deadline: float) -> None:
    """Wait for gunicorn at `base` to answer; fail if it exits or the deadline passes."""
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn for {base} exited with {proc.returncode}")
        try:
            requests.get(base + "/", timeout=2)
            return
        except requests.RequestException:
            time.sleep(0.2)
    raise RuntimeError(f"gunicorn for {base} did not answer in time")
