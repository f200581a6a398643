"""Database models (SQLAlchemy 2.0 typed mappings).

What a submitter wrote is never in a column in the clear: it lives in `SealedBlob.ciphertext`,
under a random per-blob data key, and the data key lives in `WrappedKey` rows, one per reader.
Dates a submitter leaves are days, not seconds (see `Submission.received_on`), and the rows a
submitter's actions create have random keys (`new_random_id`), so that neither a column nor the
order of the keys dates a submission or a message more finely than the day.
"""

from __future__ import annotations

import datetime as dt
import enum
import secrets

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    SmallInteger,
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


# Keys of the rows a submitter's actions create (submissions, their sealed blobs, wrapped keys
# and theme tags). A sequence would number them in the order they were written, and a copy of the
# database read beside the audit trail's times would then date a submission, or a message, to
# the second. Random 63-bit keys (PostgreSQL's BIGINT is signed) keep the integer type and order
# nothing; at a million rows the chance that any two collide is about 1 in 10^7, and a collision
# is refused by the primary key rather than overwriting anything. On SQLite the column must be
# declared exactly INTEGER: only then is it the rowid, the key the table's file is laid out by
# (another type would leave a hidden rowid counting up in the order rows were written).
RandomId = BigInteger().with_variant(Integer(), "sqlite")


def new_random_id() -> int:
    return secrets.randbelow(2**63 - 1) + 1


def enum_column(kind: type[enum.StrEnum], length: int) -> Enum:
    """A column typed as one of the enums below, stored as its value in a VARCHAR of `length`
    (no database enum type and no CHECK constraint: adding a member needs no migration, and
    the schema stays what earlier migrations made)."""
    return Enum(
        kind,
        native_enum=False,
        create_constraint=False,
        length=length,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


class Role(enum.StrEnum):
    ADMIN = "admin"
    MODERATOR = "moderator"
    EDITOR = "editor"


class Status(enum.StrEnum):
    RECEIVED = "received"
    IN_REVIEW = "in_review"
    WAITING = "waiting_for_submitter"
    # Approved with changes to what the source sent: waits for their OK, or for the stated
    # period (SOURCE_APPROVAL_DAYS) to pass, before a digest may carry it (testimony/approved.py).
    AWAITING_SOURCE = "awaiting_source"
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
    # The struck-out text as its submitter sent it, which they can open too (to see a moderator's
    # changes marked against it). The bundle, which holds the original, stays the staff's alone.
    SENT = "sent"
    # A later part's whole redaction ("Send more": original, spans, warnings), for staff alone;
    # the submitter's copy is the struck-out text in a message.
    ADDITION = "addition"


class Author(enum.StrEnum):
    SUBMITTER = "submitter"
    MODERATOR = "moderator"


class Moderator(Model):
    __tablename__ = "moderators"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[Role] = mapped_column(enum_column(Role, 16))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=True)
    # TOTP secret, encrypted under a key derived from the app secret (moderation/accounts.py).
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

    id: Mapped[int] = mapped_column(RandomId, primary_key=True, autoincrement=False, default=new_random_id)
    public_id: Mapped[str] = mapped_column(String(16), unique=True, default=new_public_id)
    # Argon2id(codename, lookup salt); emptied when the submission is withdrawn.
    lookup_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    submitter_public_key: Mapped[bytes] = mapped_column(LargeBinary(32))
    # Both written only by testimony/lifecycle.py, each change one conditional UPDATE.
    status: Mapped[Status] = mapped_column(enum_column(Status, 32), index=True, default=Status.RECEIVED)
    # Moved on by every change; a desk form carries the version it was based on.
    version: Mapped[int] = mapped_column(Integer, default=1)
    received_on: Mapped[dt.date] = mapped_column(Date, default=today)
    # The day it reached its present final state (declined, withdrawn, published): retention
    # counts from here. A day, like every date a submitter leaves.
    decided_on: Mapped[dt.date | None] = mapped_column(Date)
    warning_count: Mapped[int] = mapped_column(Integer, default=0)
    claimed_by_id: Mapped[int | None] = mapped_column(ForeignKey("moderators.id", ondelete="SET NULL"))
    claimed_until: Mapped[dt.datetime | None] = mapped_column(DateTime)
    # Only in submissions stored by versions before 2026-12: which published contribution a
    # response answers. It is now sealed inside the bundle (testimony/submissions.py: store), since
    # what unpublished testimony answers says what it is about. The migration that sealed it
    # emptied this column for every decided item; an open one keeps it until it is decided.
    in_reply_to: Mapped[str | None] = mapped_column(String(16))

    claimed_by: Mapped[Moderator | None] = relationship(foreign_keys=[claimed_by_id])

    # Each kind in the order it was written (`SealedBlob.seq`): the conversation's order.
    blobs: Mapped[list[SealedBlob]] = relationship(
        back_populates="submission",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="SealedBlob.seq",
    )


