"""The real server: gunicorn with our configuration, on a free loopback port.

The access log is off unless asked for (TESTIMONY_ACCESS_LOG), and when on it holds no client
address and no query string (search words, in_reply_to)."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import runpy
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
from gunicorn.config import Config

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def gunicorn(tmp_path: Path, **settings: str) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """gunicorn with our configuration; `settings` are added to (or, when empty, removed from)
    its environment. Its standard output and error go to files in tmp_path."""
    port = free_port()
    env = {
        **os.environ,
        "TESTIMONY_INSTANCE_PATH": str(tmp_path / "instance"),
        "DATABASE_URL": f"sqlite:///{tmp_path}/server.db",
        "TESTIMONY_BIND": f"127.0.0.1:{port}",
        "TESTIMONY_WORKERS": "1",
        "TESTIMONY_ERROR_LOG": str(tmp_path / "error.log"),
    }
    env.pop("REDIS_URL", None)
    env.pop("TESTIMONY_ACCESS_LOG", None)
    for name, value in settings.items():
        if value:
            env[name] = value
        else:
            env.pop(name, None)
    subprocess.run(
        [str(BIN / "flask"), "--app", "wsgi", "init"], cwd=ROOT, env=env, check=True, capture_output=True
    )
    with (tmp_path / "stdout").open("wb") as out, (tmp_path / "stderr").open("wb") as err:
        proc = subprocess.Popen(
            [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "wsgi:app"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=err,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(300):
                try:
                    urllib.request.urlopen(base + "/", timeout=1)  # noqa: S310 - loopback only
                    break
                except OSError:
                    time.sleep(0.1)
            yield base, proc
        finally:
            proc.terminate()
            proc.wait(timeout=20)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    log = tmp_path / "access.log"
    with gunicorn(tmp_path, TESTIMONY_ACCESS_LOG=str(log)) as (base, _proc):
        yield base, log


def visit(base: str) -> None:
    for path in [
        "/",
        "/submit",
        "/status",
        "/missing",
        "/search?q=secretword",
        "/submit?in_reply_to=0a1b2c3d4e5f",
    ]:
        with contextlib.suppress(urllib.error.HTTPError):
            urllib.request.urlopen(base + path, timeout=5)  # noqa: S310


def test_access_log_holds_no_client_address_and_no_query(server: tuple[str, Path]) -> None:
    base, log = server
    visit(base)
    time.sleep(0.3)
    text = log.read_text()
    assert "GET /submit" in text and "GET /missing" in text and "GET /search HTTP/1.1" in text
    assert "127.0.0.1" not in text
    assert not re.search(r"\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b", text)
    assert "::1" not in text
    # Search words and the contribution being answered stay out of the log.
    assert "secretword" not in text and "0a1b2c3d4e5f" not in text and "?" not in text


def test_no_access_log_unless_asked_for(tmp_path: Path) -> None:
    with gunicorn(tmp_path, TESTIMONY_WARM_MODEL="0") as (base, _proc):
        visit(base)
        time.sleep(0.3)
    written = (tmp_path / "stdout").read_text() + (tmp_path / "stderr").read_text()
    written += (tmp_path / "error.log").read_text()
    assert "Booting worker" in written  # the error log is there: the server did run
    assert "GET /" not in written and "secretword" not in written
    assert not list(tmp_path.glob("*access*"))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        ("", None),
        ("off", None),
        ("on", "-"),
        ("-", "-"),
        ("/var/log/t/access.log", "/var/log/t/access.log"),
    ],
)
def test_access_log_setting(monkeypatch: pytest.MonkeyPatch, value: str | None, expected: str | None) -> None:
    if value is None:
        monkeypatch.delenv("TESTIMONY_ACCESS_LOG", raising=False)
    else:
        monkeypatch.setenv("TESTIMONY_ACCESS_LOG", value)
    settings = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert settings["accesslog"] == expected
    # Whatever the format says, the request line is built without its query string, and the
    # atoms that could name a client (address, user agent, referrer, any header) are empty.
    logger = settings["logger_class"](Config())
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": "/search?q=secretword#x",
        "PATH_INFO": "/search",
        "QUERY_STRING": "q=secretword",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "198.51.100.7",
        "HTTP_USER_AGENT": "Agent/1",
        "HTTP_REFERER": "https://example.org/?q=secretword",
    }
    response = SimpleNamespace(status="200 OK", headers=[("Content-Type", "text/html")], sent=10)
    request = SimpleNamespace(
        headers=[("X-FORWARDED-FOR", "198.51.100.7"), ("REFERER", "https://x/?q=secretword")]
    )
    atoms = logger.atoms(response, request, environ, dt.timedelta(milliseconds=5))
    assert atoms["r"] == "GET /search HTTP/1.1"
    every = " ".join(str(v) for v in atoms.values())
    assert "secretword" not in every and "198.51.100.7" not in every and "Agent/1" not in every
    assert logger.atoms_wrapper_class(atoms)["h"] == "-"  # the atom for an address, if a format asked
