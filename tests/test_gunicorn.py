"""The real server: gunicorn with our configuration, on a free loopback port."""

from __future__ import annotations

import contextlib
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    port = free_port()
    log = tmp_path / "access.log"
    env = {
        **os.environ,
        "TESTIMONY_INSTANCE_PATH": str(tmp_path / "instance"),
        "DATABASE_URL": f"sqlite:///{tmp_path}/server.db",
        "TESTIMONY_BIND": f"127.0.0.1:{port}",
        "TESTIMONY_WORKERS": "1",
        "TESTIMONY_ACCESS_LOG": str(log),
        "TESTIMONY_ERROR_LOG": str(tmp_path / "error.log"),
    }
    env.pop("REDIS_URL", None)
    subprocess.run(
        [str(BIN / "flask"), "--app", "wsgi", "init"], cwd=ROOT, env=env, check=True, capture_output=True
    )
    proc = subprocess.Popen([str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "wsgi:app"], cwd=ROOT, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(base + "/", timeout=1)  # noqa: S310 - loopback only
                break
            except OSError:
                time.sleep(0.1)
        yield base, log
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_access_log_holds_no_client_address(server: tuple[str, Path]) -> None:
    base, log = server
    for path in ["/", "/submit", "/status", "/missing"]:
        with contextlib.suppress(urllib.error.HTTPError):
            urllib.request.urlopen(base + path, timeout=5)  # noqa: S310
    time.sleep(0.3)
    text = log.read_text()
    assert "GET /submit" in text and "GET /missing" in text
    assert "127.0.0.1" not in text
    assert not re.search(r"\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b", text)
    assert "::1" not in text
