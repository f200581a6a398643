"""The recovery key in use: `flask recovery export` and `flask recovery grant NAME`.

Every data key is sealed to the instance's recovery public key as well as to each moderator
(testimony/sealing.py), and the private half is written down at `flask init` and kept offline.
It is for the day no moderator with access is left:

* `export` opens every sealed submission and writes what it holds (the original, the redactor's
  draft, each moderator's draft, the messages and notes) as plain text and JSON files of mode
  0600, one folder per submission. Meant for an offline machine holding a restored copy.
* `grant` wraps every data key the recovery key opens to an existing moderator account, so the
  desk works again for that person.
* `check` only says whether a key is this site's (the ceremony's read-back, docs/DEPLOY.md).

The key is read from standard input with no echo (`getpass` on a terminal, else one line), never
from an argument or the environment, which other users and logs can see. A key that is not this
site's is refused before anything is written or changed. Export and grant leave an audit record.
"""

from __future__ import annotations

import binascii
import getpass
import hmac
import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from testimony import audit, crypto, instance_keys, sealing
from testimony.db import db
from testimony.models import BlobKind, Moderator, Recipient, SealedBlob, Submission, WrappedKey

ACTOR = "recovery key (command line)"
NOTHING_CHANGED = "Nothing was written or changed."
# The order in which an export lists a submission's pieces: kind by kind, each as written (seq).
KIND_ORDER = [kind.value for kind in BlobKind]


class RecoveryError(Exception):
    """The recovery key could not be used; the message says why and what to do next."""


@dataclass
class ExportSummary:
    directory: Path
    submissions: int = 0
    pieces: int = 0
    empty: int = 0
    unreadable: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class GrantSummary:
    name: str
    granted: int
    already: int
    unreadable: int


# ---- the key ---------------------------------------------------------------------------------


def read_key_text(prompt: str = "Recovery key (not shown): ") -> str:
    """The recovery key as typed: without echo on a terminal, else one line of standard input."""
    if sys.stdin.isatty():
        return getpass.getpass(prompt)
    return sys.stdin.readline().strip()


def private_key(app: Flask, typed: str) -> bytes:
    """Decode the typed key and check it is this site's. Raises RecoveryError otherwise."""
    keys = instance_keys.current(app)
    try:
        private = instance_keys.decode_recovery_key(typed)
        public = crypto.keypair_from_seed(private).public
    except (binascii.Error, ValueError) as exc:
        raise RecoveryError(
            "That is not a recovery key: it should read testimony-recovery- followed by 52 letters "
            f"and digits. Check each character against the paper copy and try again. {NOTHING_CHANGED}"
        ) from exc
    if not hmac.compare_digest(public, keys.recovery_public_key):
        raise RecoveryError(
            "That recovery key does not belong to this site (it is well formed, but its public half "
            "is not the one in instance/keys.json). Check it against the paper copy, and check that "
            f"these are the site's own keys. {NOTHING_CHANGED}"
        )
    return private


# ---- export ----------------------------------------------------------------------------------


def _check_destination(app: Flask, destination: Path) -> None:
    target = destination.resolve()
    instance = Path(app.instance_path).resolve()
    if target == instance or instance in target.parents:
        raise RecoveryError(f"{destination} is inside the instance folder. Choose another. {NOTHING_CHANGED}")
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise RecoveryError(f"{destination} exists and is not an empty directory. {NOTHING_CHANGED}")


def _mkdir(path: Path) -> None:
    path.mkdir(mode=0o700, exist_ok=True)
    os.chmod(path, 0o700)


def _write(path: Path, content: str) -> None:
    with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w", encoding="utf-8") as out:
        out.write(content)


def _conversation(pieces: list[dict[str, Any]], kind: str) -> str:
    parts = []
    for piece in pieces:
        if piece["kind"] != kind:
            continue
        who = piece.get("moderator") or piece["author"]
        parts.append(f"--- {who}, {piece['created_on']} ---\n{piece['content'].get('text', '')}\n")
    return "\n".join(parts)


