"""Backups and restores: `flask backup create`, `flask backup keys`, `flask backup restore`.

A backup is a new directory (mode 0700) holding two files (mode 0600):

* the database at one moment: `pg_dump --format=custom` run on a snapshot exported by this
  module (PostgreSQL), or a copy made with SQLite's online backup API (a plain file copy of a live
  SQLite database can be torn by a write in the middle of it);
* `manifest.json`, read from that same snapshot: the schema revision, the row count of every
  table, the head of the audit chain, the SHA-256 of the database file, fingerprints of the
  instance keys, and an HMAC of all of it under a key derived from the instance secret, so a
  manifest edited without the keys (to hide removed audit rows, say) is refused.

The instance keys are never in a backup: `flask backup keys` copies them to a directory of their
own, to be kept apart (a thief with both has the salts and the secret: docs/THREAT_MODEL.md).

A restore refuses, before touching the database, when the keys in place are not the ones the
backup was made with, the manifest was altered, the database file does not match it, or the
target database is not empty. After loading it checks every table's row count and that the audit
chain ends at the saved head, upgrades an older schema to this version's, and verifies the chain.
If any of that fails it empties the database again: a failed restore leaves it as it was, empty.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import json
import os
import shutil
import sqlite3
import subprocess
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import Flask, current_app
from flask.cli import AppGroup
from flask_migrate import upgrade
from sqlalchemy import Connection, inspect, text
from sqlalchemy.engine import URL
from sqlalchemy.orm import Session

from testimony import audit, instance_keys
from testimony.db import db
from testimony.models import today

FORMAT = "testimony-backup/1"
MANIFEST = "manifest.json"
DATABASE_FILES = {"postgresql": "database.pgdump", "sqlite": "database.sqlite3"}
FINGERPRINT_LABEL = b"testimony backup key fingerprint v1/"
MANIFEST_MAC_INFO = b"testimony backup manifest v1"
KEYS_ID_LABEL = b"testimony keys id v1"
NOTHING_CHANGED = "Nothing was changed."


class BackupError(Exception):
    """A backup or restore was refused or failed. The message says why and what to do next."""


@dataclass(frozen=True)
class Snapshot:
    """What the manifest records, read in the same snapshot as the database copy."""

    revision: list[str]
    counts: dict[str, int]
    head: audit.Head | None


@dataclass(frozen=True)
class BackupResult:
    directory: Path
    database_file: Path
    manifest: dict[str, Any]


@dataclass(frozen=True)
class RestoreResult:
    manifest: dict[str, Any]
    counts: dict[str, int]
    head: audit.Head | None
    upgraded_to: list[str] | None


# ---- keys ------------------------------------------------------------------------------------


def key_fingerprints(keys: instance_keys.InstanceKeys) -> dict[str, str]:
    """One fingerprint per instance key: HMAC-SHA256 keyed by the key, over a fixed label.
    It tells whether two key files hold the same key without holding anything that opens data.
    Per key, so a key added to keys.json later (as `flask init` adds them) does not make older
    backups look as if they belonged to another site."""
    fingerprints: dict[str, str] = {}
    for field in dataclasses.fields(keys):
        value = getattr(keys, field.name)
        if not isinstance(value, str | bytes):
            continue  # absent, or not a key (`audit_keyed_from` is a row number)
        material = value.encode("utf-8") if isinstance(value, str) else value
        label = FINGERPRINT_LABEL + field.name.encode("ascii")
        fingerprints[field.name] = hmac.new(material, label, hashlib.sha256).hexdigest()[:32]
    return fingerprints


def keys_id(keys: instance_keys.InstanceKeys) -> str:
    """A short name for the site's keys, printed with every backup and key copy so an operator
    can tell which key file goes with which backup (from the secret, which never changes)."""
    return hmac.new(keys.secret_key.encode("utf-8"), KEYS_ID_LABEL, hashlib.sha256).hexdigest()[:16]


def _manifest_mac(keys: instance_keys.InstanceKeys, manifest: dict[str, Any]) -> str:
    mac_key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=MANIFEST_MAC_INFO).derive(
        keys.secret_key.encode("utf-8")
    )
    body = {name: value for name, value in manifest.items() if name != "mac"}
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hmac.new(mac_key, canonical.encode("ascii"), hashlib.sha256).hexdigest()


def _current_keys(app: Flask, *, restoring: bool = False) -> instance_keys.InstanceKeys:
    try:
        return instance_keys.current(app)
    except instance_keys.InstanceNotInitialised as exc:
        if not restoring:
            raise BackupError(
                f"This site has no instance keys yet: run `flask init` first. {NOTHING_CHANGED}"
            ) from exc
        raise BackupError(
            f"There are no instance keys at {instance_keys.path_for(app)}. For a restore, put the "
            "keys.json saved with `flask backup keys` there first (mode 0600), then run the restore "
            f"again. Do not run `flask init` before the restore: it would make new keys. {NOTHING_CHANGED}"
        ) from exc


# ---- files and directories -------------------------------------------------------------------


def _check_destination(destination: Path, app: Flask) -> None:
    """A new or empty directory, outside the instance folder (which holds the keys)."""
    target = destination.resolve()
    instance = Path(app.instance_path).resolve()
    if target == instance or instance in target.parents:
        raise BackupError(
            f"{destination} is inside the instance folder ({instance}), beside the keys. Choose a "
            f"directory elsewhere, for example /var/backups/testimony/DATE. {NOTHING_CHANGED}"
        )
    if target.exists() and not target.is_dir():
        raise BackupError(f"{destination} exists and is not a directory. {NOTHING_CHANGED}")
    if target.is_dir() and any(target.iterdir()):
        raise BackupError(
            f"{destination} is not empty. Each backup and each copy of the keys goes in a new "
            f"directory of its own, so nothing is overwritten or mixed. {NOTHING_CHANGED}"
        )


def _private_directory(path: Path) -> None:
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(path, 0o700)  # an existing empty directory may have been made with a looser mode


def _private_file(path: Path) -> int:
    """A new file only the owner can read, opened for writing. Never overwrites."""
    return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)


def _write_json(path: Path, payload: dict[str, Any]) -> None:
    with os.fdopen(_private_file(path), "w", encoding="utf-8") as handle:
        json.dump(payload, handle, indent=2, sort_keys=True)
        handle.write("\n")
        handle.flush()
        os.fsync(handle.fileno())


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@contextmanager
def _undo_on_failure(directory: Path, made: list[Path]) -> Iterator[None]:
    """Remove what a failed backup wrote, so no half backup is taken for a whole one."""
    existed = directory.exists()
    try:
        yield
    except BaseException:
        for path in made:
            path.unlink(missing_ok=True)
        if not existed:
            with suppress(OSError):  # not empty after all: leave it
                directory.rmdir()
        raise


# ---- database facts --------------------------------------------------------------------------


def _engine_name() -> str:
    name = db.engine.dialect.name
    if name not in DATABASE_FILES:
        raise BackupError(f"Backups support PostgreSQL and SQLite, not {name}.")
    return name


def _table_counts(connection: Connection) -> dict[str, int]:
    quote = connection.dialect.identifier_preparer.quote
    return {
        name: int(connection.execute(text(f"SELECT count(*) FROM {quote(name)}")).scalar_one())  # noqa: S608 - names from the database's own catalogue, quoted
        for name in sorted(inspect(connection).get_table_names())
    }


def _revision(connection: Connection) -> list[str]:
    return sorted(MigrationContext.configure(connection).get_current_heads())


def _scripts() -> ScriptDirectory:
    return ScriptDirectory(current_app.extensions["migrate"].directory)


def code_revision() -> list[str]:
    """The schema revision this version of the code expects (the migrations' head)."""
    return sorted(_scripts().get_heads())


def _read_snapshot(connection: Connection) -> Snapshot:
    with Session(bind=connection) as session:
        head = audit.head(session)
    return Snapshot(_revision(connection), _table_counts(connection), head)


def _libpq_target() -> tuple[str, dict[str, str]]:
    """The database as pg_dump and pg_restore take it: a URL without the password, which goes
    in their environment instead (a command line is visible to every user of the machine)."""
    url = db.engine.url
    plain = URL.create(
        "postgresql",
        username=url.username,
        host=url.host,
        port=url.port,
        database=url.database,
        query=url.query,
    )
    environment = dict(os.environ)
    if url.password:
        environment["PGPASSWORD"] = str(url.password)
    return plain.render_as_string(hide_password=False), environment


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            f"{name} was not found. Install the PostgreSQL client of the server's major version "
            f"(Debian: apt-get install postgresql-client-15). {NOTHING_CHANGED}"
        )
    return found


