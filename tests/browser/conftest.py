"""Browser tests: the real app under gunicorn, driven by Debian's Chromium through Playwright.

They run with the rest of the suite (`make test`) and skip, saying why, where Chromium,
Playwright or axe-core is missing (`.ci/run` installs all three). One server serves the whole
browser session: a temporary database and instance folder, a free loopback port, the desk
accounts below made with the real CLI. Screenshots land in screenshots/<test>/ (git-ignored).
"""

from __future__ import annotations

import json
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
# Made with the CLI, which gives each a one-time password only: an account's key pair is made at
# its first login (Site.log_in), so each flow logs in before it sends what it will read.
# "moderator" is enrolled by the moderator flow itself; "helper" asks the submitter's question;
# "approver" approves for the editor and reader flows; "striker" works the review desk
# (tests/browser/test_desk_flow.py); "reviser" changes a source's wording; "editor" composes
# digests; "admin" comes
# from `flask init`. (One account per flow: a TOTP code works once, so a second login within
# the same 30 seconds has to wait for the next code.)
ACCOUNTS = {
    "moderator": "moderator",
    "helper": "moderator",
    "approver": "moderator",
    "striker": "moderator",
    "editor": "editor",
    # Changes a source's wording, for the source-control flow (test_source_control.py).
    "reviser": "moderator",
}


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
    seeded: bool


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# Runs the app's own CLI commands (`flask --app wsgi ...`) in one process: importing the app
# once instead of once a command saves many seconds.
_SETUP = """
import json, sys
from wsgi import app
runner = app.test_cli_runner()
for args in json.loads(sys.argv[1]):
    result = runner.invoke(args=args)
    print(json.dumps({"args": args, "code": result.exit_code, "output": result.output}))
"""


def _flask_commands(env: dict[str, str], *commands: list[str]) -> list[dict[str, Any]]:
    done = subprocess.run(
        [sys.executable, "-c", _SETUP, json.dumps(commands)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, f"setting up the server failed:\n{done.stdout}\n{done.stderr}"
    return [json.loads(line) for line in done.stdout.splitlines() if line.startswith('{"args"')]


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
    # Published demo digests (for the journalist and the reader) where the command exists yet.
    *made, seeding = _flask_commands(
        env,
        ["init"],
        *(["moderators", "create", name, "--role", role] for name, role in ACCOUNTS.items()),
        ["seed-demo"],
    )
    for result in made:
        assert result["code"] == 0, result
    accounts = parse_created_accounts("".join(result["output"] for result in made))
    assert set(accounts) == {"admin", *ACCOUNTS}, made
    seeded = seeding["code"] == 0
    assert seeded or "No such command" in seeding["output"], seeding
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
        yield Server(base=base, accounts=accounts, folder=folder, seeded=seeded)
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
    site = Site(server.base, new_context, server.accounts, name, seeded=server.seeded)
    yield site
    problems = site.finish()
    assert not problems, "\n".join(problems)
