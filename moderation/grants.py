"""Giving a moderator access to items sent before their account existed, and taking it away.

A grant re-wraps data keys: the admin's unlocked private key opens each wrapped data key it can,
and seals it again to the new moderator's public key. Revocation deletes a moderator's wrapped
keys, so their private key no longer opens anything stored.
"""

from __future__ import annotations

from sqlalchemy import delete, select

from testimony import crypto, sealing
from testimony.db import db
from testimony.models import Moderator, Recipient, SealedBlob, WrappedKey


def grant(admin: Moderator, admin_private_key: bytes, target: Moderator) -> tuple[int, int]:
    """Wrap every data key the admin can open to `target`. Returns (granted, skipped)."""
    have = set(db.session.scalars(select(WrappedKey.blob_id).where(WrappedKey.moderator_id == target.id)))
    mine = db.session.scalars(
        select(WrappedKey).where(
            WrappedKey.moderator_id == admin.id, WrappedKey.recipient == Recipient.MODERATOR
        )
    )
    granted, skipped = 0, 0
    for wrapped in mine:
        if wrapped.blob_id in have:
            continue
        blob = db.session.get(SealedBlob, wrapped.blob_id)
        if blob is None:
            continue
        try:
            data_key = crypto.unseal(admin_private_key, wrapped.wrapped, sealing.key_aad(blob.submission))
        except crypto.CryptoError:
            skipped += 1
            continue
        db.session.add(
            WrappedKey(
                blob_id=blob.id,
                recipient=Recipient.MODERATOR,
                moderator_id=target.id,
                wrapped=crypto.seal(target.public_key, data_key, sealing.key_aad(blob.submission)),
            )
        )
        granted += 1
    return granted, skipped


def revoke(target: Moderator) -> int:
    result = db.session.execute(delete(WrappedKey).where(WrappedKey.moderator_id == target.id))
    return int(getattr(result, "rowcount", 0) or 0)


def readable_count(moderator: Moderator) -> int:
    return len(list(db.session.scalars(select(WrappedKey.id).where(WrappedKey.moderator_id == moderator.id))))
