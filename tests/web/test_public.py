"""The reading room: what is public and when, digest and contribution pages, themes, archive,
threaded responses and withdrawal."""

from __future__ import annotations

import datetime as dt
import re

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from testimony import publishing, submissions
from testimony.db import db
from testimony.models import Contribution, Digest, Status, Submission, utcnow
from tests.support.factories import add_digest, approved, make_digest, page

NOTE = "A contribution was withdrawn by its author."


def test_approved_contribution_is_public_only_after_its_digest_is_published(
    app: Flask, client: FlaskClient
) -> None:
    slug, (pid,) = make_digest(app, ["The duty rota has had three names on it for a month."], publish=False)
    assert "three names" not in page(client, "/")
    page(client, f"/d/{slug}", 404)
    page(client, f"/c/{pid}", 404)
    assert "three names" not in page(client, "/themes/workload")
    with app.app_context():
        digest = db.session.scalar(select(Digest).where(Digest.slug == slug))
        publishing.publish(digest, utcnow())
        db.session.commit()
        submission = db.session.scalar(select(Submission))
        assert submission.status == Status.PUBLISHED
    assert "three names" in page(client, f"/d/{slug}")
    assert "three names" in page(client, f"/c/{pid}")
    home = page(client, "/")
    assert "Caseloads at breaking point" in home and "<em>emphasis</em>" in home
    assert "three names" in page(client, "/themes/workload")


def test_digest_published_in_the_future_is_not_public(app: Flask, client: FlaskClient) -> None:
    slug, (pid,) = make_digest(app, ["Tomorrow's words."], when=utcnow() + dt.timedelta(hours=2))
    page(client, f"/d/{slug}", 404)
    page(client, f"/c/{pid}", 404)
    assert "Tomorrow" not in page(client, "/")


def test_digest_page_has_anchors_permalinks_themes_and_respond_links(app: Flask, client: FlaskClient) -> None:
    slug, pids = make_digest(
        app, ["First voice.", "Second voice.\n\nWith a second paragraph <b>and markup</b>."]
    )
    html = page(client, f"/d/{slug}")
    for pid in pids:
        assert f'id="c-{pid}"' in html
        assert f'href="/c/{pid}"' in html
        assert f'href="/submit?in_reply_to={pid}"' in html
    assert html.index("First voice") < html.index("Second voice")
    assert "&lt;b&gt;and markup&lt;/b&gt;" in html and "<b>and markup" not in html
    assert 'href="/themes/workload"' in html
    assert 'type="application/atom+xml"' in html
    assert " style=" not in html and "<script" not in html


def test_permalink_page_links_back_and_offers_a_response(app: Flask, client: FlaskClient) -> None:
    slug, (pid,) = make_digest(app, ["A single clear account of the week."])
    html = page(client, f"/c/{pid}")
    assert "A single clear account of the week." in html
    assert f'href="/d/{slug}#c-{pid}"' in html
    assert f"/submit?in_reply_to={pid}" in html
    page(client, "/c/doesnotexist", 404)


def test_responses_appear_threaded_once_published(app: Flask, client: FlaskClient) -> None:
    slug, (pid,) = make_digest(app, ["The original point about sickness absence."])
    with app.app_context():
        parent = db.session.scalar(select(Contribution).where(Contribution.public_id == pid))
        reply = approved("A reply: same in our office.", in_reply_to=parent)
        later = add_digest("Replies and follow-ups", [reply])
        db.session.commit()
        later_id, reply_pid = later.id, reply.public_id
    assert "same in our office" not in page(client, f"/d/{slug}")
    assert "same in our office" not in page(client, f"/c/{pid}")
    with app.app_context():
        publishing.publish(db.session.get(Digest, later_id), utcnow())
        db.session.commit()
    html = page(client, f"/d/{slug}")
    assert "same in our office" in html and "1 response" in html
    assert f'id="c-{reply_pid}"' in html
    assert "same in our office" in page(client, f"/c/{pid}")
    reply_page = page(client, f"/c/{reply_pid}")
    assert "In reply to" in reply_page and f"/c/{pid}" in reply_page
    assert client.get(f"/api/v1/contributions/{reply_pid}").get_json()["data"]["in_reply_to"] == pid


