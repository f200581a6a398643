"""Races between the desk, the submitter and the editors, forced into one order each time.

Each test makes one interleaving happen on purpose and checks that exactly one side wins and
that the other is told the truth:

- on SQLite (and PostgreSQL), with a hook: a function the request calls between reading the item
  and writing it is wrapped so that the other party's request runs, and commits, right there;
- on PostgreSQL, with a lock: a second connection holds the row lock that `audit.record()` waits
  for, so a desk request stops half-way while the other party's request runs, then the lock goes.

The other party's request always runs in its own thread: a request started inside another one, in
the same thread, would share its application context and so its database session.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import Connection

from moderation import item_state
from moderation.views import digests as desk_digests
from testimony import submissions
from testimony.db import db
from testimony.models import Contribution, Digest, SealedBlob, Status, Submission
from tests.support.desk import login_as, post_form
from tests.support.helpers import send_and_get_codename, status_post, token_in

TEXT = "The night rota at the approved premises in Leeds has had one member of staff since spring."
MARK = "premises"  # a word of TEXT the redactor keeps
OTHER = "Handover notes on the wing are written on the back of old rotas and thrown away."
TAKEN_DOWN = "taken down"
WITHDRAWN_AND_DELETED = "has been deleted from our database"
WAIT = 30.0  # seconds: how long a step may take before the test gives up (never reached when it works)


# ---- small helpers ---------------------------------------------------------------------------


def version_in(page: str, action: str = "") -> str | None:
    """The version a form carries (the form whose action ends with `action`, if given)."""
    if action:
        form = re.search(rf'<form[^>]*action="[^"]*/{action}"[^>]*>(.*?)</form>', page, re.S)
        page = form.group(1) if form else ""
    match = re.search(r'name="version" value="(\d+)"', page)
    return match.group(1) if match else None


class Background:
    """A callable run in its own thread, its answer or exception kept."""

    def __init__(self, work: Callable[[], Any]) -> None:
        self.result: Any = None
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, args=(work,), daemon=True)
        self.thread.start()

    def _run(self, work: Callable[[], Any]) -> None:
        try:
            self.result = work()
        except BaseException as exc:  # noqa: BLE001 - handed back to the test
            self.error = exc

    @property
    def done(self) -> bool:
        return not self.thread.is_alive()

    def join(self) -> Any:
        self.thread.join(WAIT)
        assert not self.thread.is_alive(), "a request did not finish"
        if self.error is not None:
            raise self.error
        return self.result


def run_elsewhere(work: Callable[[], Any]) -> Any:
    """Run `work` in another thread (so with its own session) and wait for it."""
    return Background(work).join()


def once(monkeypatch: pytest.MonkeyPatch, owner: Any, name: str, meanwhile: Callable[[], None]) -> list[bool]:
    """Wrap `owner.name` so that the first call after arming runs `meanwhile` (elsewhere) right
    after the original has read what it reads. Returns the arming flag: set [True] to arm."""
    original = getattr(owner, name)
    armed = [False]

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        result = original(*args, **kwargs)
        if armed[0]:
            armed[0] = False
            run_elsewhere(meanwhile)
        return result

    monkeypatch.setattr(owner, name, wrapper)
    return armed


def is_postgresql(app: Flask) -> bool:
    return app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql")


class AuditHold:
    """A second connection holding the row lock audit.record() waits for: the single chain-head
    row every append updates first (testimony/audit.py). Desk requests stop at their audit record
    until `release()`. If audit appends come to be serialised another way, hold that lock here."""

    def __init__(self, app: Flask) -> None:
        self.engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
        self.watch = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        self.conn: Connection = self.engine.connect()
        self.tx = self.conn.begin()
        held = self.conn.execute(text("SELECT id FROM audit_chain_head FOR UPDATE"))
        assert held.first() is not None, "no audit chain head to hold"

    def waiting(self) -> int:
        """How many other connections to this database are waiting for a lock."""
        return int(
            self.watch.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND wait_event_type = 'Lock'"
                )
            ).scalar()
            or 0
        )

    def wait_until(self, ready: Callable[[], bool]) -> None:
        deadline = time.monotonic() + WAIT
        while not ready():
            assert time.monotonic() < deadline, "the requests never reached the expected point"
            time.sleep(0.02)

    def release(self) -> None:
        if self.tx.is_active:
            self.tx.rollback()

    def close(self) -> None:
        self.release()
        self.conn.close()
        self.watch.close()
        self.engine.dispose()


@contextmanager
def audit_held(app: Flask) -> Iterator[AuditHold]:
    hold = AuditHold(app)
    try:
        yield hold
    finally:
        hold.close()


def submission_for(app: Flask, codename: str) -> tuple[str, int]:
    with app.app_context():
        found, _ = submissions.find(codename)
        assert found is not None
        return found.public_id, found.id


def row(app: Flask, submission_id: int) -> Submission | None:
    with app.app_context():
        found = db.session.get(Submission, submission_id)
        if found is not None:
            db.session.expunge(found)
        return found


def raw_contributions(app: Flask, submission_id: int) -> list[tuple[str, bool, str, bool]]:
    """(public id, withdrawn, text, still sealed) of the submission's contributions, past the ORM."""
    with app.app_context():
        rows = db.session.execute(
            text(
                "SELECT c.public_id, c.withdrawn, c.text, EXISTS (SELECT 1 FROM sealed_approvals s "
                "WHERE s.contribution_id = c.id) FROM contributions c WHERE c.submission_id = :id"
            ),
            {"id": submission_id},
        ).all()
        return [(r[0], bool(r[1]), r[2], bool(r[3])) for r in rows]


