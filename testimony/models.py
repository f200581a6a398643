"""Database models (SQLAlchemy 2.0 typed mappings).

What a submitter wrote is never in a column in the clear: it lives in `SealedBlob.ciphertext`,
under a random per-blob data key, and the data key lives in `WrappedKey` rows, one per reader.
Dates a submitter leaves are days, not seconds (see `Submission.received_on`).
"""

from __future__ import annotations

import datetime as dt
import enum
import secrets

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
)
from sqlalchemy import text as sql_text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from testimony.db import Model, db


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def new_public_id() -> str:
    # Opaque and unguessable, so the desk's URLs say nothing about order or volume.
    return secrets.token_hex(6)


class Role(enum.StrEnum):
    ADMIN = "admin"
    MODERATOR = "moderator"
    EDITOR = "editor"


class Status(enum.StrEnum):
    RECEIVED = "received"
    IN_REVIEW = "in_review"
    WAITING = "waiting_for_submitter"
    APPROVED = "approved"
    PUBLISHED = "published"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"


class Recipient(enum.StrEnum):
    MODERATOR = "moderator"
    RECOVERY = "recovery"
    SUBMITTER = "submitter"


class BlobKind(enum.StrEnum):
    BUNDLE = "bundle"  # original text, spans, draft, warnings, suggested themes
    DRAFT = "draft"  # a moderator's revision of the redacted draft
    MESSAGE = "message"  # between submitter and moderators
    NOTE = "note"  # moderators' internal note, never shown to the submitter


class Author(enum.StrEnum):
    SUBMITTER = "submitter"
    MODERATOR = "moderator"


