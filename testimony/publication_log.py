"""The publication log: a public, hash-chained, signed record of what was published.

Every publication of a digest appends an entry holding its manifest: the digest, its title and
time, and for each contribution its number in the digest ("No. 3"), its public id and the
SHA-256 of its published text. A withdrawal (or an editor's correction or takedown) appends an
entry naming the contribution. Each entry is canonical JSON holding the hash of the entry before
it (`prev`); its own hash is SHA-256 of those bytes, and it is signed with the instance's Ed25519
signing key (instance/keys.json), whose public half is published at
/.well-known/testimony-publication-key.pem and on the about page.

So a silent edit is detectable by anyone: a published text that no longer matches its entry's
hash, an entry changed or removed (the chain breaks, or the signed head names a later entry), or
an entry not signed by the key. `flask publication verify` checks all of it against the
database; a reader can check one citation offline with the manifest and the public key.

Withdrawals are dated to the day, like everything a submitter does (testimony/models.py):
never to the second. Nothing here commits: the caller owns the transaction, so an entry is
written if and only if what it records is.
"""

from __future__ import annotations

import base64
import datetime as dt
import enum
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import click
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import func, select, update

from testimony import instance_keys
from testimony.db import db
from testimony.models import Contribution, Digest, PublicationLogEntry, PublicationLogHead, utcnow

GENESIS = "0" * 64
FORMAT = "testimony-publication-log/1"


class Kind(enum.StrEnum):
    PUBLICATION = "publication"
    CORRECTION = "correction"
    TAKEDOWN = "takedown"
    WITHDRAWAL = "withdrawal"


def canonical(value: Any) -> bytes:
    """The bytes that are hashed and signed: JSON, keys sorted, no spaces, UTF-8."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def text_hash(text: str) -> str:
    """SHA-256 of a published text, as the manifest lists it (the text exactly as the API gives it)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _iso(moment: dt.datetime) -> str:
    return moment.replace(microsecond=0).isoformat() + "Z"


# ---- keys ------------------------------------------------------------------------------------


def public_key(app: Flask | None = None) -> ed25519.Ed25519PublicKey:
    return instance_keys.signing_key(app or current_app).public_key()


def public_key_pem(app: Flask | None = None) -> str:
    return (
        public_key(app)
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode("ascii")
    )


def fingerprint(app: Flask | None = None) -> str:
    """SHA-256 of the raw public key, in groups of four, to read out or compare by eye."""
    raw = public_key(app).public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    digest = hashlib.sha256(raw).hexdigest()
    return " ".join(digest[i : i + 4] for i in range(0, len(digest), 4))


def _sign(data: bytes) -> str:
    return base64.b64encode(instance_keys.signing_key(current_app).sign(data)).decode("ascii")


def _head_bytes(seq: int, hash_: str) -> bytes:
    return canonical({"format": FORMAT, "head": {"seq": seq, "hash": hash_}})


# ---- writing ---------------------------------------------------------------------------------


