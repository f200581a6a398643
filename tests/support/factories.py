"""Rows the tests start from: approved contributions and digests made through the domain modules,
without the desk's pages (those have tests of their own)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from flask import Flask
from flask.testing import FlaskClient

from testimony import approved as approved_wording
from testimony import digests, publishing
from testimony.db import db
from testimony.models import Contribution, Digest, DigestKind, Status, Submission, utcnow


def add_contribution(
    text: str, themes: Sequence[str] = (), *, in_reply_to: Contribution | None = None
) -> Contribution:
    """An approved contribution in no digest, with no submission behind it."""
    return approved_wording.new_contribution(
        text, themes, in_reply_to=in_reply_to.public_id if in_reply_to else None
    )


def add_digest(
    title: str,
    contributions: Sequence[Contribution],
    *,
    intro: str = "",
    themes: Sequence[str] = (),
    kind: DigestKind = DigestKind.DIGEST,
) -> Digest:
    return digests.create_draft(
        title, contributions, intro=intro, themes=themes, kind=kind, created_by="tests"
    )


def approved(text: str, themes: tuple[str, ...] = ("workload",), **kw) -> Contribution:  # type: ignore[no-untyped-def]
    """An approved contribution with a real submission row behind it."""
    submission = Submission(submitter_public_key=b"\x01" * 32, status=Status.APPROVED)
    db.session.add(submission)
    db.session.flush()
    contribution = add_contribution(text, themes, **kw)
    contribution.submission_id = submission.id
    db.session.flush()
    return contribution


def make_digest(
    app: Flask,
    texts: list[str],
    *,
    title: str = "Caseloads at breaking point",
    publish: bool = True,
    when: dt.datetime | None = None,
    themes: Sequence[str] = ("workload",),
    intro: str = "An introduction with *emphasis*.",
) -> tuple[str, list[str]]:
    """A digest of approved contributions, published a minute ago unless `publish` is False."""
    with app.app_context():
        items = [approved(t, tuple(themes)) for t in texts]
        digest = add_digest(title, items, intro=intro, themes=themes)
        if publish:
            publishing.publish(digest, when or utcnow() - dt.timedelta(minutes=1))
        db.session.commit()
        return digest.slug, [c.public_id for c in items]


def page(client: FlaskClient, path: str, status: int = 200) -> str:
    response = client.get(path)
    assert response.status_code == status, (path, response.status_code)
    return response.get_data(as_text=True)