def test_withdrawn_contribution_vanishes_and_leaves_a_note(app: Flask, client: FlaskClient) -> None:
    slug, (kept, gone) = make_digest(app, ["Kept words about the rota.", "Regrettable zebra sentence."])
    assert "zebra" in page(client, f"/d/{slug}")
    with app.app_context():
        contribution = db.session.scalar(select(Contribution).where(Contribution.public_id == gone))
        submission = db.session.get(Submission, contribution.submission_id)
        submissions.withdraw(submission)  # the submitter's own withdrawal path
        db.session.commit()  # the caller owns the transaction (testimony/lifecycle.py)
    html = page(client, f"/d/{slug}")
    assert "zebra" not in html and NOTE in html and "Kept words" in html
    assert page(client, f"/c/{kept}").count("Kept words") >= 1
    gone_page = page(client, f"/c/{gone}", 410)
    assert NOTE in gone_page and "zebra" not in gone_page
    for path in [
        "/",
        "/themes/workload",
        "/search?q=zebra",
        "/feed.atom",
        "/themes/workload/feed.atom",
        f"/api/v1/digests/{slug}",
        "/api/v1/contributions",
        "/api/v1/contributions?q=zebra",
        "/archive",
        "/trends",
    ]:
        assert "Regrettable" not in client.get(path).get_data(as_text=True), path
    assert "Nothing found" in page(client, "/search?q=zebra")
    assert client.get(f"/api/v1/contributions/{gone}").status_code == 410


def test_theme_pages_list_and_paginate(app: Flask, client: FlaskClient) -> None:
    make_digest(app, [f"Workload item number {n:02d}." for n in range(25)], title="Twenty five")
    make_digest(app, ["About pay only."], title="Pay", themes=("pay-retention",))
    html = page(client, "/themes/workload")
    assert "Digests and contributions filed under Workload and caseloads" in html
    assert "Twenty five" in html and "About pay only" not in html
    first = set(re.findall(r"Workload item number (\d\d)", html))
    assert len(first) == 20 and 'rel="next"' in html
    second_html = page(client, "/themes/workload?page=2")
    second = set(re.findall(r"Workload item number (\d\d)", second_html))
    assert len(second) == 5 and not first & second
    assert 'rel="prev"' in second_html
    page(client, "/themes/no-such-theme", 404)
    themes = page(client, "/themes")
    assert 'href="/themes/workload"' in themes and 'href="/feeds#theme-workload"' in themes


def test_archive_groups_digests_by_month(app: Flask, client: FlaskClient) -> None:
    make_digest(app, ["Spring words."], title="Spring edition", when=dt.datetime(2025, 4, 10, 12))
    make_digest(app, ["Autumn words."], title="Autumn edition", when=dt.datetime(2025, 10, 3, 12))
    html = page(client, "/archive")
    assert 'href="/archive/2025/4"' in html and 'href="/archive/2025/10"' in html
    april = page(client, "/archive/2025/4")
    assert "Spring edition" in april and "Autumn edition" not in april
    page(client, "/archive/2025/5", 404)
    page(client, "/archive/2025/13", 404)


def test_junk_in_addresses_is_simply_not_found(app: Flask, client: FlaskClient) -> None:
    for path in ["/d/a%00b", "/c/a%00b", "/themes/a%00b", "/themes/a%00b/feed.atom", "/d/" + "x" * 5000]:
        assert client.get(path).status_code == 404, path
    assert client.get("/search?q=a%00b&theme=x%00y").status_code == 200


def test_public_pages_may_be_cached_and_keep_the_policy(app: Flask, client: FlaskClient) -> None:
    slug, _ = make_digest(app, ["Cache me."])
    response = client.get(f"/d/{slug}")
    assert "no-store" not in response.headers.get("Cache-Control", "")
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]


def test_trends_page_draws_svg_and_table(app: Flask, client: FlaskClient) -> None:
    make_digest(app, ["One.", "Two.", "Three."], themes=("workload", "wellbeing"))
    html = page(client, "/trends")
    assert "<svg" in html and 'role="img"' in html
    assert "<table" in html and "Workload" in html
    row = re.search(r'<a href="/themes/workload">Workload and caseloads</a></th>(.*?)</tr>', html, re.S)
    assert row and re.findall(r'<td class="num">(\d+)</td>', row.group(1))[-1] == "3"
    svg = client.get("/trends.svg")
    assert svg.mimetype == "image/svg+xml" and b"<script" not in svg.data
    assert b"Workload and caseloads, " in svg.data


def test_each_trends_chart_is_labelled_by_its_own_title_and_description(
    app: Flask, client: FlaskClient
) -> None:
    # Two charts share the page (wide and narrow): every aria-labelledby must name ids that exist
    # exactly once, or a screen reader announces neither chart.
    make_digest(app, ["One."], themes=("workload",))
    html = page(client, "/trends")
    ids = re.findall(r'\sid="([^"]+)"', html)
    assert len(ids) == len(set(ids))
    references = re.findall(r'aria-labelledby="([^"]+)"', html)
    charts = [r for r in references if r.endswith("-desc")]
    assert len(charts) == 2
    for reference in charts:
        for ident in reference.split():
            assert ident in ids