class Moderator(Model):
    __tablename__ = "moderators"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=True)
    # TOTP secret, encrypted under a key derived from the app secret (testimony/accounts.py).
    # Empty until the account holder opens the enrolment page, after choosing their own password:
    # no one else ever sees it.
    totp_secret_encrypted: Mapped[bytes] = mapped_column(LargeBinary)
    totp_enrolled: Mapped[bool] = mapped_column(Boolean, default=False)
    # The last TOTP time step accepted: a code for this step or an earlier one is a replay.
    totp_last_step: Mapped[int] = mapped_column(Integer, default=0)
    # X25519 key pair, made when the holder first chooses their own password; empty before
    # that (`accounts.has_key`), so nothing is ever sealed to an account under a one-time
    # password. (Empty rather than NULL: on SQLite, making these columns nullable would mean
    # rebuilding the table, and dropping it would cascade into every wrapped key.)
    public_key: Mapped[bytes] = mapped_column(LargeBinary(32))
    # X25519 private key, AES-GCM under Argon2id(password, key_salt).
    private_key_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    key_salt: Mapped[bytes] = mapped_column(LargeBinary(16))
    key_time_cost: Mapped[int] = mapped_column(Integer)
    key_memory_kib: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class Submission(Model):
    __tablename__ = "submissions"
    # The queue reads one status, oldest first, by keyset: this index serves it at any size.
    __table_args__ = (Index("ix_submissions_queue", "status", "received_on", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(16), unique=True, default=new_public_id)
    # Argon2id(codename, lookup salt); emptied when the submission is withdrawn.
    lookup_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    submitter_public_key: Mapped[bytes] = mapped_column(LargeBinary(32))
    # Both written only by testimony/lifecycle.py, each change one conditional UPDATE.
    status: Mapped[str] = mapped_column(String(32), index=True, default=Status.RECEIVED)
    # Moved on by every change; a desk form carries the version it was based on.
    version: Mapped[int] = mapped_column(Integer, default=1)
    received_on: Mapped[dt.date] = mapped_column(Date, default=today)
    # The day it reached its present final state (declined, withdrawn, published): retention
    # counts from here. A day, like every date a submitter leaves.
    decided_on: Mapped[dt.date | None] = mapped_column(Date)
    warning_count: Mapped[int] = mapped_column(Integer, default=0)
    claimed_by_id: Mapped[int | None] = mapped_column(ForeignKey("moderators.id", ondelete="SET NULL"))
    claimed_until: Mapped[dt.datetime | None] = mapped_column(DateTime)
    # A response to a published contribution ("Respond anonymously"): that contribution's public
    # id. A plain value, not a foreign key, so submissions and contributions do not form a cycle.
    in_reply_to: Mapped[str | None] = mapped_column(String(16))

    claimed_by: Mapped[Moderator | None] = relationship(foreign_keys=[claimed_by_id])

    blobs: Mapped[list[SealedBlob]] = relationship(
        back_populates="submission", cascade="all, delete-orphan", passive_deletes=True
    )


class SealedBlob(Model):
    __tablename__ = "sealed_blobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    author: Mapped[str] = mapped_column(String(16))
    moderator_id: Mapped[int | None] = mapped_column(ForeignKey("moderators.id", ondelete="SET NULL"))
    created_on: Mapped[dt.date] = mapped_column(Date, default=today)
    ciphertext: Mapped[bytes] = mapped_column(LargeBinary)

    submission: Mapped[Submission] = relationship(back_populates="blobs")
    keys: Mapped[list[WrappedKey]] = relationship(
        back_populates="blob", cascade="all, delete-orphan", passive_deletes=True
    )


class WrappedKey(Model):
    """A blob's data key sealed to one reader."""

    __tablename__ = "wrapped_keys"
    __table_args__ = (UniqueConstraint("blob_id", "recipient", "moderator_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    blob_id: Mapped[int] = mapped_column(ForeignKey("sealed_blobs.id", ondelete="CASCADE"), index=True)
    recipient: Mapped[str] = mapped_column(String(16))
    moderator_id: Mapped[int | None] = mapped_column(
        ForeignKey("moderators.id", ondelete="CASCADE"), index=True
    )
    wrapped: Mapped[bytes] = mapped_column(LargeBinary)

    blob: Mapped[SealedBlob] = relationship(back_populates="keys")


class ModeratorSession(Model):
    """A desk session. The row holds the moderator's private key sealed under a random key that
    only the cookie carries; the row's id is a hash of the cookie's token. So a stolen database
    alone, or a stolen cookie alone, reveals no private key."""

    __tablename__ = "moderator_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256(token) hex
    moderator_id: Mapped[int] = mapped_column(ForeignKey("moderators.id", ondelete="CASCADE"), index=True)
    sealed_private_key: Mapped[bytes] = mapped_column(LargeBinary)
    second_factor_ok: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    last_seen_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class RecoveryCode(Model):
    """A one-time second-factor code, stored as an Argon2id hash."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    moderator_id: Mapped[int] = mapped_column(ForeignKey("moderators.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(255))
    used_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class LoginThrottle(Model):
    """One counter of the desk's login throttle (moderation/auth.py): attempts in a bucket since
    `started_at`. Buckets are named by keyed hashes (of the address under the day's rate-limit
    secret, of the typed name under the audit key), never by an address or a typed name. Each
    attempt is counted by one atomic upsert before any password is hashed."""

    __tablename__ = "login_throttle"

    bucket: Mapped[str] = mapped_column(String(120), primary_key=True)
    started_at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    count: Mapped[int] = mapped_column(Integer, default=0)


class AuditEvent(Model):
    """One action on the desk. Rows are chained: each row's hash is an HMAC (under the instance's
    audit key) over the previous row's hash and this row's fields (testimony/audit.py)."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(48))
    item: Mapped[str | None] = mapped_column(String(32))
    from_status: Mapped[str | None] = mapped_column(String(32))
    to_status: Mapped[str | None] = mapped_column(String(32))
    detail: Mapped[str] = mapped_column(String(255), default="")
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class AuditChainHead(Model):
    """The one row (id 1) naming the newest audit event. Every append updates it first, which
    serialises appends on every engine (a row lock on PostgreSQL, the write lock on SQLite), so
    two appends can never chain to the same row. `mac` authenticates (last_id, hash) under the
    audit key, so removing the newest rows is detected too."""

    __tablename__ = "audit_chain_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    last_id: Mapped[int] = mapped_column(Integer, default=0)
    hash: Mapped[str] = mapped_column(String(64))
    mac: Mapped[str] = mapped_column(String(64), default="")


class SubmissionTag(Model):
    """A theme confirmed by a moderator, stored as HMAC(theme) under an instance secret so a
    stolen database alone does not say what unpublished testimony is about."""

    __tablename__ = "submission_tags"
    __table_args__ = (UniqueConstraint("submission_id", "tag"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"), index=True)
    tag: Mapped[str] = mapped_column(String(64), index=True)


class KeepTerm(Model):
    """A public figure or national body the redactor must keep, added by an admin."""

    __tablename__ = "keep_terms"

    id: Mapped[int] = mapped_column(primary_key=True)
    term: Mapped[str] = mapped_column(String(120), unique=True)
    added_by: Mapped[str] = mapped_column(String(64))
    added_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class Theme(Model):
    __tablename__ = "themes"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(String(500), default="")


contribution_themes = db.Table(
    "contribution_themes",
    db.Column("contribution_id", ForeignKey("contributions.id", ondelete="CASCADE"), primary_key=True),
    db.Column("theme_id", ForeignKey("themes.id", ondelete="CASCADE"), primary_key=True),
    # A theme's contributions without reading the whole table (theme pages, search by theme).
    Index("ix_contribution_themes_theme_id", "theme_id", "contribution_id"),
)

digest_themes = db.Table(
    "digest_themes",
    db.Column("digest_id", ForeignKey("digests.id", ondelete="CASCADE"), primary_key=True),
    db.Column("theme_id", ForeignKey("themes.id", ondelete="CASCADE"), primary_key=True),
)


class DigestKind(enum.StrEnum):
    DIGEST = "digest"  # an omnibus: introduction, then many contributions
    SINGLE = "single"  # "In case you missed it": one contribution on its own


class Digest(Model):
    __tablename__ = "digests"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    intro_markdown: Mapped[str] = mapped_column(db.Text, default="")
    kind: Mapped[str] = mapped_column(String(16), default=DigestKind.DIGEST)
    # Publication: scheduled_for set and published_at empty means waiting for its time.
    scheduled_for: Mapped[dt.datetime | None] = mapped_column(DateTime, index=True)
    published_at: Mapped[dt.datetime | None] = mapped_column(DateTime, index=True)
    created_by: Mapped[str] = mapped_column(String(64), default="")
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
    # Moved on by every change (testimony/publishing.py: lock_draft). The editor's publish and
    # schedule forms carry it, so what is published is what the editor saw.
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    themes: Mapped[list[Theme]] = relationship(secondary=digest_themes, order_by="Theme.name")
    contributions: Mapped[list[Contribution]] = relationship(
        back_populates="digest", order_by="Contribution.position"
    )


class Contribution(Model):
    """The approved, redacted text of a submission. Until its digest is published the wording is
    kept only as `sealed_text` (testimony/approved.py) and `text` is empty; publication moves it
    into `text`. Withdrawal empties both and leaves a short note in its place."""

    __tablename__ = "contributions"
    # Few rows: counting them on each theme page is cheap (testimony/listing.py).
    __table_args__ = (
        Index(
            "ix_contributions_withdrawn",
            "id",
            postgresql_where=sql_text("withdrawn"),
            sqlite_where=sql_text("withdrawn"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(16), unique=True, default=new_public_id)
    submission_id: Mapped[int | None] = mapped_column(
        ForeignKey("submissions.id", ondelete="SET NULL"), unique=True
    )
    text: Mapped[str] = mapped_column(db.Text, default="")
    sealed_text: Mapped[bytes | None] = mapped_column(LargeBinary)
    digest_id: Mapped[int | None] = mapped_column(ForeignKey("digests.id", ondelete="SET NULL"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    in_reply_to_id: Mapped[int | None] = mapped_column(
        ForeignKey("contributions.id", ondelete="SET NULL"), index=True
    )
    withdrawn: Mapped[bool] = mapped_column(Boolean, default=False)
    approved_on: Mapped[dt.date] = mapped_column(Date, default=today)

    digest: Mapped[Digest | None] = relationship(back_populates="contributions")
    themes: Mapped[list[Theme]] = relationship(secondary=contribution_themes, order_by="Theme.name")
    in_reply_to: Mapped[Contribution | None] = relationship(remote_side="Contribution.id")


class UsedSendToken(Model):
    """A send token that has been spent (testimony/send_tokens.py): an HMAC of it under an
    instance secret and the day, nothing else. No id, no time, no link to the submission it
    sent; on SQLite the table has no rowid either, so not even the order of sends is kept.
    Rows go after two days (testimony/jobs.py)."""

    __tablename__ = "used_send_tokens"
    __table_args__ = {"sqlite_with_rowid": False}  # noqa: RUF012 - SQLAlchemy's declarative form

    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    used_on: Mapped[dt.date] = mapped_column(Date, default=today)
