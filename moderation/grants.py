"""Who holds wrapped data keys: granting access to older items, taking it away, changing roles.

A grant re-wraps data keys: the admin's unlocked private key opens each wrapped data key it can,
and seals it again to the target's public key. Revocation deletes an account's wrapped keys, so
its private key no longer opens anything stored.

Only the roles that review (moderators and admins, `sealing.READER_ROLES`) ever hold wrapped
keys: an editor's password and a copy of the database must open no original. So a grant to an
editor is refused, a change of role to editor revokes, and a change from editor to a reviewing
role is a grant by the admin making it.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, func, select

from moderation import accounts
from testimony import crypto, sealing
from testimony.db import db
from testimony.models import BlobKind, Moderator, Recipient, Role, SealedBlob, WrappedKey


class GrantRefused(ValueError):
    """The account cannot be given keys; the message says why, plainly."""


@dataclass(frozen=True)
class RoleChange:
    before: str
    after: str
    revoked: int = 0
    granted: int = 0
    skipped: int = 0
    # The account has no key pair yet (its holder has not chosen a password): nothing to grant.
    waiting_for_key: bool = False


def check_can_hold_keys(target: Moderator) -> None:
    if not target.active:
        raise GrantRefused(f"{target.name} is deactivated.")
    if target.role not in sealing.READER_ROLES:
        raise GrantRefused(
            f"{target.name} is an editor. Editors work from approved, redacted text and are never "
            "given access to originals."
        )
    if not accounts.has_key(target):
        raise GrantRefused(
            f"{target.name} has not yet logged in and chosen their own password, so their account has "
            "no key to grant to. Grant access again after their first login."
        )


def grant(admin: Moderator, admin_private_key: bytes, target: Moderator) -> tuple[int, int]:
    """Wrap every data key the admin can open to `target`. Returns (granted, skipped).
    Raises GrantRefused for an editor, a deactivated account or one without a key pair yet."""
    check_can_hold_keys(target)
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
            data_key = crypto.unwrap(admin_private_key, wrapped.wrapped, sealing.key_aad(blob.submission))
        except crypto.CryptoError:
            skipped += 1
            continue
        db.session.add(
            WrappedKey(
                blob_id=blob.id,
                recipient=Recipient.MODERATOR,
                moderator_id=target.id,
                wrapped=crypto.wrap(target.public_key, data_key, sealing.key_aad(blob.submission)),
            )
        )
        granted += 1
    return granted, skipped


def revoke(target: Moderator) -> int:
    result = db.session.execute(delete(WrappedKey).where(WrappedKey.moderator_id == target.id))
    return int(getattr(result, "rowcount", 0) or 0)


def change_role(admin: Moderator, admin_private_key: bytes, target: Moderator, role: str) -> RoleChange:
    """Give `target` another role, and make the keys it holds match: to editor, every wrapped
    key is deleted; from editor to moderator or admin, the admin grants what they can open."""
    if role not in set(Role):
        raise GrantRefused(f"Role must be one of: {', '.join(Role)}.")
    before = target.role
    if role == before:
        return RoleChange(before, role)
    target.role = Role(role)
    if role not in sealing.READER_ROLES:
        return RoleChange(before, role, revoked=revoke(target))
    if before in sealing.READER_ROLES:
        return RoleChange(before, role)  # moderator <-> admin: the same items either way
    if not target.active or not accounts.has_key(target):
        return RoleChange(before, role, waiting_for_key=target.active)
    granted, skipped = grant(admin, admin_private_key, target)
    return RoleChange(before, role, granted=granted, skipped=skipped)


def readable_count(moderator: Moderator) -> int:
    """How many items (submissions) the account can open: those whose bundle's data key is
    wrapped to it. (Counting every wrapped key counted each message and draft too.)"""
    return int(
        db.session.scalar(
            select(func.count())
            .select_from(WrappedKey)
            .join(SealedBlob, SealedBlob.id == WrappedKey.blob_id)
            .where(WrappedKey.moderator_id == moderator.id, SealedBlob.kind == BlobKind.BUNDLE)
        )
        or 0
    )
