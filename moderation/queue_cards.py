"""What the queue shows of each item, so a moderator can choose what to open next.

For one page of the queue (at most 50 items) this opens, as the logged-in moderator, the latest
redacted draft of each item (a moderator's saved draft, else the redactor's) and shows its first
lines and themes. Nothing is opened for items the moderator holds no key for, and never the
original: the excerpt is the redacted text. Also, from columns the database holds in the clear
anyway: the item's age, who holds it, whether the last message came from the source, and
whether the service targets (acknowledge within N days, decide within M days) are missed.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, func, select

from testimony import approved, crypto, lifecycle, sealing
from testimony.db import db
from testimony.models import (
    Author,
    BlobKind,
    Recipient,
    SealedBlob,
    Status,
    Submission,
    WrappedKey,
)

EXCERPT_CHARS = 280


@dataclass(frozen=True)
class Targets:
    """Service targets in days from receipt; 0 turns one off."""

    acknowledge_days: int = 0
    decide_days: int = 0


@dataclass
class Card:
    item: Submission
    age_days: int
    # The first lines of the redacted draft; None when this moderator cannot open the item.
    excerpt: str | None = None
    cut: bool = False
    themes: list[str] = field(default_factory=list)  # theme slugs
    themes_suggested: bool = False  # the redactor's suggestions: no moderator has saved any yet
    source_replied: bool = False
    # Nothing sealed is left (withdrawn, or retention removed a published item's original).
    nothing_sealed: bool = False
    holder: str | None = None
    overdue: list[str] = field(default_factory=list)
    # Filled by the source-approval work (issue 15, "The source", item 2): an approved item
    # waiting for its source to accept the final wording.
    waiting_for_source_ok: bool = False


def excerpt_of(text: str, limit: int = EXCERPT_CHARS) -> tuple[str, bool]:
    """The first `limit` characters of `text`, cut at a space, on one line; and whether cut."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat, False
    cut = flat[:limit].rsplit(" ", 1)[0]
    return cut, True


def overdue(status: str, age_days: int, targets: Targets) -> list[str]:
    found = []
    if targets.acknowledge_days and status == Status.RECEIVED and age_days > targets.acknowledge_days:
        found.append(f"Not acknowledged within {targets.acknowledge_days} days")
    if targets.decide_days and status in lifecycle.OPEN and age_days > targets.decide_days:
        found.append(f"Not decided within {targets.decide_days} days")
    return found


def cards(
    items: Sequence[Submission],
    *,
    moderator_id: int,
    private_key: bytes,
    today: dt.date,
    now: dt.datetime,
    targets: Targets,
) -> list[Card]:
    """One card per item, in the same order. Reads the page's drafts and keys in three queries."""
    by_id = {s.id: s for s in items}
    result = [
        Card(
            item=s,
            age_days=(today - s.received_on).days,
            holder=s.claimed_by.name
            if s.claimed_by and s.claimed_until is not None and s.claimed_until > now
            else None,
            overdue=overdue(s.status, (today - s.received_on).days, targets),
        )
        for s in items
    ]
    if not by_id:
        return result
    texts, sealed = _latest_texts(by_id, moderator_id, private_key)
    replied = _source_replied(list(by_id))
    waiting = approved.awaiting_source(by_id)
    for card in result:
        card.source_replied = card.item.id in replied and card.item.status != Status.WITHDRAWN
        card.waiting_for_source_ok = card.item.id in waiting
        card.nothing_sealed = card.item.id not in sealed
        opened = texts.get(card.item.id)
        if opened is None:
            continue
        card.excerpt, card.cut = excerpt_of(opened["text"])
        card.themes, card.themes_suggested = opened["themes"], opened["suggested"]
    return result


def _latest_texts(
    by_id: dict[int, Submission], moderator_id: int, private_key: bytes
) -> tuple[dict[int, dict[str, Any]], set[int]]:
    """The latest draft of each item opened for this moderator, and which items have any."""
    ids = list(by_id)
    latest = (
        select(SealedBlob.submission_id, func.max(SealedBlob.seq).label("seq"))
        .where(SealedBlob.submission_id.in_(ids), SealedBlob.kind == BlobKind.DRAFT)
        .group_by(SealedBlob.submission_id)
        .subquery()
    )
    drafts = list(
        db.session.scalars(
            select(SealedBlob).join(
                latest,
                and_(
                    SealedBlob.submission_id == latest.c.submission_id,
                    SealedBlob.seq == latest.c.seq,
                    SealedBlob.kind == BlobKind.DRAFT,
                ),
            )
        )
    )
    drafted = {b.submission_id for b in drafts}
    bundles = list(
        db.session.scalars(
            select(SealedBlob).where(
                SealedBlob.submission_id.in_([i for i in ids if i not in drafted]),
                SealedBlob.kind == BlobKind.BUNDLE,
            )
        )
    )
    blobs = drafts + bundles
    keys = {
        k.blob_id: k.wrapped
        for k in db.session.scalars(
            select(WrappedKey).where(
                WrappedKey.blob_id.in_([b.id for b in blobs]),
                WrappedKey.recipient == Recipient.MODERATOR,
                WrappedKey.moderator_id == moderator_id,
            )
        )
    }
    opened: dict[int, dict[str, Any]] = {}
    for blob in blobs:
        wrapped = keys.get(blob.id)
        if wrapped is None:
            continue  # no key for this moderator (before a grant): nothing shown
        submission = by_id[blob.submission_id]
        try:
            data_key = crypto.unwrap(private_key, wrapped, sealing.key_aad(submission))
            payload = json.loads(
                crypto.decrypt(data_key, blob.ciphertext, sealing.blob_aad(submission, blob))
            )
        except crypto.CryptoError:
            continue
        if blob.kind == BlobKind.DRAFT:
            opened[blob.submission_id] = {
                "text": payload["draft"],
                "themes": list(payload.get("themes", [])),
                "suggested": False,
            }
        else:
            redaction = payload["redaction"]
            opened[blob.submission_id] = {
                "text": redaction["redacted"],
                "themes": list(redaction.get("themes", [])),
                "suggested": True,
            }
    return opened, {b.submission_id for b in blobs}


def _source_replied(ids: list[int]) -> set[int]:
    """Items whose latest message came from the source (messages are ordered by seq)."""
    rows = db.session.execute(
        select(SealedBlob.submission_id, SealedBlob.seq, SealedBlob.author).where(
            SealedBlob.submission_id.in_(ids), SealedBlob.kind == BlobKind.MESSAGE
        )
    ).all()
    last: dict[int, tuple[int, str]] = {}
    for submission_id, seq, author in rows:
        if submission_id not in last or seq > last[submission_id][0]:
            last[submission_id] = (seq, author)
    return {i for i, (_seq, author) in last.items() if author == Author.SUBMITTER}
