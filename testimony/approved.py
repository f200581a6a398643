"""Approved text waits for its digest encrypted, and becomes plain text only when published.

A moderator's approval turns a sealed submission into a contribution: the checked, redacted
wording an editor will place in a digest. Until that digest is published the wording is still
unpublished testimony, so it is kept as AES-256-GCM ciphertext under the instance's publication
key (instance/keys.json), never in the `contributions.text` column. A copy of the database, a
`pg_dump` or a backup therefore holds no unpublished words.

Why a key the server holds, rather than the moderators' keys that seal submissions: scheduled
digests publish themselves (`flask jobs run-once`, the RQ worker) when no person is logged in, so
the server must be able to open the text at that time. This protects against a leaked database
or backup, not against someone who controls the running server (docs/THREAT_MODEL.md).

`publishing.publish` is the one place text is revealed; withdrawal forgets both forms.
"""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select

from testimony import crypto, instance_keys
from testimony.db import db
from testimony.models import Contribution, Digest, new_public_id


def _aad(contribution: Contribution) -> bytes:
    # Bound to the contribution's public id: ciphertext moved to another row does not open.
    return f"testimony/approved/{contribution.public_id}".encode()


def seal(contribution: Contribution, text: str) -> None:
    """Keep `text` as the contribution's wording, encrypted until publication."""
    if not contribution.public_id:
        contribution.public_id = new_public_id()
    key = instance_keys.publication_key(current_app)
    contribution.sealed_text = crypto.encrypt(key, text.encode("utf-8"), _aad(contribution))
    contribution.text = ""


def text_of(contribution: Contribution) -> str:
    """The wording, whether published (plain) or still waiting (sealed); "" once withdrawn."""
    if contribution.sealed_text is None:
        return contribution.text
    key = instance_keys.publication_key(current_app)
    return crypto.decrypt(key, contribution.sealed_text, _aad(contribution)).decode("utf-8")


def reveal(contribution: Contribution) -> None:
    """Publication: the wording becomes plain text and the sealed copy is dropped."""
    if contribution.sealed_text is not None:
        contribution.text = text_of(contribution)
        contribution.sealed_text = None


def forget(contribution: Contribution) -> None:
    """Withdrawal: neither form of the wording is kept."""
    contribution.text = ""
    contribution.sealed_text = None


def seal_leftovers() -> int:
    """Seal the plain text of unpublished contributions written before this module existed.
    Commits, and returns how many were sealed."""
    published = (
        select(Contribution.id)
        .join(Digest, Contribution.digest_id == Digest.id)
        .where(Digest.published_at.is_not(None))
    )
    waiting = db.session.scalars(
        select(Contribution).where(
            Contribution.text != "",
            Contribution.sealed_text.is_(None),
            Contribution.withdrawn.is_(False),
            Contribution.id.not_in(published),
        )
    ).all()
    for contribution in waiting:
        seal(contribution, contribution.text)
    db.session.commit()
    return len(waiting)
