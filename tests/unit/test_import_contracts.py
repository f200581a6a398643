"""The import contracts in pyproject.toml hold, and a wrong import breaks them (`make lint`)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"
PACKAGES = ("testimony", "moderation", "nlp", "devtools")


def lint_imports(where: Path) -> subprocess.CompletedProcess[str]:
    # Wide enough that each contract's verdict stays on its line.
    env = {**os.environ, "PYTHONPATH": str(where), "COLUMNS": "300"}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"], cwd=where, env=env, capture_output=True, text=True, timeout=300
    )


@pytest.fixture
def copy_of_the_code(tmp_path: Path) -> Path:
    for package in PACKAGES:
        shutil.copytree(
            ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("data", "__pycache__")
        )
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def test_the_code_keeps_every_contract() -> None:
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "wrong_import", "contract"),
    [
        ("nlp/leak.py", "import testimony.models\n", "nlp imports nothing of ours"),
        ("testimony/leak.py", "from moderation import accounts\n", "testimony never imports the desk"),
        ("testimony/submissions.py", "from testimony.web import status\n", "web entry points above"),
        (
            "moderation/grants.py",
            "from moderation.views import review\n",
            "the desk's views and commands above",
        ),
    ],
)
def test_a_wrong_import_breaks_a_contract(
    copy_of_the_code: Path, module: str, wrong_import: str, contract: str
) -> None:
    target = copy_of_the_code / module
    before = target.read_text(encoding="utf-8") if target.exists() else ""
    target.write_text(before + "\n" + wrong_import, encoding="utf-8")
    result = lint_imports(copy_of_the_code)
    assert result.returncode != 0
    broken = [line for line in result.stdout.splitlines() if "BROKEN" in line]
    assert any(contract in line for line in broken) or contract in result.stdout.split("BROKEN")[0], (
        result.stdout
    )