def _lock_head() -> PublicationLogHead:
    """The head row, locked for this transaction (an UPDATE first, as the audit chain does)."""
    result = db.session.execute(
        update(PublicationLogHead)
        .where(PublicationLogHead.id == 1)
        .values(seq=PublicationLogHead.seq)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        db.session.add(PublicationLogHead(id=1, seq=0, hash=GENESIS, signature=""))
        db.session.flush()
    head = db.session.get(PublicationLogHead, 1, populate_existing=True)
    assert head is not None  # noqa: S101 - made just above if it was missing
    return head


def append(
    kind: Kind, digest_slug: str, body: dict[str, Any], *, contribution: str | None = None, at: str
) -> PublicationLogEntry:
    """Append one signed entry after the newest, and move the signed head on."""
    head = _lock_head()
    seq = head.seq + 1
    document = {
        "format": FORMAT,
        "seq": seq,
        "at": at,
        "kind": str(kind),
        "digest": digest_slug,
        "contribution": contribution,
        "body": body,
        "prev": head.hash,
    }
    data = canonical(document)
    entry = PublicationLogEntry(
        seq=seq,
        kind=str(kind),
        digest_slug=digest_slug,
        contribution_id=contribution,
        entry=data.decode("utf-8"),
        prev_hash=head.hash,
        hash=hashlib.sha256(data).hexdigest(),
        signature=_sign(data),
    )
    db.session.add(entry)
    head.seq, head.hash = seq, entry.hash
    head.signature = _sign(_head_bytes(seq, entry.hash))
    db.session.flush()
    return entry


def numbered(contributions: Iterable[Contribution]) -> list[Contribution]:
    return sorted(contributions, key=lambda c: (c.position, c.public_id))


def manifest(digest: Digest) -> dict[str, Any]:
    """What a digest's publication entry records."""
    assert digest.published_at is not None  # noqa: S101 - only published digests have one
    return {
        "title": digest.title,
        "published_at": _iso(digest.published_at),
        "contributions": [
            {"number": n, "id": c.public_id, "sha256": text_hash(c.text)}
            for n, c in enumerate(numbered(digest.contributions), start=1)
            if not c.withdrawn
        ],
    }


def record_publication(digest: Digest, *, earlier: bool = False) -> PublicationLogEntry:
    """The digest's signed manifest (after publishing.publish has revealed its texts)."""
    body = manifest(digest)
    if earlier:
        body["recorded_later"] = True  # published before the log existed (`flask init`)
    assert digest.published_at is not None  # noqa: S101 - see manifest
    return append(Kind.PUBLICATION, digest.slug, body, at=_iso(digest.published_at if earlier else utcnow()))


def record_withdrawal(
    contribution: Contribution, number: int, day: dt.date | None = None
) -> PublicationLogEntry:
    """A published contribution withdrawn by its author: dated to the day, never the second."""
    assert contribution.digest is not None  # noqa: S101 - only published contributions are logged
    day = day or utcnow().date()
    return append(
        Kind.WITHDRAWAL,
        contribution.digest.slug,
        {"number": number},
        contribution=contribution.public_id,
        at=day.isoformat(),
    )


def record_change(kind: Kind, contribution: Contribution, number: int, *, note: str) -> PublicationLogEntry:
    """An editor's correction (the new text's hash) or takedown of a published contribution."""
    assert contribution.digest is not None  # noqa: S101 - only published contributions are logged
    body: dict[str, Any] = {"number": number, "note": note}
    if kind == Kind.CORRECTION:
        body["sha256"] = text_hash(contribution.text)
    return append(
        kind, contribution.digest.slug, body, contribution=contribution.public_id, at=_iso(utcnow())
    )


def record_earlier(when: dt.datetime | None = None) -> int:
    """Record digests published before the log existed, and withdrawals in them (`flask init`).
    Commits; returns how many entries were added."""
    when = when or utcnow()
    logged = set(
        db.session.scalars(
            select(PublicationLogEntry.digest_slug).where(PublicationLogEntry.kind == Kind.PUBLICATION)
        )
    )
    gone = set(
        db.session.scalars(
            select(PublicationLogEntry.contribution_id).where(
                PublicationLogEntry.kind.in_([Kind.WITHDRAWAL, Kind.TAKEDOWN])
            )
        )
    )
    added = 0
    digests = db.session.scalars(
        select(Digest)
        .where(Digest.published_at.is_not(None), Digest.published_at <= when)
        .order_by(Digest.published_at, Digest.id)
    )
    for digest in digests:
        numbers = {c.id: n for n, c in enumerate(numbered(digest.contributions), start=1)}
        if digest.slug not in logged:
            record_publication(digest, earlier=True)
            added += 1
        for c in digest.contributions:
            if c.withdrawn and c.public_id not in gone:
                record_withdrawal(c, numbers[c.id], when.date())
                added += 1
    db.session.commit()
    return added


# ---- reading and checking --------------------------------------------------------------------


def entries(after: int = 0, limit: int | None = None) -> list[PublicationLogEntry]:
    query = (
        select(PublicationLogEntry).where(PublicationLogEntry.seq > after).order_by(PublicationLogEntry.seq)
    )
    return list(db.session.scalars(query.limit(limit) if limit else query))


def public_entry(entry: PublicationLogEntry) -> dict[str, Any]:
    """An entry as published: the signed document, its hash and signature."""
    return {"entry": json.loads(entry.entry), "hash": entry.hash, "signature": entry.signature}


def publication_of(slug: str) -> PublicationLogEntry | None:
    return db.session.scalar(
        select(PublicationLogEntry).where(
            PublicationLogEntry.digest_slug == slug, PublicationLogEntry.kind == Kind.PUBLICATION
        )
    )


@dataclass
class Report:
    entries: int = 0
    digests: int = 0
    contributions: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _verify_signature(key: ed25519.Ed25519PublicKey, signature: str, data: bytes) -> bool:
    try:
        key.verify(base64.b64decode(signature, validate=True), data)
    except (InvalidSignature, ValueError):
        return False
    return True


def verify(when: dt.datetime | None = None, key: ed25519.Ed25519PublicKey | None = None) -> Report:
    """Check the chain, every signature and the head, then that every published text is what
    the log says was published, and every withdrawal is recorded."""
    when = when or utcnow()
    key = key or public_key()
    report = Report()
    latest_hash: dict[str, str] = {}  # contribution id -> the sha256 its latest entry records
    gone: set[str] = set()
    published: dict[str, dict[str, Any]] = {}
    previous, expected_seq = GENESIS, 1
    for row in db.session.scalars(select(PublicationLogEntry).order_by(PublicationLogEntry.seq)):
        report.entries += 1
        data = row.entry.encode("utf-8")
        where = f"entry {row.seq}"
        if row.seq != expected_seq:
            report.problems.append(f"{where}: expected entry {expected_seq} here: an entry is missing")
        expected_seq = row.seq + 1
        if hashlib.sha256(data).hexdigest() != row.hash:
            report.problems.append(f"{where}: its content does not match its hash (changed)")
        if row.prev_hash != previous:
            report.problems.append(
                f"{where}: does not follow the entry before it (one was removed or changed)"
            )
        previous = row.hash
        if not _verify_signature(key, row.signature, data):
            report.problems.append(f"{where}: the signature is not the instance's (forged or changed)")
        try:
            document = json.loads(data)
        except ValueError:
            report.problems.append(f"{where}: not valid JSON")
            continue
        if (
            document.get("seq") != row.seq
            or document.get("prev") != row.prev_hash
            or document.get("kind") != row.kind
            or document.get("digest") != row.digest_slug
            or document.get("contribution") != row.contribution_id
        ):
            report.problems.append(f"{where}: its columns do not match its signed content")
        body = document.get("body") or {}
        if row.kind == Kind.PUBLICATION:
            published[row.digest_slug] = body
            for item in body.get("contributions", []):
                latest_hash[item["id"]] = item["sha256"]
        elif row.kind == Kind.CORRECTION and row.contribution_id:
            latest_hash[row.contribution_id] = body.get("sha256", "")
        elif row.kind in (Kind.WITHDRAWAL, Kind.TAKEDOWN) and row.contribution_id:
            gone.add(row.contribution_id)
    head = db.session.get(PublicationLogHead, 1)
    if head is None:
        report.problems.append("the log's head is missing")
    else:
        if head.seq != expected_seq - 1 or head.hash != previous:
            report.problems.append(
                f"the log's head names entry {head.seq}, but the log ends at entry {expected_seq - 1}: "
                "entries were removed from its end"
            )
        if head.seq and not _verify_signature(key, head.signature, _head_bytes(head.seq, head.hash)):
            report.problems.append("the log's head is not signed by the instance (forged or changed)")
    digests = db.session.scalars(
        select(Digest)
        .where(Digest.published_at.is_not(None), Digest.published_at <= when)
        .order_by(Digest.id)
    )
    for digest in digests:
        report.digests += 1
        if digest.slug not in published:
            report.problems.append(f"digest {digest.slug}: published, but its publication is not in the log")
            continue
        for c in digest.contributions:
            report.contributions += 1
            if c.withdrawn:
                if c.public_id not in gone:
                    report.problems.append(
                        f"contribution {c.public_id}: withdrawn, but the log does not say so"
                    )
            elif c.public_id in gone:
                report.problems.append(
                    f"contribution {c.public_id}: the log says it was taken down, but it is shown"
                )
            elif latest_hash.get(c.public_id) != text_hash(c.text):
                report.problems.append(
                    f"contribution {c.public_id}: its published text is not the text the log records (changed)"
                )
    return report


def count() -> int:
    return int(db.session.scalar(select(func.count()).select_from(PublicationLogEntry)) or 0)


# ---- command line ----------------------------------------------------------------------------


def init_app(app: Flask) -> None:
    app.cli.add_command(publication_group)


@click.group("publication", cls=AppGroup)
def publication_group() -> None:
    """The public publication log."""


@publication_group.command("verify")
def verify_command() -> None:
    """Check the publication log (chain, signatures, head) and every published text against it."""
    report = verify()
    for problem in report.problems:
        click.echo(f"PROBLEM: {problem}", err=True)
    summary = (
        f"{report.entries} log entries, {report.digests} published digests, "
        f"{report.contributions} contributions checked"
    )
    if report.ok:
        click.echo(f"The publication log is intact: {summary}.")
        return
    click.echo(f"The publication log does not match ({len(report.problems)} problems): {summary}.", err=True)
    raise SystemExit(1)


@publication_group.command("key")
def key_command() -> None:
    """Print the public key that verifies the log (PEM) and its fingerprint."""
    click.echo(public_key_pem(), nl=False)
    click.echo(f"Fingerprint (SHA-256): {fingerprint()}")