def assert_nothing_live_for_withdrawn(app: Flask) -> None:
    """The invariant: a withdrawn submission has no contribution that is live, holds words, or is
    in the search index."""
    with app.app_context():
        bad = db.session.execute(
            select(Contribution.public_id)
            .join(Submission, Contribution.submission_id == Submission.id)
            .where(
                Submission.status == Status.WITHDRAWN,
                (Contribution.withdrawn.is_(False)) | (Contribution.text != "") | Contribution.sealed.has(),
            )
        ).all()
        assert bad == [], f"live contributions of withdrawn submissions: {bad}"
        if db.engine.dialect.name == "sqlite":
            indexed = db.session.execute(
                text(
                    "SELECT count(*) FROM contribution_fts JOIN contributions c ON c.id = contribution_fts.rowid "
                    "JOIN submissions s ON s.id = c.submission_id WHERE s.status = 'withdrawn'"
                )
            ).scalar()
            assert indexed == 0


# ---- the desk's side of a submission -----------------------------------------------------------


def opened(client: FlaskClient, public_id: str) -> dict[str, str]:
    """Open an item on the desk (claiming it); the fields its forms carry."""
    page = client.get(f"/desk/item/{public_id}").get_data(as_text=True)
    version = version_in(page)
    assert version is not None, page[:500]
    return {"csrf_token": token_in(page), "version": version}


def approve(client: FlaskClient, public_id: str, fields: dict[str, str]) -> tuple[int, str]:
    response = client.post(
        f"/desk/item/{public_id}/approve", data={**fields, "themes_sent": "1", "theme": "workload"}
    )
    return response.status_code, response.get_data(as_text=True)


def withdraw(app: Flask, codename: str) -> tuple[int, str]:
    return status_post(app.test_client(), codename, action="withdraw", confirm="yes")


def sent_and_opened(
    app: Flask, moderator: FlaskClient, body: str = TEXT
) -> tuple[str, str, int, dict[str, str]]:
    codename = send_and_get_codename(app.test_client(), body)
    public_id, submission_id = submission_for(app, codename)
    return codename, public_id, submission_id, opened(moderator, public_id)


# ---- (a) a moderator's decision against the submitter's withdrawal -----------------------------


