"""Sealed blobs: JSON payloads encrypted under a random data key, wrapped to each reader.

Every piece of a submission (the bundle, a message, a note, a revised draft) is its own blob
with its own data key. A submitter's message is written when no moderator key is unlocked, so
the server must be able to encrypt to readers with public keys alone: one data key per blob,
sealed to each reader's public key, does exactly that.

Each blob's associated data names where it belongs (`blob_aad`): its submission, its own id, its
place in the conversation (`seq`), its kind, its author and, for a moderator's blob, which
moderator. A database writer who puts an older draft's bytes in the newer draft's row, swaps two
messages, or relabels a submitter's message as a moderator's gets a blob that fails to open.
What the binding cannot stop: the data key is sealed to public keys, which the database holds,
so a writer can seal a whole new blob of their own; and deleting rows needs no key at all
(docs/THREAT_MODEL.md).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from flask import current_app
from sqlalchemy import select

from testimony import crypto, instance_keys
from testimony.db import db
from testimony.models import (
    BlobFormat,
    Moderator,
    Recipient,
    Role,
    SealedBlob,
    Submission,
    WrappedKey,
    new_random_id,
)


@dataclass(frozen=True)
class Reader:
    recipient: Recipient
    public_key: bytes
    moderator_id: int | None = None


class NoKeyForReader(LookupError):
    """The blob's data key was never wrapped to this reader (for example before a grant)."""


# The roles that review submissions. Editors compose digests from approved, redacted text (which
# waits under the publication key) and never need an original, so no data key is wrapped to them.
READER_ROLES = (Role.MODERATOR, Role.ADMIN)


def staff_readers() -> list[Reader]:
    """Every active account that reviews (moderators and admins) and has its key pair, and the
    instance recovery key. An account gets its key pair when its holder first chooses their own
    password; what arrives before that needs a grant (moderation/grants.py)."""
    moderators = db.session.scalars(
        select(Moderator).where(
            Moderator.active.is_(True),
            Moderator.role.in_([r.value for r in READER_ROLES]),
            Moderator.public_key != b"",
        )
    )
    readers = [Reader(Recipient.MODERATOR, m.public_key, m.id) for m in moderators]
    recovery = instance_keys.current(current_app).recovery_public_key
    readers.append(Reader(Recipient.RECOVERY, recovery))
    return readers


def blob_aad(submission: Submission, blob: SealedBlob) -> bytes:
    """The associated data a blob was sealed with, by its format. Format 1 (blobs written before
    2026-12) bound only the submission and kind; they cannot be sealed again without their data
    keys, so they open as they were written. A blob of the current format relabelled as format 1
    does not open: its bytes were sealed with the longer binding."""
    if blob.format == BlobFormat.SUBMISSION_AND_KIND:
        return f"testimony/blob/{submission.public_id}/{blob.kind}".encode()
    if blob.format != BlobFormat.BOUND:
        raise crypto.MalformedCiphertext(f"blob format {blob.format} is not one this version knows")
    moderator = "" if blob.moderator_id is None else str(blob.moderator_id)
    fields = (submission.public_id, blob.id, blob.seq, blob.kind, blob.author, moderator)
    return ("testimony/blob/v2/" + "/".join(str(f) for f in fields)).encode()


def key_aad(submission: Submission) -> bytes:
    return f"testimony/key/{submission.public_id}".encode()


def seal_blob(
    submission: Submission,
    *,
    kind: str,
    author: str,
    payload: dict[str, Any],
    readers: list[Reader],
    moderator_id: int | None = None,
) -> SealedBlob:
    """Encrypt `payload` and add the blob and its wrapped keys to the session (not committed)."""
    data_key = crypto.random_key()
    plaintext = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    blob = SealedBlob(
        # Chosen here, not at flush, because the associated data binds it.
        id=new_random_id(),
        # Counted per kind: messages read in their own order, drafts in theirs. Not across kinds,
        # so a submitter's reply is not placed between a moderator's notes or drafts, whose times
        # the audit trail records.
        seq=max((b.seq for b in submission.blobs if b.kind == kind), default=0) + 1,
        format=BlobFormat.BOUND,
        kind=kind,
        author=author,
        moderator_id=moderator_id,
    )
    blob.ciphertext = crypto.encrypt(data_key, plaintext, blob_aad(submission, blob))
    for reader in readers:
        blob.keys.append(
            WrappedKey(
                recipient=reader.recipient,
                moderator_id=reader.moderator_id,
                wrapped=crypto.wrap(reader.public_key, data_key, key_aad(submission)),
            )
        )
    submission.blobs.append(blob)
    return blob


def open_blob(
    blob: SealedBlob, recipient: Recipient, private_key: bytes, moderator_id: int | None = None
) -> dict[str, Any]:
    """Decrypt a blob as one reader. Raises NoKeyForReader or crypto.CryptoError."""
    data_key = unwrap_key(blob, recipient, private_key, moderator_id)
    plaintext = crypto.decrypt(data_key, blob.ciphertext, blob_aad(blob.submission, blob))
    payload: dict[str, Any] = json.loads(plaintext)
    return payload


def unwrap_key(
    blob: SealedBlob, recipient: Recipient, private_key: bytes, moderator_id: int | None = None
) -> bytes:
    for wrapped in blob.keys:
        if wrapped.recipient == recipient and wrapped.moderator_id == moderator_id:
            return crypto.unwrap(private_key, wrapped.wrapped, key_aad(blob.submission))
    raise NoKeyForReader(f"blob {blob.id} has no key for {recipient} {moderator_id}")
