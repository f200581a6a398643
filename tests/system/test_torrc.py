"""The onion service's torrc, as documented: docs/DEPLOY.md points at docs/torrc.example (one
file, so the guide and what is checked cannot drift apart), and tor itself accepts it."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TORRC = ROOT / "docs" / "torrc.example"
DEPLOY = ROOT / "docs" / "DEPLOY.md"


def verify(path: Path) -> subprocess.CompletedProcess[str]:
    tor = shutil.which("tor")
    if tor is None:
        pytest.skip(
            "tor is not installed (Debian: apt-get install tor): the documented torrc was not checked"
        )
    # No defaults file: only what the guide tells the operator to write is checked.
    return subprocess.run(
        [tor, "--verify-config", "--defaults-torrc", "/dev/null", "-f", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_tor_accepts_the_documented_torrc() -> None:
    done = verify(TORRC)
    assert done.returncode == 0 and "Configuration was valid" in done.stdout, done.stdout + done.stderr


def test_tor_refuses_a_broken_copy(tmp_path: Path) -> None:
    # The check can fail: a misspelt option (tor accepts unambiguous prefixes, not additions).
    broken = tmp_path / "torrc"
    broken.write_text(TORRC.read_text().replace("HiddenServicePoWQueueRate", "HiddenServicePoWQueueRatee"))
    assert verify(broken).returncode != 0


def test_the_guide_and_the_file_agree() -> None:
    guide = DEPLOY.read_text()
    torrc = TORRC.read_text()
    assert "docs/torrc.example" in guide
    # The guide quotes no torrc of its own that could drift from the checked one.
    assert not re.search(r"^HiddenService\w+ ", guide, flags=re.M)
    # The proof-of-work defence is on, and tor forwards to the nginx onion block of the guide.
    assert re.search(r"^HiddenServicePoWDefensesEnabled 1$", torrc, flags=re.M)
    port = re.search(r"^HiddenServicePort 80 (127\.0\.0\.1:\d+)$", torrc, flags=re.M)
    assert port and f"listen {port.group(1)}" in guide
