"""Theme tags on unpublished submissions, stored as HMACs.

The queue must filter by theme, but what unpublished testimony is about is itself sensitive. A
tag is HMAC-SHA256(theme slug) under a key derived from the instance secret, which is kept out of
the database: a stolen database alone shows only opaque tags.
"""

from __future__ import annotations

import hashlib
import hmac

from flask import current_app
from sqlalchemy import delete

from testimony.db import db
from testimony.models import Submission, SubmissionTag


def tag_for(slug: str) -> str:
    key = hashlib.sha256(b"testimony theme tags v1|" + current_app.config["SECRET_KEY"].encode()).digest()
    return hmac.new(key, slug.encode("utf-8"), hashlib.sha256).hexdigest()


def set_tags(submission: Submission, slugs: list[str]) -> None:
    db.session.execute(delete(SubmissionTag).where(SubmissionTag.submission_id == submission.id))
    for slug in sorted(set(slugs)):
        db.session.add(SubmissionTag(submission_id=submission.id, tag=tag_for(slug)))
