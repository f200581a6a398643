"""Publishing digests: the rule, scheduling (at the right time and not before), the
`flask digests publish-due` command, and the editors' desk end to end."""

from __future__ import annotations

import datetime as dt
import re

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from testimony import publishing
from testimony.db import db
from testimony.models import AuditEvent, Contribution, Digest, DigestKind, Status, Submission, utcnow
from tests.support.desk import login_as, post_form
from tests.support.factories import add_digest, approved, make_digest
from tests.support.helpers import token_in

T0 = dt.datetime(2026, 3, 2, 9, 0)


def scheduled(app: Flask, when: dt.datetime, text: str = "Scheduled words.") -> int:
    with app.app_context():
        digest = add_digest("Scheduled", [approved(text)])
        publishing.schedule(digest, when)
        db.session.commit()
        return digest.id


def test_publish_due_publishes_at_the_right_time_and_not_before(app: Flask, client: FlaskClient) -> None:
    digest_id = scheduled(app, T0)
    with app.app_context():
        published, skipped = publishing.publish_due(T0 - dt.timedelta(seconds=1))
        assert published == [] and skipped == []
        digest = db.session.get(Digest, digest_id)
        assert digest.published_at is None
        assert db.session.scalar(select(Submission.status)) == Status.APPROVED
        published, _ = publishing.publish_due(T0)
        assert [d.id for d in published] == [digest_id]
        assert db.session.get(Digest, digest_id).published_at == T0
        assert db.session.scalar(select(Submission.status)) == Status.PUBLISHED
        again, _ = publishing.publish_due(T0 + dt.timedelta(hours=1))
        assert again == []


def test_scheduled_digest_is_invisible_until_published(app: Flask, client: FlaskClient) -> None:
    scheduled(app, utcnow() + dt.timedelta(minutes=5), "Not yet visible.")
    assert "Not yet visible" not in client.get("/themes/workload").get_data(as_text=True)
    assert client.get("/api/v1/contributions").get_json()["data"] == []


def test_publish_due_command(app: Flask, runner) -> None:
    past = scheduled(app, utcnow() - dt.timedelta(minutes=1), "Due now.")
    future = scheduled(app, utcnow() + dt.timedelta(days=1), "Due tomorrow.")
    result = runner.invoke(args=["digests", "publish-due"])
    assert result.exit_code == 0, result.output
    assert "Published" in result.output
    with app.app_context():
        assert db.session.get(Digest, past).published_at is not None
        assert db.session.get(Digest, future).published_at is None
        events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "digest_published")).all()
        assert [e.actor for e in events] == ["scheduler"]
    assert "Nothing is due." in runner.invoke(args=["digests", "publish-due"]).output


def test_scheduled_digest_that_lost_all_contributions_goes_back_to_drafts(app: Flask) -> None:
    digest_id = scheduled(app, T0)
    with app.app_context():
        for c in db.session.scalars(select(Contribution)):
            c.withdrawn, c.text = True, ""
        db.session.commit()
        published, skipped = publishing.publish_due(T0)
        assert published == [] and len(skipped) == 1
        digest = db.session.get(Digest, digest_id)
        assert digest.published_at is None and digest.scheduled_for is None


def test_publish_refuses_empty_or_published_digests(app: Flask) -> None:
    with app.app_context():
        empty = add_digest("Empty", [])
        try:
            publishing.publish(empty, T0)
            raise AssertionError("published an empty digest")
        except publishing.PublishError:
            pass
        full = add_digest("Full", [approved("x")])
        publishing.publish(full, T0)
        try:
            publishing.publish(full, T0)
            raise AssertionError("published twice")
        except publishing.PublishError:
            pass


# ---- the editors' desk -----------------------------------------------------------------------


def ids_in_order(html: str) -> list[str]:
    return re.findall(r'name="position-([0-9a-f]+)"', html)


def version_on(html: str) -> str:
    """The digest version the page's publish and schedule forms carry (what the editor saw)."""
    match = re.search(r'name="version" value="(\d+)"', html)
    assert match, "no digest version on the page"
    return match.group(1)