def _run(command: list[str], *, environment: dict[str, str], stdout: Any = subprocess.PIPE) -> str:
    result = subprocess.run(  # noqa: S603 - a fixed program and arguments, never a shell
        command, stdout=stdout, stderr=subprocess.PIPE, env=environment, check=False
    )
    if result.returncode != 0:
        message = result.stderr.decode("utf-8", "replace").strip().splitlines()
        raise BackupError(f"{Path(command[0]).name} failed: " + (" ".join(message[-3:]) or "no message"))
    return result.stdout.decode("utf-8", "replace") if isinstance(result.stdout, bytes) else ""


# ---- create ----------------------------------------------------------------------------------


def _dump_postgresql(path: Path) -> tuple[Snapshot, str]:
    pg_dump = _tool("pg_dump")
    target, environment = _libpq_target()
    with db.engine.connect() as connection:
        connection = connection.execution_options(isolation_level="REPEATABLE READ")
        with connection.begin():
            connection.execute(text("SET TRANSACTION READ ONLY"))
            # pg_dump reads the very snapshot the manifest is read from: counts and head match
            # the dump exactly, however busy the site is while it runs.
            snapshot_id = connection.execute(text("SELECT pg_export_snapshot()")).scalar_one()
            snapshot = _read_snapshot(connection)
            with os.fdopen(_private_file(path), "wb") as out:
                _run(
                    [pg_dump, "--format=custom", f"--snapshot={snapshot_id}", "--dbname", target],
                    environment=environment,
                    stdout=out,
                )
                out.flush()
                os.fsync(out.fileno())
    version = _run([pg_dump, "--version"], environment=environment).strip()
    return snapshot, version