def test_withdrawal_between_reading_and_writing_an_approval_wins(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The approve request has read the item (and opened its draft) when the submitter's
    withdrawal commits: the approval must not bring the testimony back."""
    moderator = app.test_client()
    login_as(app, moderator, "moderator", "mo")
    codename, public_id, submission_id, fields = sent_and_opened(app, moderator)
    answers: dict[str, tuple[int, str]] = {}
    armed = once(
        monkeypatch, item_state, "load", lambda: answers.__setitem__("submitter", withdraw(app, codename))
    )
    armed[0] = True
    code, page = approve(moderator, public_id, fields)
    assert "submitter" in answers, "the hook did not run"

    # The submitter won: told the truth, everything gone.
    s_code, s_page = answers["submitter"]
    assert s_code == 200 and WITHDRAWN_AND_DELETED in s_page
    final = row(app, submission_id)
    assert final is not None and final.status == Status.WITHDRAWN
    assert raw_contributions(app, submission_id) == []
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(SealedBlob)) == 0
    assert_nothing_live_for_withdrawn(app)
    # The moderator lost: the conflict page says what happened.
    assert code == 409, (code, page[:300])
    assert "not saved" in page and "withdrew" in page


def test_approval_held_at_the_audit_lock_loses_to_a_withdrawal_on_postgresql(app: Flask) -> None:
    """The reported reproduction: Approve waits for the audit lock, the submitter withdraws
    meanwhile, then the lock is released."""
    if not is_postgresql(app):
        pytest.skip("row locks: PostgreSQL (SQLite serialises writers; see the test above)")
    moderator = app.test_client()
    login_as(app, moderator, "moderator", "mo")
    codename, public_id, submission_id, fields = sent_and_opened(app, moderator)
    with audit_held(app) as hold:
        approving = Background(lambda: approve(moderator, public_id, fields))
        hold.wait_until(lambda: hold.waiting() >= 1)
        withdrawing = Background(lambda: withdraw(app, codename))
        # The submitter is not kept waiting by a moderator's unfinished request.
        hold.wait_until(lambda: withdrawing.done)
        s_code, s_page = withdrawing.join()
        assert not approving.done
        hold.release()
        code, page = approving.join()
    assert s_code == 200 and WITHDRAWN_AND_DELETED in s_page
    assert code == 409 and "withdrew" in page and "not saved" in page
    final = row(app, submission_id)
    assert final is not None and final.status == Status.WITHDRAWN
    assert raw_contributions(app, submission_id) == []
    assert_nothing_live_for_withdrawn(app)
    # Nothing the moderator's lost request did stayed in the audit trail.
    with app.app_context():
        actions = db.session.scalars(
            text("SELECT action FROM audit_events WHERE item = :i"), {"i": public_id}
        )
        assert "approve" not in list(actions)


def test_approval_that_came_first_is_withdrawn_with_it_and_the_submitter_is_told(
    app: Flask, client: FlaskClient
) -> None:
    moderator = app.test_client()
    login_as(app, moderator, "moderator", "mo")
    codename, public_id, submission_id, fields = sent_and_opened(app, moderator)
    assert approve(moderator, public_id, fields)[0] == 302
    code, page = withdraw(app, codename)
    assert code == 200 and "approved" in page and "never be published" in page
    assert [c[1:] for c in raw_contributions(app, submission_id)] == [(True, "", False)]
    assert_nothing_live_for_withdrawn(app)
    # The moderator's form from before is now stale: a conflict, not a resurrection.
    assert approve(moderator, public_id, fields)[0] == 409


# ---- the editors' desk -------------------------------------------------------------------------


def approved_on_desk(app: Flask, moderator: FlaskClient, body: str) -> tuple[str, int, str]:
    """A real submission, approved through the desk: (codename, submission id, contribution id)."""
    codename, public_id, submission_id, fields = sent_and_opened(app, moderator, body)
    assert approve(moderator, public_id, fields)[0] == 302
    ((contribution, *_),) = raw_contributions(app, submission_id)
    return codename, submission_id, contribution


def new_digest(app: Flask, editor: FlaskClient, title: str, contributions: list[str]) -> int:
    code, _ = post_form(editor, "/desk/digests/new", title=title)
    assert code == 302
    with app.app_context():
        digest_id = db.session.scalar(select(Digest.id).where(Digest.title == title))
        assert digest_id is not None
    if contributions:
        assert add(editor, digest_id, contributions)[0] == 302
    return digest_id


def edit_page(editor: FlaskClient, digest_id: int) -> str:
    return editor.get(f"/desk/digests/{digest_id}").get_data(as_text=True)


def add(editor: FlaskClient, digest_id: int, contributions: list[str]) -> tuple[int, str]:
    page = edit_page(editor, digest_id)
    response = editor.post(
        f"/desk/digests/{digest_id}/add", data={"csrf_token": token_in(page), "contribution": contributions}
    )
    return response.status_code, response.get_data(as_text=True)


def publish_form(page: str) -> dict[str, str]:
    """What the editor's "Publish now" form sends (its version, where the form carries one)."""
    fields = {"csrf_token": token_in(page), "confirm": "yes"}  # past the "Publish now?" question
    version = version_in(page, "publish")
    if version is not None:
        fields["version"] = version
    return fields


def publish(editor: FlaskClient, digest_id: int, fields: dict[str, str]) -> tuple[int, str]:
    response = editor.post(f"/desk/digests/{digest_id}/publish", data=fields)
    return response.status_code, response.get_data(as_text=True)


def digest_state(app: Flask, digest_id: int) -> tuple[bool, list[tuple[str, bool, str, bool]]]:
    """(published?, [(contribution, withdrawn, text, still sealed)]) read past the ORM."""
    with app.app_context():
        published = db.session.execute(
            text("SELECT published_at IS NOT NULL FROM digests WHERE id = :id"), {"id": digest_id}
        ).scalar()
        rows = db.session.execute(
            text(
                "SELECT c.public_id, c.withdrawn, c.text, EXISTS (SELECT 1 FROM sealed_approvals s "
                "WHERE s.contribution_id = c.id) FROM contributions c WHERE c.digest_id = :id "
                "ORDER BY c.position"
            ),
            {"id": digest_id},
        ).all()
        return bool(published), [(r[0], bool(r[1]), r[2], bool(r[3])) for r in rows]


def assert_published_digests_hold_no_sealed_text(app: Flask) -> None:
    """A contribution in a published digest has been revealed (or withdrawn): none is left
    sealed, half-published, and no live one's submission is still merely approved."""
    with app.app_context():
        stranded = db.session.execute(
            select(Contribution.public_id)
            .join(Digest, Contribution.digest_id == Digest.id)
            .outerjoin(Submission, Contribution.submission_id == Submission.id)
            .where(
                Digest.published_at.is_not(None),
                Contribution.sealed.has()
                | ((Contribution.withdrawn.is_(False)) & (Submission.status != Status.PUBLISHED)),
            )
        ).all()
        assert stranded == [], f"contributions stranded in published digests: {stranded}"


@pytest.fixture
def desk(app: Flask) -> tuple[FlaskClient, FlaskClient, FlaskClient]:
    moderator, editor, other_editor = app.test_client(), app.test_client(), app.test_client()
    login_as(app, moderator, "moderator", "mo")
    login_as(app, editor, "editor", "ed")
    login_as(app, other_editor, "editor", "ed2")
    return moderator, editor, other_editor


# ---- (b) adding to a digest against publishing it ----------------------------------------------


def test_publishing_a_digest_that_changed_since_the_editor_looked_is_refused(
    app: Flask, desk: tuple[FlaskClient, FlaskClient, FlaskClient]
) -> None:
    moderator, editor, other_editor = desk
    _, _, first = approved_on_desk(app, moderator, TEXT)
    _, _, second = approved_on_desk(app, moderator, OTHER)
    digest_id = new_digest(app, editor, "Nights", [first])
    seen = publish_form(edit_page(editor, digest_id))  # the editor looks: one contribution
    assert add(other_editor, digest_id, [second])[0] == 302  # a colleague adds another
    code, page = publish(editor, digest_id, seen)
    assert code == 409, code
    assert "changed since you opened it" in page and "Nothing was published" in page
    assert digest_state(app, digest_id)[0] is False
    # Looking again, the editor sees both and can publish what they now see.
    code, _ = publish(editor, digest_id, publish_form(edit_page(editor, digest_id)))
    assert code == 302
    published, rows = digest_state(app, digest_id)
    assert published and [r[0] for r in rows] == [first, second]
    assert_published_digests_hold_no_sealed_text(app)


def test_a_contribution_added_while_a_publish_request_runs_is_not_published_unseen(
    app: Flask, desk: tuple[FlaskClient, FlaskClient, FlaskClient], monkeypatch: pytest.MonkeyPatch
) -> None:
    moderator, editor, other_editor = desk
    _, _, first = approved_on_desk(app, moderator, TEXT)
    _, _, second = approved_on_desk(app, moderator, OTHER)
    digest_id = new_digest(app, editor, "Nights", [first])
    seen = publish_form(edit_page(editor, digest_id))
    other_page = edit_page(other_editor, digest_id)
    answers: dict[str, int] = {}

    def colleague_adds() -> None:
        response = other_editor.post(
            f"/desk/digests/{digest_id}/add",
            data={"csrf_token": token_in(other_page), "contribution": [second]},
        )
        answers["add"] = response.status_code

    armed = once(monkeypatch, desk_digests, "_digest", colleague_adds)
    armed[0] = True
    code, page = publish(editor, digest_id, seen)
    assert answers == {"add": 302}
    # Either the publication was refused, or exactly what the editor saw went out.
    published, rows = digest_state(app, digest_id)
    assert code == 409 and not published, (code, published, rows)
    assert "changed since you opened it" in page
    assert [r[0] for r in rows] == [first, second] and all(r[3] for r in rows)  # still sealed drafts
    assert_published_digests_hold_no_sealed_text(app)


def test_adding_to_a_digest_published_meanwhile_is_refused(
    app: Flask, desk: tuple[FlaskClient, FlaskClient, FlaskClient], monkeypatch: pytest.MonkeyPatch
) -> None:
    moderator, editor, other_editor = desk
    _, _, first = approved_on_desk(app, moderator, TEXT)
    _, _, second = approved_on_desk(app, moderator, OTHER)
    digest_id = new_digest(app, editor, "Nights", [first])
    seen = publish_form(edit_page(editor, digest_id))
    other_page = edit_page(other_editor, digest_id)
    answers: dict[str, int] = {}

    def editor_publishes() -> None:
        answers["publish"] = publish(editor, digest_id, seen)[0]

    armed = once(monkeypatch, desk_digests, "_digest", editor_publishes)
    armed[0] = True
    response = other_editor.post(
        f"/desk/digests/{digest_id}/add", data={"csrf_token": token_in(other_page), "contribution": [second]}
    )
    assert answers == {"publish": 302}
    assert response.status_code == 400 and "published" in response.get_data(as_text=True)
    published, rows = digest_state(app, digest_id)
    assert published and [r[0] for r in rows] == [first]
    assert_published_digests_hold_no_sealed_text(app)
    with app.app_context():
        pool = db.session.scalar(select(Contribution).where(Contribution.public_id == second))
        assert pool is not None and pool.digest_id is None  # back among the approved, untouched


# ---- (c) the submitter's withdrawal against publication -----------------------------------------


def test_withdrawal_between_reading_and_publishing_a_digest_refuses_publication(
    app: Flask, desk: tuple[FlaskClient, FlaskClient, FlaskClient], monkeypatch: pytest.MonkeyPatch
) -> None:
    moderator, editor, _ = desk
    codename, submission_id, gone = approved_on_desk(app, moderator, TEXT)
    _, _, kept = approved_on_desk(app, moderator, OTHER)
    digest_id = new_digest(app, editor, "Nights", [gone, kept])
    seen = publish_form(edit_page(editor, digest_id))
    answers: dict[str, tuple[int, str]] = {}
    armed = once(
        monkeypatch,
        desk_digests,
        "_digest",
        lambda: answers.__setitem__("submitter", withdraw(app, codename)),
    )
    armed[0] = True
    code, page = publish(editor, digest_id, seen)
    assert "submitter" in answers, "the hook did not run"
    # The withdrawn words were not written back, in the clear, by the publication.
    assert_nothing_live_for_withdrawn(app)
    published, rows = digest_state(app, digest_id)
    assert {r[0]: r[1:] for r in rows}[gone] == (True, "", False)
    # Publication was refused, and the editor told why.
    assert not published
    assert code == 409, code
    assert f"#{gone}" in page and "withdrawn" in page and "Nothing was published" in page
    assert_published_digests_hold_no_sealed_text(app)
    s_code, s_page = answers["submitter"]
    assert s_code == 200 and "approved" in s_page and "never be published" in s_page
    final = row(app, submission_id)
    assert final is not None and final.status == Status.WITHDRAWN


def test_withdrawal_waiting_for_a_publication_takes_it_down_on_postgresql(
    app: Flask, desk: tuple[FlaskClient, FlaskClient, FlaskClient]
) -> None:
    """Publication holds the contributions' submission rows: a withdrawal arriving meanwhile
    waits, then takes the just-published contribution down, and says so."""
    if not is_postgresql(app):
        pytest.skip("row locks: PostgreSQL (SQLite serialises writers)")
    moderator, editor, _ = desk
    codename, submission_id, gone = approved_on_desk(app, moderator, TEXT)
    _, _, kept = approved_on_desk(app, moderator, OTHER)
    digest_id = new_digest(app, editor, "Nights", [gone, kept])
    seen = publish_form(edit_page(editor, digest_id))
    with audit_held(app) as hold:
        publishing_ = Background(lambda: publish(editor, digest_id, seen))
        hold.wait_until(lambda: hold.waiting() >= 1)
        withdrawing = Background(lambda: withdraw(app, codename))
        hold.wait_until(lambda: withdrawing.done or hold.waiting() >= 2)
        hold.release()
        code, _ = publishing_.join()
        s_code, s_page = withdrawing.join()
    assert code == 302
    assert s_code == 200 and "published" in s_page and TAKEN_DOWN in s_page
    published, rows = digest_state(app, digest_id)
    assert published
    assert {r[0]: r[1:] for r in rows} == {gone: (True, "", False), kept: (False, OTHER, False)}
    final = row(app, submission_id)
    assert final is not None and final.status == Status.WITHDRAWN
    assert_nothing_live_for_withdrawn(app)
    public = app.test_client().get(f"/c/{gone}")
    assert public.status_code == 410 and MARK not in public.get_data(as_text=True)


def test_withdrawal_just_after_publication_says_it_was_taken_down(
    app: Flask, desk: tuple[FlaskClient, FlaskClient, FlaskClient]
) -> None:
    moderator, editor, _ = desk
    codename, submission_id, gone = approved_on_desk(app, moderator, TEXT)
    digest_id = new_digest(app, editor, "Nights", [gone])
    assert publish(editor, digest_id, publish_form(edit_page(editor, digest_id)))[0] == 302
    assert MARK in app.test_client().get(f"/c/{gone}").get_data(as_text=True)
    assert gone in app.test_client().get(f"/search?q={MARK}").get_data(as_text=True)
    code, page = withdraw(app, codename)
    assert code == 200 and "published" in page and TAKEN_DOWN in page
    assert gone not in app.test_client().get(f"/search?q={MARK}").get_data(as_text=True)
    assert_nothing_live_for_withdrawn(app)
    final = row(app, submission_id)
    assert final is not None and final.status == Status.WITHDRAWN


def test_a_scheduled_digest_is_not_published_with_a_withdrawn_contribution(
    app: Flask, desk: tuple[FlaskClient, FlaskClient, FlaskClient]
) -> None:
    import datetime as dt

    from testimony import publishing
    from testimony.models import utcnow

    moderator, editor, _ = desk
    codename, _, gone = approved_on_desk(app, moderator, TEXT)
    _, _, kept = approved_on_desk(app, moderator, OTHER)
    digest_id = new_digest(app, editor, "Nights", [gone, kept])
    page = edit_page(editor, digest_id)
    when = (utcnow() + dt.timedelta(days=400)).strftime("%Y-%m-%dT09:00")
    fields = {"csrf_token": token_in(page), "when": when}
    if (version := version_in(page, "schedule")) is not None:
        fields["version"] = version
    assert editor.post(f"/desk/digests/{digest_id}/schedule", data=fields).status_code == 302
    assert withdraw(app, codename)[0] == 200
    with app.app_context():
        published, skipped = publishing.publish_due(utcnow() + dt.timedelta(days=401))
        db.session.commit()
        assert published == [] and len(skipped) == 1 and "withdrawn" in skipped[0][1]
    published_, _rows = digest_state(app, digest_id)
    assert not published_
    assert_nothing_live_for_withdrawn(app)


# ---- (d) the source's answer to changed wording against publication (issue 15) ----------------


def changed_on_desk(app: Flask, moderator: FlaskClient, body: str) -> tuple[str, int, str]:
    """A submission approved with changed wording: (codename, submission id, contribution id)."""
    codename, public_id, submission_id, fields = sent_and_opened(app, moderator, body)
    page = moderator.post(
        f"/desk/item/{public_id}/wording", data={**fields, "draft": "Nights are run by one person."}
    )
    assert page.status_code == 302
    assert approve(moderator, public_id, opened(moderator, public_id))[0] == 302
    ((contribution, *_),) = raw_contributions(app, submission_id)
    final = row(app, submission_id)
    assert final is not None and final.status == Status.AWAITING_SOURCE
    return codename, submission_id, contribution


def test_the_source_asking_for_changes_while_a_digest_publishes_refuses_publication(
    app: Flask, desk: tuple[FlaskClient, FlaskClient, FlaskClient], monkeypatch: pytest.MonkeyPatch
) -> None:
    moderator, editor, _ = desk
    app.config["SOURCE_APPROVAL_DAYS"] = 0  # the period has passed: editors may take it
    codename, submission_id, waiting = changed_on_desk(app, moderator, TEXT)
    _, _, kept = approved_on_desk(app, moderator, OTHER)
    digest_id = new_digest(app, editor, "Nights", [waiting, kept])
    seen = publish_form(edit_page(editor, digest_id))
    answers: dict[str, tuple[int, str]] = {}
    armed = once(
        monkeypatch,
        desk_digests,
        "_digest",
        lambda: answers.__setitem__(
            "source", status_post(app.test_client(), codename, action="changes", changes="Not yet, please.")
        ),
    )
    armed[0] = True
    code, page = publish(editor, digest_id, seen)
    assert "source" in answers, "the hook did not run"
    s_code, s_page = answers["source"]
    assert s_code == 200 and "Your request was sent" in s_page
    # The editor is told, and nothing of the digest was published.
    published, rows = digest_state(app, digest_id)
    assert not published and code == 409, code
    assert f"#{waiting}" in page and "Nothing was published" in page
    assert {r[0]: r[1:] for r in rows}[waiting] == (True, "", False)  # emptied, nothing sealed
    final = row(app, submission_id)
    assert final is not None and final.status == Status.IN_REVIEW
    assert_published_digests_hold_no_sealed_text(app)


def test_the_source_answering_after_publication_is_told_it_was_published(
    app: Flask, desk: tuple[FlaskClient, FlaskClient, FlaskClient], monkeypatch: pytest.MonkeyPatch
) -> None:
    moderator, editor, _ = desk
    app.config["SOURCE_APPROVAL_DAYS"] = 0
    codename, submission_id, waiting = changed_on_desk(app, moderator, TEXT)
    digest_id = new_digest(app, editor, "Nights", [waiting])
    answers: dict[str, tuple[int, str]] = {}
    # The source's answer reads the item just before the publication commits, then must lose to it
    # (on SQLite the write lock, on PostgreSQL the row lock, orders them).
    armed = once(
        monkeypatch,
        submissions,
        "find",
        lambda: answers.__setitem__(
            "editor", publish(editor, digest_id, publish_form(edit_page(editor, digest_id)))
        ),
    )
    armed[0] = True
    code, page = status_post(app.test_client(), codename, action="accept")
    assert answers["editor"][0] == 302
    assert code == 400 and "has now been published" in page
    final = row(app, submission_id)
    assert final is not None and final.status == Status.PUBLISHED
