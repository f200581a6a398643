"""How long a backup and a restore take, as JSON lines on stdout (bench/backup.sh runs this).

For each engine: a site made with `flask init` on a new database (PostgreSQL: a throwaway database
made with createdb and dropped at the end; SQLite: a file in a temporary folder), filled with
`flask generate` (BACKUP_CONTRIBUTIONS published contributions, BACKUP_QUEUED sealed queued
submissions), then `flask backup create` and `flask backup restore` into a second, empty database,
timed as the operator runs them (wall clock, process start included: `command_s`), and the same
work again inside one process, around `testimony.backup.create` and `.restore` alone (`work_s`,
into a second backup directory and a third database). The start-up of a `flask` command that does
nothing is measured too (`command_startup_s`): loading the app and the redactor's model.
What `init` prints (a recovery key, a one-time password) is read and thrown away, never shown.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
FLASK = str(Path(sys.executable).parent / "flask")
CONTRIBUTIONS = int(os.environ.get("BACKUP_CONTRIBUTIONS", "100000"))
QUEUED = int(os.environ.get("BACKUP_QUEUED", "10000"))
PG_HOST = os.environ.get("BACKUP_POSTGRES_HOST", "127.0.0.1")
PG_USER = os.environ.get("BACKUP_POSTGRES_USER", "postgres")


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def flask(env: dict[str, str], *args: str) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run(
        [FLASK, "--app", "wsgi", *args], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"flask {' '.join(args)} failed: {done.stderr[-2000:]}")
    return seconds, done.stdout


WORK = """
import sys, time
from pathlib import Path
from testimony import backup, create_app
app = create_app()
with app.app_context():
    started = time.perf_counter()
    getattr(backup, sys.argv[1])(app, Path(sys.argv[2]))
    print(time.perf_counter() - started)
"""


def work(env: dict[str, str], function: str, directory: Path) -> float:
    done = subprocess.run(
        [sys.executable, "-c", WORK, function, str(directory)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"backup.{function} failed: {done.stderr[-2000:]}")
    return float(done.stdout.strip().splitlines()[-1])


def pg(tool: str, name: str) -> None:
    subprocess.run([tool, "-h", PG_HOST, "-U", PG_USER, name], check=True)


def postgres_answers() -> bool:
    if shutil.which("createdb") is None:
        return False
    probe = subprocess.run(["pg_isready", "-h", PG_HOST], capture_output=True, check=False)
    return probe.returncode == 0


def measure(engine: str, where: Path) -> dict[str, Any]:
    names = [f"testimony_bench_backup_{uuid.uuid4().hex[:8]}_{n}" for n in ("source", "target", "again")]
    if engine == "postgresql":
        urls = [f"postgresql://{PG_USER}@{PG_HOST}:5432/{name}" for name in names]
        for name in names:
            pg("createdb", name)
    else:
        urls = [f"sqlite:///{where / (name + '.db')}" for name in names]
    base = {k: v for k, v in os.environ.items() if not k.startswith(("FLASK_", "DATABASE_URL", "REDIS_URL"))}
    source = {**base, "DATABASE_URL": urls[0], "TESTIMONY_INSTANCE_PATH": str(where / "instance")}
    target = {**source, "DATABASE_URL": urls[1], "TESTIMONY_INSTANCE_PATH": str(where / "restored")}
    again = {**target, "DATABASE_URL": urls[2]}
    try:
        flask(source, "init")  # its output holds secrets: kept in memory, dropped
        log(f"{engine}: generating {CONTRIBUTIONS} contributions and {QUEUED} queued submissions")
        generate_s, _ = flask(
            source, "generate", "--contributions", str(CONTRIBUTIONS), "--queued", str(QUEUED)
        )
        startup_s, _ = flask(source, "backup", "--help")
        log(f"{engine}: backing up")
        backup_s, _ = flask(source, "backup", "create", "--to", str(where / "backup"))
        (where / "restored").mkdir(mode=0o700)
        shutil.copy2(where / "instance" / "keys.json", where / "restored" / "keys.json")
        log(f"{engine}: restoring")
        restore_s, _ = flask(target, "backup", "restore", "--from", str(where / "backup"))
        log(f"{engine}: the same, inside one process")
        backup_work_s = work(source, "create", where / "backup-again")
        restore_work_s = work(again, "restore", where / "backup")
        manifest = json.loads((where / "backup" / "manifest.json").read_text())
        return {
            "bench": "backup",
            "engine": engine,
            "contributions": manifest["row_counts"]["contributions"],
            "submissions": manifest["row_counts"]["submissions"],
            "rows": sum(manifest["row_counts"].values()),
            "database_bytes": manifest["database_bytes"],
            "backup_command_s": round(backup_s, 2),
            "restore_command_s": round(restore_s, 2),
            "backup_work_s": round(backup_work_s, 2),
            "restore_work_s": round(restore_work_s, 2),
            "command_startup_s": round(startup_s, 2),
            "generate_s": round(generate_s, 2),
            "made_with": manifest["made_by"]["database"],
        }
    finally:
        if engine == "postgresql":
            for name in names:
                subprocess.run(
                    ["dropdb", "-h", PG_HOST, "-U", PG_USER, "--if-exists", "--force", name], check=False
                )


def main() -> None:
    for engine in ("postgresql", "sqlite"):
        if engine == "postgresql" and not postgres_answers():
            print(json.dumps({"bench": "backup", "engine": engine, "skipped": f"no PostgreSQL at {PG_HOST}"}))
            continue
        with tempfile.TemporaryDirectory(prefix=f"testimony-backup-{engine}-") as where:
            print(json.dumps(measure(engine, Path(where))), flush=True)


if __name__ == "__main__":
    main()