def _copy_sqlite(path: Path) -> tuple[Snapshot, str]:
    os.close(_private_file(path))
    with db.engine.connect() as connection:
        source = connection.connection.driver_connection
        assert isinstance(source, sqlite3.Connection)  # noqa: S101 - the engine is SQLite here
        # One read transaction for the counts, the head and the copy: they describe one moment.
        connection.exec_driver_sql("BEGIN")
        try:
            snapshot = _read_snapshot(connection)
            copy = sqlite3.connect(path)
            try:
                source.backup(copy)
                # A self-contained file: no -wal or -shm beside it, now or when it is read.
                copy.execute("PRAGMA journal_mode=DELETE")
            finally:
                copy.close()
        finally:
            connection.exec_driver_sql("ROLLBACK")
    return snapshot, f"SQLite {sqlite3.sqlite_version} online backup"


def _version() -> str:
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    try:
        with open(os.path.join(root, "pyproject.toml"), "rb") as handle:
            return str(tomllib.load(handle)["project"]["version"])
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        return "unknown"


def create(app: Flask, destination: Path) -> BackupResult:
    """Back up the database to `destination`, a new or empty directory outside the instance."""
    keys = _current_keys(app)
    engine = _engine_name()
    _check_destination(destination, app)
    database_file = destination / DATABASE_FILES[engine]
    manifest_file = destination / MANIFEST
    with _undo_on_failure(destination, [database_file, manifest_file]):
        _private_directory(destination)
        snapshot, made_with = (_dump_postgresql if engine == "postgresql" else _copy_sqlite)(database_file)
        manifest: dict[str, Any] = {
            "format": FORMAT,
            "created_on": today().isoformat(),
            "made_by": {"testimony": _version(), "database": made_with},
            "engine": engine,
            "database_file": database_file.name,
            "database_bytes": database_file.stat().st_size,
            "database_sha256": _sha256(database_file),
            "schema_revision": snapshot.revision,
            "row_counts": snapshot.counts,
            "audit_head": dataclasses.asdict(snapshot.head) if snapshot.head else None,
            "key_fingerprints": key_fingerprints(keys),
            "keys_id": keys_id(keys),
        }
        manifest["mac"] = _manifest_mac(keys, manifest)
        # Written last: a directory with a manifest holds a whole backup.
        _write_json(manifest_file, manifest)
    return BackupResult(destination, database_file, manifest)


def copy_keys(app: Flask, destination: Path) -> Path:
    """Copy instance/keys.json, byte for byte, to `destination` (new or empty, mode 0700)."""
    source = Path(instance_keys.path_for(app))
    if not source.is_file():
        raise BackupError(f"There are no instance keys at {source}: run `flask init` first.")
    _check_destination(destination, app)
    copy = destination / source.name
    with _undo_on_failure(destination, [copy]):
        _private_directory(destination)
        with os.fdopen(_private_file(copy), "wb") as out:
            out.write(source.read_bytes())
            out.flush()
            os.fsync(out.fileno())
    return copy