def _export_one(
    submission: Submission, private: bytes, folder: Path, summary: ExportSummary, names: dict[int, str]
) -> None:
    pieces: list[dict[str, Any]] = []
    for blob in sorted(submission.blobs, key=lambda b: (KIND_ORDER.index(b.kind), b.seq)):
        try:
            content = sealing.open_blob(blob, Recipient.RECOVERY, private)
        except (sealing.NoKeyForReader, crypto.CryptoError):
            summary.unreadable.append(f"{submission.public_id}/{blob.kind}")
            continue
        pieces.append(
            {
                "kind": blob.kind,
                "author": blob.author,
                "moderator": names.get(blob.moderator_id) if blob.moderator_id else None,
                "created_on": blob.created_on.isoformat(),
                "content": content,
            }
        )
    _mkdir(folder)
    record = {
        "public_id": submission.public_id,
        "status": submission.status,
        "received_on": submission.received_on.isoformat(),
        "decided_on": submission.decided_on.isoformat() if submission.decided_on else None,
        "in_reply_to": submission.in_reply_to,
        "pieces": pieces,
    }
    _write(folder / "submission.json", json.dumps(record, ensure_ascii=False, indent=2) + "\n")
    bundle = next((p["content"] for p in pieces if p["kind"] == BlobKind.BUNDLE), None)
    if bundle is not None:
        redaction = bundle.get("redaction", {})
        _write(folder / "original.txt", redaction.get("text", ""))
        _write(folder / "redacted.txt", redaction.get("redacted", ""))
    drafts = [p for p in pieces if p["kind"] == BlobKind.DRAFT]
    for number, draft in enumerate(drafts, start=1):
        _write(folder / f"draft-{number:02d}.txt", draft["content"].get("draft", ""))
    for kind, filename in ((BlobKind.MESSAGE, "messages.txt"), (BlobKind.NOTE, "notes.txt")):
        if text := _conversation(pieces, kind):
            _write(folder / filename, text)
    summary.submissions += 1
    summary.pieces += len(pieces)


def export(app: Flask, private: bytes, destination: Path) -> ExportSummary:
    """Open every sealed submission with the recovery key and write it under `destination`."""
    _check_destination(app, destination)
    summary = ExportSummary(destination)
    # Oldest first; a withdrawn or retention-emptied submission has nothing sealed left.
    holding = Submission.id.in_(select(SealedBlob.submission_id))
    query = (
        select(Submission)
        .where(holding)
        .options(selectinload(Submission.blobs).selectinload(SealedBlob.keys))
        .order_by(Submission.received_on, Submission.public_id)
    )
    summary.empty = int(db.session.scalar(select(func.count()).where(~holding)) or 0)
    index: list[dict[str, Any]] = []
    names = {m.id: m.name for m in db.session.scalars(select(Moderator))}
    destination.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(destination, 0o700)
    finished = False
    try:
        for submission in db.session.scalars(query):
            folder = f"{submission.received_on.isoformat()}-{submission.public_id}"
            _export_one(submission, private, destination / folder, summary, names)
            index.append({"folder": folder, "public_id": submission.public_id, "status": submission.status})
        _write(destination / "index.json", json.dumps(index, indent=2) + "\n")
        finished = True
    finally:
        # Recorded even when the export stops halfway: whatever was opened was opened.
        audit.record(
            ACTOR,
            "recovery_export",
            detail=f"{summary.submissions} submissions, {summary.pieces} pieces opened"
            + (f"; {len(summary.unreadable)} would not open" if summary.unreadable else "")
            + ("" if finished else "; stopped by an error"),
        )
        db.session.commit()
    return summary


# ---- grant -----------------------------------------------------------------------------------


