"""Theme pages keep each theme's ordered ids per process (testimony/web/page_cache.py): whatever is
cached, a theme page must show exactly what is public now."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from testimony import publishing, submissions
from testimony.db import db
from testimony.models import Contribution, Submission, utcnow
from tests.support.factories import make_digest, page


def count_on(html: str) -> int:
    found = re.search(r'Contributions <span class="count">(\d+)</span>', html)
    assert found, "no count on the theme page"
    return int(found.group(1))


def test_a_newly_published_digest_appears_on_a_theme_page_already_seen(
    app: Flask, client: FlaskClient
) -> None:
    make_digest(app, ["The first account of caseloads."], title="First")
    assert count_on(page(client, "/themes/workload")) == 1
    make_digest(app, ["A second account of caseloads."], title="Second")
    html = page(client, "/themes/workload")
    assert "second account" in html and count_on(html) == 2


def test_a_withdrawn_contribution_leaves_a_theme_page_already_seen(app: Flask, client: FlaskClient) -> None:
    _, (kept, gone) = make_digest(app, ["Words that stay.", "Words that go."])
    assert count_on(page(client, "/themes/workload")) == 2
    with app.app_context():
        contribution = db.session.scalar(select(Contribution).where(Contribution.public_id == gone))
        assert contribution is not None
        submission = db.session.get(Submission, contribution.submission_id)
        assert submission is not None
        submissions.withdraw(submission)
        db.session.commit()
    html = page(client, "/themes/workload")
    assert "Words that go" not in html and "Words that stay" in html and count_on(html) == 1
    assert kept in html


def test_a_digest_whose_time_comes_appears_on_a_theme_page_already_seen(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_digest(app, ["Words of today."], title="Today")
    make_digest(app, ["Words of tomorrow."], title="Tomorrow", when=utcnow() + dt.timedelta(hours=2))
    html = page(client, "/themes/workload")
    assert "Words of tomorrow" not in html and count_on(html) == 1
    later = utcnow() + dt.timedelta(hours=3)
    monkeypatch.setattr(publishing, "now", lambda: later)
    html = page(client, "/themes/workload")
    assert "Words of tomorrow" in html and count_on(html) == 2


def test_the_first_theme_page_lists_only_the_latest_digests(app: Flask, client: FlaskClient) -> None:
    start = utcnow() - dt.timedelta(days=30)
    for n in range(22):
        make_digest(app, [f"Entry {n}."], title=f"Digest number {n:02d}", when=start + dt.timedelta(days=n))
    html = page(client, "/themes/workload")
    listed = set(re.findall(r"Digest number (\d\d)", html))
    assert listed == {f"{n:02d}" for n in range(2, 22)}
    assert 'href="/archive"' in html and count_on(html) == 22
