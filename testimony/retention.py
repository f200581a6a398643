"""Retention: what is kept, and for how long. Deletion is real: rows go, and after a purge the
job runner removes their bytes from the database files too (testimony/erasure.py).

* Declined and withdrawn submissions: the whole row and everything sealed to it go after
  RETENTION_CLOSED_DAYS (default 30) from the day they were decided.
* Published submissions: the sealed original, drafts, messages and notes go after
  RETENTION_ORIGINAL_DAYS (default 90) from publication. The published contribution stays;
  the submission row stays too, so its codename still shows "published", but it no longer
  holds anything the submitter wrote.

Each deletion is one statement whose condition names the statuses (from testimony/lifecycle.py),
so a submission whose status changes while the purge runs is judged as it is when it is deleted.
Nothing here commits: the job runner (testimony/jobs.py) does.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import delete, select

from testimony import lifecycle
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
    closed = (
        Submission.status.in_(sorted(lifecycle.CLOSED)),
        Submission.decided_on.is_not(None),
        Submission.decided_on <= closed_before,
    )
    # Blobs first, then the rows (wrapped keys and tags go by ON DELETE CASCADE).
    db.session.execute(
        delete(SealedBlob)
        .where(SealedBlob.submission_id.in_(select(Submission.id).where(*closed)))
        .execution_options(synchronize_session=False)
    )
    removed = db.session.execute(
        delete(Submission).where(*closed).execution_options(synchronize_session=False)
    )
    published = select(Submission.id).where(
        Submission.status == Status.PUBLISHED,
        Submission.decided_on.is_not(None),
        Submission.decided_on <= originals_before,
    )
    result = db.session.execute(
        delete(SealedBlob)
        .where(SealedBlob.submission_id.in_(published))
        .execution_options(synchronize_session=False)
    )
    return Purged(
        closed_submissions=int(getattr(removed, "rowcount", 0) or 0),
        published_originals=int(getattr(result, "rowcount", 0) or 0),
    )
