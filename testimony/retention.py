"""Retention: what is kept, and for how long. Deletion is real: rows go, and after a purge the
job runner removes their bytes from the database files too (testimony/erasure.py).

* Declined and withdrawn submissions: the whole row and everything sealed to it go after
  RETENTION_CLOSED_DAYS (default 30) from the day they were decided.
* Published submissions: the sealed original, drafts, messages and notes go after
  RETENTION_ORIGINAL_DAYS (default 90) from publication. The published contribution stays;
  the submission row stays too, so its codename still shows "published", but it no longer
  holds anything the submitter wrote.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import delete, select

from testimony.db import db
from testimony.models import SealedBlob, Status, Submission


@dataclass(frozen=True)
class Purged:
    closed_submissions: int
    published_originals: int


def purge(today: dt.date) -> Purged:
    cfg = current_app.config
    closed_before = today - dt.timedelta(days=int(cfg["RETENTION_CLOSED_DAYS"]))
    originals_before = today - dt.timedelta(days=int(cfg["RETENTION_ORIGINAL_DAYS"]))
    closed = list(
        db.session.scalars(
            select(Submission.id).where(
                Submission.status.in_([Status.DECLINED, Status.WITHDRAWN]),
                Submission.decided_on.is_not(None),
                Submission.decided_on <= closed_before,
            )
        )
    )
    if closed:
        # Blobs and wrapped keys go by ON DELETE CASCADE; tags likewise.
        db.session.execute(delete(SealedBlob).where(SealedBlob.submission_id.in_(closed)))
        db.session.execute(delete(Submission).where(Submission.id.in_(closed)))
    published = select(Submission.id).where(
        Submission.status == Status.PUBLISHED,
        Submission.decided_on.is_not(None),
        Submission.decided_on <= originals_before,
    )
    result = db.session.execute(delete(SealedBlob).where(SealedBlob.submission_id.in_(published)))
    db.session.commit()
    return Purged(
        closed_submissions=len(closed), published_originals=int(getattr(result, "rowcount", 0) or 0)
    )
