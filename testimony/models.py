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
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from testimony.db import db


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


class Moderator(db.Model):
    __tablename__ = "moderators"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=True)
    # TOTP secret, encrypted under a key derived from the app secret (testimony/accounts.py).
    totp_secret_encrypted: Mapped[bytes] = mapped_column(LargeBinary)
    totp_enrolled: Mapped[bool] = mapped_column(Boolean, default=False)
    # The last TOTP time step accepted: a code for this step or an earlier one is a replay.
    totp_last_step: Mapped[int] = mapped_column(Integer, default=0)
    public_key: Mapped[bytes] = mapped_column(LargeBinary(32))
    # X25519 private key, AES-GCM under Argon2id(password, key_salt).
    private_key_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    key_salt: Mapped[bytes] = mapped_column(LargeBinary(16))
    key_time_cost: Mapped[int] = mapped_column(Integer)
    key_memory_kib: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class Submission(db.Model):
    __tablename__ = "submissions"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(16), unique=True, default=new_public_id)
    # Argon2id(codename, lookup salt); emptied when the submission is withdrawn.
    lookup_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    submitter_public_key: Mapped[bytes] = mapped_column(LargeBinary(32))
    status: Mapped[str] = mapped_column(String(32), index=True, default=Status.RECEIVED)
    # Optimistic locking: every change carries the version it was based on.
    version: Mapped[int] = mapped_column(Integer, default=1)
    received_on: Mapped[dt.date] = mapped_column(Date, default=today)
    warning_count: Mapped[int] = mapped_column(Integer, default=0)

    blobs: Mapped[list[SealedBlob]] = relationship(
        back_populates="submission", cascade="all, delete-orphan", passive_deletes=True
    )


class SealedBlob(db.Model):
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


class WrappedKey(db.Model):
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