def grant(private: bytes, name: str) -> GrantSummary:
    """Wrap every data key the recovery key opens to the account `name`. One transaction."""
    target = db.session.scalar(select(Moderator).where(Moderator.name == name))
    if target is None or not target.active:
        raise RecoveryError(
            f"There is no active account called {name!r}. Create one first "
            f"(flask --app wsgi moderators create {name} --role admin), then grant. {NOTHING_CHANGED}"
        )
    if len(target.public_key or b"") != crypto.KEY_BYTES:
        raise RecoveryError(
            f"{name!r} has no key pair yet: log in once and choose a password, then grant. {NOTHING_CHANGED}"
        )
    have = set(db.session.scalars(select(WrappedKey.blob_id).where(WrappedKey.moderator_id == target.id)))
    granted = already = unreadable = 0
    blobs = db.session.scalars(
        select(SealedBlob).options(selectinload(SealedBlob.keys), selectinload(SealedBlob.submission))
    )
    for blob in blobs:
        if blob.id in have:
            already += 1
            continue
        try:
            data_key = sealing.unwrap_key(blob, Recipient.RECOVERY, private)
        except (sealing.NoKeyForReader, crypto.CryptoError):
            unreadable += 1
            continue
        # Wrapped exactly as sealing.seal_blob wraps a data key to a reader (and grants.grant does).
        db.session.add(
            WrappedKey(
                blob_id=blob.id,
                recipient=Recipient.MODERATOR,
                moderator_id=target.id,
                wrapped=crypto.wrap(target.public_key, data_key, sealing.key_aad(blob.submission)),
            )
        )
        granted += 1
    audit.record(
        ACTOR,
        "recovery_grant",
        item=name[:32],
        detail=f"{granted} keys wrapped to {name}; {already} held already; {unreadable} would not open",
    )
    db.session.commit()
    return GrantSummary(name, granted, already, unreadable)


# ---- commands --------------------------------------------------------------------------------


def init_app(app: Flask) -> None:
    app.cli.add_command(recovery_group)


@click.group("recovery", cls=AppGroup)
def recovery_group() -> None:
    """Use the recovery key: the key is read from standard input, without echo."""


def _key_from_stdin() -> bytes:
    try:
        return private_key(current_app, read_key_text())
    except (RecoveryError, instance_keys.InstanceNotInitialised) as exc:
        raise click.ClickException(str(exc)) from exc


@recovery_group.command("check")
def check_command() -> None:
    """Check a recovery key against this site's keys; opens and changes nothing."""
    _key_from_stdin()
    click.echo("This is the site's recovery key: it matches the public half in instance/keys.json.")


@recovery_group.command("export")
@click.option(
    "--to",
    "destination",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    metavar="DIR",
    help="A new or empty directory (made with mode 0700), on an offline machine.",
)
def export_command(destination: Path) -> None:
    """Open every sealed submission with the recovery key; write each to DIR (files mode 0600)."""
    try:
        _check_destination(current_app, destination)
    except RecoveryError as exc:
        raise click.ClickException(str(exc)) from exc
    private = _key_from_stdin()
    try:
        summary = export(current_app, private, destination)
    except RecoveryError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(
        f"Wrote {summary.submissions} submissions ({summary.pieces} pieces opened) to {destination}, "
        "one folder each: original.txt, redacted.txt, draft-NN.txt, messages.txt, notes.txt and "
        "submission.json with everything. index.json lists them."
    )
    if summary.empty:
        click.echo(f"{summary.empty} submissions had nothing sealed left (withdrawn, or past retention).")
    click.echo("The export is recorded in the audit trail.")
    click.echo("")
    click.echo("Next: these files are testimony in plain text. Keep them on this offline machine, read")
    click.echo("them only as the recovery requires, and destroy them (shred) when that is done.")
    if summary.unreadable:
        click.echo(
            f"{len(summary.unreadable)} pieces would not open: {', '.join(summary.unreadable[:10])}", err=True
        )
        raise SystemExit(1)


@recovery_group.command("grant")
@click.argument("name")
def grant_command(name: str) -> None:
    """Give the account NAME every data key the recovery key opens (all items, all pieces)."""
    private = _key_from_stdin()
    try:
        summary = grant(private, name)
    except RecoveryError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(
        f"{name} can now open {summary.granted} more sealed pieces ({summary.already} were open to "
        "them already). The grant is recorded in the audit trail."
    )
    click.echo("")
    click.echo(f"Next: {name} logs in at /desk/login and checks the queue. Seal the paper copy in a new")
    click.echo("envelope and record who used it, when and why (docs/DEPLOY.md, section 5).")
    if summary.unreadable:
        click.echo(f"{summary.unreadable} pieces would not open with the recovery key.", err=True)
        raise SystemExit(1)