def test_editor_composes_orders_previews_and_publishes(app: Flask, client: FlaskClient) -> None:
    with app.app_context():
        a = approved("Alpha account of the caseload.", ("workload",)).public_id
        b = approved("Bravo account of pay.", ("pay-retention",)).public_id
        c = approved("Charlie account of the caseload too.", ("workload",)).public_id
        db.session.commit()
    login_as(app, client, "editor", "ed")
    assert client.get("/desk/digests/").status_code == 200
    code, page = post_form(
        client,
        "/desk/digests/new",
        title="Spring omnibus",
        intro="Hello <script>x()</script> *all*",
        theme="workload",
    )
    assert code == 302, page
    with app.app_context():
        digest = db.session.scalar(select(Digest))
        digest_id, slug = digest.id, digest.slug
    edit = f"/desk/digests/{digest_id}"
    html = client.get(edit).get_data(as_text=True)
    suggested = html[html.index("Suggested") : html.index("Other approved")]
    assert a in suggested and c in suggested and b not in suggested
    assert b in client.get(f"{edit}?theme=pay-retention").get_data(as_text=True)
    assert a not in client.get(f"{edit}?theme=pay-retention").get_data(as_text=True)

    token = token_in(html)
    response = client.post(f"{edit}/add", data={"csrf_token": token, "contribution": [a, b, c]})
    assert response.status_code == 302
    html = client.get(edit).get_data(as_text=True)
    assert ids_in_order(html) == [a, b, c]
    client.post(f"{edit}/order", data={"csrf_token": token, "up": c})
    assert ids_in_order(client.get(edit).get_data(as_text=True)) == [a, c, b]
    client.post(
        f"{edit}/order",
        data={"csrf_token": token, f"position-{a}": "3", f"position-{c}": "1", f"position-{b}": "2"},
    )
    assert ids_in_order(client.get(edit).get_data(as_text=True)) == [c, b, a]
    client.post(f"{edit}/order", data={"csrf_token": token, "remove": b})
    assert ids_in_order(client.get(edit).get_data(as_text=True)) == [c, a]

    # Not public yet; the preview shows it exactly as the public page will.
    assert client.get(f"/d/{slug}").status_code == 404
    preview = client.get(f"{edit}/preview").get_data(as_text=True)
    assert "Preview." in preview and "Charlie account" in preview and "Bravo" not in preview
    assert "<script>" not in preview and "<em>all</em>" in preview
    assert preview.index("Charlie") < preview.index("Alpha")
    assert "no-store" in client.get(f"{edit}/preview").headers["Cache-Control"]

    seen = version_on(client.get(edit).get_data(as_text=True))
    # "Publish now" asks first; only the confirmation publishes.
    asked = client.post(f"{edit}/publish", data={"csrf_token": token, "version": seen})
    assert asked.status_code == 200 and "Yes, publish now" in asked.get_data(as_text=True)
    assert client.get(f"/d/{slug}").status_code == 404
    response = client.post(f"{edit}/publish", data={"csrf_token": token, "version": seen, "confirm": "yes"})
    assert response.status_code == 302
    public = client.get(f"/d/{slug}").get_data(as_text=True)
    assert public.index("Charlie") < public.index("Alpha") and "Bravo" not in public
    # Published digests are not changed from the desk.
    assert client.post(f"{edit}/order", data={"csrf_token": token, "remove": a}).status_code == 400
    assert client.post(f"{edit}/delete", data={"csrf_token": token}).status_code == 400
    with app.app_context():
        actions = list(db.session.scalars(select(AuditEvent.action).where(AuditEvent.actor == "ed")))
        for action in [
            "digest_created",
            "digest_contributions_added",
            "digest_reordered",
            "digest_contribution_removed",
            "digest_published",
        ]:
            assert action in actions
        bravo = db.session.scalar(select(Contribution).where(Contribution.public_id == b))
        assert bravo.digest_id is None  # back in the pool