class BlobFormat(enum.IntEnum):
    """What a blob's associated data binds (testimony/sealing.py: blob_aad)."""

    SUBMISSION_AND_KIND = 1  # blobs written before 2026-12: kept readable as they were written
    BOUND = 2  # also the blob's own id, its place in the conversation, its author and moderator


class SealedBlob(Model):
    __tablename__ = "sealed_blobs"

    id: Mapped[int] = mapped_column(RandomId, primary_key=True, autoincrement=False, default=new_random_id)
    submission_id: Mapped[int] = mapped_column(
        RandomId, ForeignKey("submissions.id", ondelete="CASCADE"), index=True
    )
    # Its place among the submission's blobs of its kind (1, 2, 3...): messages read in this
    # order, the latest draft is the highest. Counted per submission and kind, so it says nothing
    # about other submissions, nor where a reply fell among a moderator's notes and drafts.
    seq: Mapped[int] = mapped_column(Integer)
    format: Mapped[int] = mapped_column(SmallInteger, default=BlobFormat.BOUND)
    kind: Mapped[BlobKind] = mapped_column(enum_column(BlobKind, 16))
    author: Mapped[Author] = mapped_column(enum_column(Author, 16))
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

    id: Mapped[int] = mapped_column(RandomId, primary_key=True, autoincrement=False, default=new_random_id)
    blob_id: Mapped[int] = mapped_column(
        RandomId, ForeignKey("sealed_blobs.id", ondelete="CASCADE"), index=True
    )
    recipient: Mapped[Recipient] = mapped_column(enum_column(Recipient, 16))
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
    """One counter of the desk's login throttle (moderation/views/auth.py): attempts in a bucket since
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

    id: Mapped[int] = mapped_column(RandomId, primary_key=True, autoincrement=False, default=new_random_id)
    submission_id: Mapped[int] = mapped_column(
        RandomId, ForeignKey("submissions.id", ondelete="CASCADE"), index=True
    )
    tag: Mapped[str] = mapped_column(String(64), index=True)


class ErasurePending(Model):
    """A table whose deleted rows may still be in the database's files (testimony/erasure.py).
    Written in the same transaction as the deletion, so a committed deletion always leaves one;
    removed once the table has been rewritten. One row per deleting transaction and table, with
    a random key and no time, so these rows do not date deletions either."""

    __tablename__ = "erasure_pending"

    id: Mapped[int] = mapped_column(RandomId, primary_key=True, autoincrement=False, default=new_random_id)
    table_name: Mapped[str] = mapped_column(String(64))


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
    kind: Mapped[DigestKind] = mapped_column(enum_column(DigestKind, 16), default=DigestKind.DIGEST)
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
    """The approved, redacted text of a submission. Until its digest is published the wording,
    its themes and what it responds to are kept only in `sealed` (testimony/approved.py): `text`
    is empty, and it has no theme rows and no `in_reply_to_id`. Publication moves them into those
    columns. Withdrawal empties them and leaves a short note in its place."""

    __tablename__ = "contributions"
    # Few rows: counting them on each theme page is cheap (testimony/web/page_cache.py).
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
        RandomId, ForeignKey("submissions.id", ondelete="SET NULL"), unique=True
    )
    text: Mapped[str] = mapped_column(db.Text, default="")
    digest_id: Mapped[int | None] = mapped_column(ForeignKey("digests.id", ondelete="SET NULL"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    in_reply_to_id: Mapped[int | None] = mapped_column(
        ForeignKey("contributions.id", ondelete="SET NULL"), index=True
    )
    withdrawn: Mapped[bool] = mapped_column(Boolean, default=False)
    approved_on: Mapped[dt.date] = mapped_column(Date, default=today)
    # An editor's correction or takedown after publication (testimony/corrections.py): when, and
    # the note readers see ("Amended on ...", "Removed on ..."). A takedown also sets `withdrawn`,
    # so the publication rule needs nothing new; `removed_at` says it was the editors, not the author.
    amended_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    removed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    public_note: Mapped[str] = mapped_column(String(500), default="", server_default="")

    digest: Mapped[Digest | None] = relationship(back_populates="contributions")
    themes: Mapped[list[Theme]] = relationship(secondary=contribution_themes, order_by="Theme.name")
    in_reply_to: Mapped[Contribution | None] = relationship(remote_side="Contribution.id")
    sealed: Mapped[SealedApproval | None] = relationship(cascade="all, delete-orphan", passive_deletes=True)


class UsedSendToken(Model):
    """A send token that has been spent (testimony/send_tokens.py): an HMAC of it under an
    instance secret and the day, nothing else. No id, no time, no link to the submission it
    sent; on SQLite the table has no rowid either, so not even the order of sends is kept.
    Rows go after two days (testimony/jobs.py)."""

    __tablename__ = "used_send_tokens"
    __table_args__ = {"sqlite_with_rowid": False}  # noqa: RUF012 - SQLAlchemy's declarative form

    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    used_on: Mapped[dt.date] = mapped_column(Date, default=today)


class SealedApproval(Model):
    """Approved wording waiting for its digest, sealed under the publication key
    (testimony/approved.py). A table of its own, not a column of `contributions`: withdrawal and
    publication delete the row, and on PostgreSQL only rewriting a table removes a deleted row's
    bytes from its files (testimony/erasure.py). This table holds only what waits for a digest,
    so rewriting it is cheap; `contributions` holds the whole published archive."""

    __tablename__ = "sealed_approvals"

    contribution_id: Mapped[int] = mapped_column(
        ForeignKey("contributions.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    format: Mapped[int] = mapped_column(SmallInteger)
    ciphertext: Mapped[bytes] = mapped_column(LargeBinary)


class PublicationLogEntry(Model):
    """One entry of the public, hash-chained publication log (testimony/publication_log.py): a
    digest published (its signed manifest), a contribution corrected, taken down or withdrawn.
    `entry` is the canonical JSON that `hash` (SHA-256) and `signature` (Ed25519, the instance's
    signing key) cover; it holds `prev`, the hash of the entry before, so removing or changing
    an entry breaks the chain."""

    __tablename__ = "publication_log"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(String(16))
    digest_slug: Mapped[str] = mapped_column(String(120), index=True)
    contribution_id: Mapped[str | None] = mapped_column(String(16), index=True)
    entry: Mapped[str] = mapped_column(db.Text)
    prev_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hash: Mapped[str] = mapped_column(String(64), unique=True)
    signature: Mapped[str] = mapped_column(String(128))


class PublicationLogHead(Model):
    """The one row (id 1) naming the newest publication log entry, signed. Every append updates
    it first, which serialises appends (as the audit chain's head does), and removing the newest
    entries is detected because the head still names them."""

    __tablename__ = "publication_log_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, default=0)
    hash: Mapped[str] = mapped_column(String(64))
    signature: Mapped[str] = mapped_column(String(128), default="")


class MonthlyTally(Model):
    """How many submissions were received, published, declined (by reason) and withdrawn in a
    month (testimony/transparency.py): a count per (month, measure), nothing else. Counted as
    each happens (retention deletes closed submissions, so they could not be counted later);
    months are the coarsest date the site keeps of anything a submitter does."""

    __tablename__ = "monthly_tallies"

    month: Mapped[str] = mapped_column(String(7), primary_key=True)  # "2026-11", UK time
    measure: Mapped[str] = mapped_column(String(48), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)