# ---- restore ---------------------------------------------------------------------------------


def read_manifest(source: Path) -> dict[str, Any]:
    try:
        manifest = json.loads((source / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BackupError(
            f"{source} holds no readable {MANIFEST}, so it is not a whole testimony backup "
            f"(a backup interrupted before it finished has none). {NOTHING_CHANGED}"
        ) from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{source / MANIFEST} is not a backup format this version reads. {NOTHING_CHANGED}")
    return manifest


def _check_keys(keys: instance_keys.InstanceKeys, manifest: dict[str, Any]) -> None:
    ours = key_fingerprints(keys)
    saved = manifest.get("key_fingerprints") or {}
    differ = sorted(
        name for name, value in saved.items() if not hmac.compare_digest(ours.get(name, ""), value)
    )
    if differ or not saved:
        raise BackupError(
            "The instance keys in place are not the keys this backup was made with "
            f"(they differ in: {', '.join(differ) or 'all'}; the backup needs keys id "
            f"{manifest.get('keys_id', '?')}). Put the keys.json copied with `flask backup keys` "
            f"from the same site in the instance folder, then run the restore again. {NOTHING_CHANGED}"
        )
    if not hmac.compare_digest(_manifest_mac(keys, manifest), str(manifest.get("mac", ""))):
        raise BackupError(
            f"The backup's {MANIFEST} was changed after the backup was made (its signature does not "
            f"match). Do not trust this copy: restore from another one. {NOTHING_CHANGED}"
        )


def _check_database_file(source: Path, manifest: dict[str, Any], engine: str) -> Path:
    if manifest.get("engine") != engine:
        raise BackupError(
            f"This is a backup of a {manifest.get('engine')} database, and this site is set up for "
            f"{engine} (DATABASE_URL). Restore it into the same kind of database. {NOTHING_CHANGED}"
        )
    path = source / DATABASE_FILES[engine]
    if manifest.get("database_file") != path.name or not path.is_file():
        raise BackupError(f"The backup has no {path.name}. {NOTHING_CHANGED}")
    if not hmac.compare_digest(_sha256(path), str(manifest.get("database_sha256", ""))):
        raise BackupError(
            f"{path} does not match the backup's manifest: it was damaged or changed after the backup "
            f"was made. Restore from another copy. {NOTHING_CHANGED}"
        )
    return path


def _check_revision_known(manifest: dict[str, Any]) -> None:
    scripts = _scripts()
    for revision in manifest.get("schema_revision") or []:
        try:
            scripts.get_revision(revision)
        except CommandError as exc:
            raise BackupError(
                f"This backup was made by a newer version of testimony (schema revision {revision} "
                f"is unknown here). Install that version or a later one, then restore. {NOTHING_CHANGED}"
            ) from exc


def _user_relations(connection: Connection) -> list[str]:
    """Every table, view and sequence outside the database's own catalogue."""
    if connection.dialect.name == "sqlite":
        rows = connection.execute(
            text("SELECT name FROM sqlite_master WHERE type IN ('table', 'view') ORDER BY name")
        )
        return [row[0] for row in rows]
    rows = connection.execute(
        text(
            "SELECT n.nspname || '.' || c.relname FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%' "
            "AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f') ORDER BY 1"
        )
    )
    return [row[0] for row in rows]


def _check_empty() -> None:
    with db.engine.connect() as connection:
        found = _user_relations(connection)
    if found:
        shown = ", ".join(found[:5]) + (f" and {len(found) - 5} more" if len(found) > 5 else "")
        raise BackupError(
            f"The database {db.engine.url.render_as_string(hide_password=True)} is not empty "
            f"({len(found)} tables or other objects: {shown}). A restore goes only into a new, empty "
            "database, so that nothing in it is overwritten or mixed with the backup. Create an empty "
            "one (PostgreSQL: createdb; SQLite: move the file away) and run the restore again. "
            + NOTHING_CHANGED
        )


def _load(engine: str, path: Path) -> None:
    if engine == "postgresql":
        target, environment = _libpq_target()
        _run(
            [
                _tool("pg_restore"),
                "--no-owner",
                "--no-privileges",
                "--exit-on-error",
                # All or nothing: a dump that fails halfway leaves no half database behind.
                "--single-transaction",
                "--dbname",
                target,
                str(path),
            ],
            environment=environment,
        )
    else:
        source = sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True)
        try:
            with db.engine.connect() as connection:
                destination = connection.connection.driver_connection
                assert isinstance(destination, sqlite3.Connection)  # noqa: S101 - SQLite here
                source.backup(destination)
                destination.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except sqlite3.Error as exc:
            raise BackupError(f"SQLite could not load the backup: {exc}") from exc
        finally:
            source.close()
    db.engine.dispose()


def _empty_database(engine: str) -> None:
    """Put the target back as the restore found it: without a table."""
    db.session.remove()
    db.engine.dispose()
    with db.engine.connect() as connection:
        if engine == "sqlite":
            destination = connection.connection.driver_connection
            assert isinstance(destination, sqlite3.Connection)  # noqa: S101 - SQLite here
            empty = sqlite3.connect(":memory:")
            try:
                empty.backup(destination)
            finally:
                empty.close()
            destination.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            return
        quote = connection.dialect.identifier_preparer.quote
        kinds = {"r": "TABLE", "p": "TABLE", "f": "FOREIGN TABLE", "v": "VIEW", "m": "MATERIALIZED VIEW"}
        rows = connection.execute(
            text(
                "SELECT n.nspname, c.relname, c.relkind FROM pg_class c "
                "JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%' "
                "AND c.relkind IN ('r', 'p', 'f', 'v', 'm', 'S') ORDER BY c.relkind = 'S'"
            )
        ).all()
        for schema, name, kind in rows:
            what = kinds.get(kind, "SEQUENCE")
            connection.execute(text(f"DROP {what} IF EXISTS {quote(schema)}.{quote(name)} CASCADE"))
        connection.commit()
    db.engine.dispose()


def _check_loaded(manifest: dict[str, Any]) -> tuple[dict[str, int], audit.Head | None]:
    with db.engine.connect() as connection:
        snapshot = _read_snapshot(connection)
    if snapshot.revision != (manifest.get("schema_revision") or []):
        raise BackupError("The restored database's schema revision is not the one the backup recorded.")
    expected = manifest.get("row_counts") or {}
    wrong = [
        f"{name}: {snapshot.counts.get(name, 0)} rows, the backup recorded {count}"
        for name, count in sorted(expected.items())
        if snapshot.counts.get(name) != count
    ]
    if wrong:
        raise BackupError(
            "The restored database does not hold what the backup recorded (" + "; ".join(wrong) + ")."
        )
    saved = manifest.get("audit_head")
    restored = dataclasses.asdict(snapshot.head) if snapshot.head else None
    if restored != saved:
        raise BackupError(
            "The restored audit trail does not end at the head the backup saved "
            f"(saved {_describe(saved)}, restored {_describe(restored)}): rows were removed or the backup "
            "was tampered with."
        )
    return snapshot.counts, snapshot.head


def _describe(head: dict[str, Any] | None) -> str:
    return f"event {head['event_id']}, {str(head['hash'])[:16]}…" if head else "an empty trail"


def restore(app: Flask, source: Path) -> RestoreResult:
    """Restore the backup in `source` into this site's empty database, with its keys in place."""
    manifest = read_manifest(source)
    keys = _current_keys(app, restoring=True)
    _check_keys(keys, manifest)
    engine = _engine_name()
    database_file = _check_database_file(source, manifest, engine)
    _check_revision_known(manifest)
    _check_empty()
    _load(engine, database_file)
    try:
        counts, head = _check_loaded(manifest)
        upgraded_to = None
        if (manifest.get("schema_revision") or []) != code_revision():
            upgrade()
            upgraded_to = code_revision()
        problems = audit.verify()
        db.session.remove()
        if problems:
            raise BackupError(
                f"The restored audit chain is broken at event {problems[0].event_id}: {problems[0].reason}."
            )
    except BaseException as exc:
        # Whatever stopped it (a failed check, an error, Ctrl-C), nothing half-checked is kept.
        db.session.remove()
        _empty_database(engine)
        if not isinstance(exc, Exception):
            raise
        raise BackupError(
            f"{exc} The restore was undone: the database is empty again. Restore from another copy."
        ) from exc
    return RestoreResult(manifest, counts, head, upgraded_to)


# ---- commands --------------------------------------------------------------------------------


def init_app(app: Flask) -> None:
    app.cli.add_command(backup_group)


@click.group("backup", cls=AppGroup)
def backup_group() -> None:
    """Back up the database, copy the instance keys, and restore (docs/DEPLOY.md, section 10)."""


DIRECTORY = click.Path(file_okay=False, path_type=Path)


@backup_group.command("create")
@click.option(
    "--to",
    "destination",
    required=True,
    type=DIRECTORY,
    metavar="DIR",
    help="A new or empty directory outside the instance folder; made with mode 0700.",
)
def create_command(destination: Path) -> None:
    """Back up the database and the audit chain's head (files mode 0600, no keys)."""
    try:
        result = create(current_app, destination)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    manifest = result.manifest
    head = manifest["audit_head"]
    click.echo(f"Backed up the {manifest['engine']} database to {result.directory}:")
    click.echo(
        f"  {result.database_file.name}  {manifest['database_bytes']:,} bytes ({manifest['made_by']['database']})"
    )
    click.echo(
        f"  {MANIFEST}  schema {', '.join(manifest['schema_revision']) or '(none)'}, made {manifest['created_on']}"
    )
    _echo_counts(manifest["row_counts"])
    if head:
        click.echo(f"Audit chain head: event {head['event_id']}, hash {head['hash']}")
    else:
        click.echo("Audit chain head: the trail is empty")
    click.echo(f"Keys id: {manifest['keys_id']} (the keys a restore of this backup needs)")
    click.echo("")
    click.echo("Next:")
    click.echo("  1. Record the audit chain head above somewhere other than this machine and its backups.")
    click.echo("  2. Encrypt the directory before it leaves this machine, copy it off-site, then delete the")
    click.echo("     unencrypted copy. Keep backups no longer than you would keep the data.")
    click.echo("  3. Keep the instance keys apart from it: `flask backup keys --to DIR` (once, and after")
    click.echo("     `flask init` changes them), stored somewhere else.")


@backup_group.command("keys")
@click.option(
    "--to",
    "destination",
    required=True,
    type=DIRECTORY,
    metavar="DIR",
    help="A new or empty directory outside the instance folder; made with mode 0700.",
)
def keys_command(destination: Path) -> None:
    """Copy the instance keys (keys.json, mode 0600), to be kept apart from the backups."""
    try:
        copy = copy_keys(current_app, destination)
        identity = keys_id(_current_keys(current_app))
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Copied the instance keys to {copy} (mode 0600; keys id {identity}).")
    click.echo("")
    click.echo("Next:")
    click.echo("  1. Encrypt it and keep two copies in two places, never with the database backups:")
    click.echo("     whoever has a backup and the keys has the codename salts and the site's secret.")
    click.echo(f"  2. Delete {destination} from this machine once the copies are made.")
    click.echo("  3. Without these keys no backup can be restored and no codename works again.")


@backup_group.command("restore")
@click.option(
    "--from",
    "source",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    metavar="DIR",
    help="A directory written by `flask backup create` (unencrypted).",
)
def restore_command(source: Path) -> None:
    """Restore a backup into an empty database; this site's keys.json must be in place."""
    try:
        result = restore(current_app, source)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    manifest = result.manifest
    click.echo(
        f"Restored the {manifest['engine']} database from {source} (made {manifest['created_on']} "
        f"by testimony {manifest['made_by']['testimony']}):"
    )
    _echo_counts(result.counts)
    if result.head:
        click.echo(f"The audit chain is intact and ends at the saved head: event {result.head.event_id}.")
    else:
        click.echo("The audit trail was empty, as saved.")
    if result.upgraded_to:
        click.echo(
            f"Upgraded the schema from {', '.join(manifest['schema_revision']) or '(none)'} "
            f"to {', '.join(result.upgraded_to)}."
        )
    click.echo("")
    click.echo("Next:")
    click.echo("  1. flask --app wsgi init          (adds any key this version needs; makes no new keys)")
    click.echo("  2. flask --app wsgi audit verify")
    click.echo("  3. Compare the audit head above with the one recorded when the backup was made,")
    click.echo("     then start the services.")


def _echo_counts(counts: dict[str, int]) -> None:
    ours = [table.name for table in db.metadata.sorted_tables if table.name in counts]
    shown = ", ".join(f"{name} {counts[name]:,}" for name in ours)
    others = len(counts) - len(ours)
    click.echo(f"Rows: {shown}" + (f" (and {others} more tables)" if others else ""))
