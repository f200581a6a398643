"""Browser tests: the real app under gunicorn, driven by Debian's Chromium through Playwright.

They run with the rest of the suite (`make test`) and skip, saying why, where Chromium,
Playwright or axe-core is missing (`.ci/run` installs all three). One server serves the whole
browser session: a temporary database and instance folder, a free loopback port, the desk
accounts below made with the real CLI. Screenshots land in screenshots/<test>/ (git-ignored).
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.browser.support import (
    CHROMIUM,
    CHROMIUM_ARGS,
    ROOT,
    Account,
    Site,
    missing_prerequisite,
    parse_created_accounts,
)

BIN = Path(sys.executable).parent
HERE = Path(__file__).resolve().parent
# Made before anything is submitted, so every submission is sealed to all of them.
# "moderator" is enrolled by the moderator flow itself; "helper" does the desk's part in the
# other flows; "editor" composes digests; "admin" comes from `flask init`.
ACCOUNTS = {"moderator": "moderator", "helper": "moderator", "editor": "editor"}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    reason = missing_prerequisite()
    for item in items:
        if HERE in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.browser)
            if reason:
                item.add_marker(pytest.mark.skip(reason=reason))


@dataclass
class Server:
    base: str
    accounts: dict[str, Account]
    folder: Path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _flask(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [str(BIN / "flask"), "--app", "wsgi", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, f"flask {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("browser-server")
    port = _free_port()
    env = {
        **os.environ,
        "TESTIMONY_INSTANCE_PATH": str(folder / "instance"),
        "DATABASE_URL": f"sqlite:///{folder}/server.db",
        "TESTIMONY_BIND": f"127.0.0.1:{port}",
        "TESTIMONY_WORKERS": "1",
        "TESTIMONY_ACCESS_LOG": str(folder / "access.log"),
        "TESTIMONY_ERROR_LOG": str(folder / "error.log"),
    }
    env.pop("REDIS_URL", None)
    output = _flask(env, "init")
    for name, role in ACCOUNTS.items():
        output += _flask(env, "moderators", "create", name, "--role", role)
    accounts = parse_created_accounts(output)
    assert set(accounts) == {"admin", *ACCOUNTS}, output
    # A control socket of its own: gunicorn's default path is shared by every gunicorn of the
    # user, so another one starting or stopping elsewhere could reach this one.
    command = [
        str(BIN / "gunicorn"),
        "-c",
        "gunicorn.conf.py",
        "--control-socket",
        str(folder / "gunicorn.ctl"),
    ]
    proc = subprocess.Popen([*command, "wsgi:app"], cwd=ROOT, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(base + "/static/style.css", timeout=2)  # noqa: S310 - loopback
                break
            except urllib.error.HTTPError:
                break  # it answers; what it answers is for the tests to judge
            except (urllib.error.URLError, OSError):
                if proc.poll() is not None or time.monotonic() > deadline:
                    log = (folder / "error.log").read_text() if (folder / "error.log").exists() else ""
                    pytest.fail(f"gunicorn did not start:\n{log[-3000:]}")
                time.sleep(0.1)
        yield Server(base=base, accounts=accounts, folder=folder)
    finally:
        proc.terminate()
        proc.wait(timeout=30)


# pytest-playwright's fixtures, pointed at Debian's Chromium (Playwright never downloads one)
# and at the server above.


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_type_launch_args, "executable_path": str(CHROMIUM), "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def base_url(server: Server) -> str:
    return server.base


@pytest.fixture
def site(server: Server, new_context: Any, request: pytest.FixtureRequest) -> Iterator[Site]:
    name = re.sub(r"[^\w.-]+", "-", request.node.name).strip("-")
    site = Site(server.base, new_context, server.accounts, name)
    yield site
    problems = site.finish()
    assert not problems, "\n".join(problems)