def test_editor_schedules_and_unschedules(app: Flask, client: FlaskClient) -> None:
    with app.app_context():
        digest = add_digest("Later", [approved("Words for later.")])
        db.session.commit()
        digest_id = digest.id
    login_as(app, client, "editor", "ed")
    edit = f"/desk/digests/{digest_id}"
    page = client.get(edit).get_data(as_text=True)
    token = token_in(page)
    past = client.post(f"{edit}/schedule", data={"csrf_token": token, "when": "2020-01-01T09:00"})
    assert past.status_code == 400 and "future" in past.get_data(as_text=True)
    assert client.post(f"{edit}/schedule", data={"csrf_token": token, "when": "nonsense"}).status_code == 400
    # 1 July is in British Summer Time: 09:00 in London is 08:00 UTC.
    year = utcnow().year + 1
    assert (
        client.post(
            f"{edit}/schedule",
            data={"csrf_token": token, "when": f"{year}-07-01T09:00", "version": version_on(page)},
        ).status_code
        == 302
    )
    with app.app_context():
        assert db.session.get(Digest, digest_id).scheduled_for == dt.datetime(year, 7, 1, 8, 0)
        assert publishing.publish_due(dt.datetime(year, 7, 1, 7, 59))[0] == []
    assert "Scheduled" in client.get("/desk/digests/").get_data(as_text=True)
    client.post(f"{edit}/unschedule", data={"csrf_token": token})
    with app.app_context():
        assert db.session.get(Digest, digest_id).scheduled_for is None
        assert publishing.publish_due(dt.datetime(year, 7, 2))[0] == []


def test_single_post_and_delete_draft(app: Flask, client: FlaskClient) -> None:
    with app.app_context():
        one = approved("One to post on its own.").public_id
        two = approved("Another.").public_id
        db.session.commit()
    login_as(app, client, "admin", "boss")  # admins hold every role
    page = client.get("/desk/digests/new").get_data(as_text=True)
    token = token_in(page)
    response = client.post("/desk/digests/single", data={"csrf_token": token, "single": one})
    assert response.status_code == 302
    with app.app_context():
        digest = db.session.scalar(select(Digest))
        assert digest.kind == DigestKind.SINGLE and [c.public_id for c in digest.contributions] == [one]
        digest_id = digest.id
    refused = client.post(f"/desk/digests/{digest_id}/add", data={"csrf_token": token, "contribution": two})
    assert refused.status_code == 400 and "exactly one" in refused.get_data(as_text=True)
    again = client.post("/desk/digests/single", data={"csrf_token": token, "single": one})
    assert again.status_code == 302  # already taken: nothing new is made
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(Digest)) == 1
    assert client.post(f"/desk/digests/{digest_id}/delete", data={"csrf_token": token}).status_code == 302
    with app.app_context():
        assert db.session.get(Digest, digest_id) is None
        assert db.session.scalar(select(Contribution).where(Contribution.public_id == one)).digest_id is None


def test_withdrawn_and_taken_contributions_cannot_be_added(app: Flask, client: FlaskClient) -> None:
    slug, (taken,) = make_digest(app, ["Already published elsewhere."])
    with app.app_context():
        gone = approved("Withdrawn before use.")
        gone.withdrawn, gone.text = True, ""
        digest = add_digest("Target", [])
        db.session.commit()
        gone_id, digest_id = gone.public_id, digest.id
    login_as(app, client, "editor", "ed")
    page = client.get(f"/desk/digests/{digest_id}").get_data(as_text=True)
    assert gone_id not in page and taken not in page
    token = token_in(page)
    client.post(
        f"/desk/digests/{digest_id}/add", data={"csrf_token": token, "contribution": [gone_id, taken]}
    )
    with app.app_context():
        assert db.session.get(Digest, digest_id).contributions == []
    assert slug


def test_moderators_cannot_use_the_editors_desk(app: Flask, client: FlaskClient) -> None:
    login_as(app, client, "moderator", "mod")
    assert client.get("/desk/digests/").status_code == 403
    assert client.get("/desk/digests/new").status_code == 403


def test_the_job_runner_publishes_due_digests_with_an_audit_record(app: Flask) -> None:
    from testimony import jobs

    digest_id = scheduled(app, utcnow() - dt.timedelta(minutes=1))
    with app.app_context():
        report = jobs.run_once(utcnow())
        assert report.published == 1
        assert db.session.get(Digest, digest_id).published_at is not None
        actors = db.session.scalars(
            select(AuditEvent.actor).where(AuditEvent.action == "digest_published")
        ).all()
        assert actors == ["scheduler"]
