"""Approved text waits for its digest sealed (testimony/approved.py) and is plain only once published."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select, text

import nlp
from testimony import approved, create_app, crypto, instance_keys, publishing, submissions
from testimony.db import db
from testimony.models import Contribution
from tests.conftest import base_config
from tests.support.factories import add_contribution, add_digest

WORDS = "The night rota at the approved premises has had one member of staff since spring."


def raw_row(contribution_id: int) -> tuple[str, bytes | None]:
    """The stored text and sealed wording, read past the ORM."""
    row = db.session.execute(
        text(
            "SELECT c.text, s.ciphertext FROM contributions c "
            "LEFT JOIN sealed_approvals s ON s.contribution_id = c.id WHERE c.id = :id"
        ),
        {"id": contribution_id},
    ).one()
    return row[0], (bytes(row[1]) if row[1] is not None else None)


def test_approved_text_is_stored_sealed_and_opens(app: Flask) -> None:
    with app.app_context():
        contribution = add_contribution(WORDS, ["workload"])
        db.session.commit()
        plain, sealed = raw_row(contribution.id)
        assert plain == ""
        assert sealed is not None and WORDS.encode() not in sealed and b"rota" not in sealed
        assert approved.text_of(contribution) == WORDS


def test_sealed_text_moved_to_another_row_does_not_open(app: Flask) -> None:
    with app.app_context():
        first, second = add_contribution(WORDS), add_contribution("Something else entirely.")
        assert first.sealed is not None and second.sealed is not None
        second.sealed.ciphertext = first.sealed.ciphertext
        with pytest.raises(crypto.DecryptionFailed):
            approved.text_of(second)


def test_publishing_reveals_the_text(app: Flask) -> None:
    with app.app_context():
        contribution = add_contribution(WORDS, ["workload"])
        publishing.publish(add_digest("Rotas", [contribution]))
        db.session.commit()
        assert raw_row(contribution.id) == (WORDS, None)
        assert WORDS in app.test_client().get(f"/c/{contribution.public_id}").get_data(as_text=True)


def test_scheduled_publication_reveals_the_text_when_due_and_not_before(app: Flask) -> None:
    with app.app_context():
        contribution = add_contribution(WORDS)
        digest = add_digest("Later", [contribution])
        when = publishing.now() + dt.timedelta(hours=2)
        publishing.schedule(digest, when)
        db.session.commit()
        publishing.publish_due(when - dt.timedelta(minutes=1))
        assert raw_row(contribution.id)[0] == ""
        publishing.publish_due(when + dt.timedelta(minutes=1))
        assert raw_row(contribution.id) == (WORDS, None)


def test_withdrawal_forgets_the_sealed_text(app: Flask) -> None:
    with app.app_context():
        contribution = add_contribution(WORDS)
        submission, _codename = submissions.store(nlp.redact(WORDS))
        contribution.submission_id = submission.id
        db.session.commit()
        submissions.withdraw(submission)
        db.session.commit()
        assert raw_row(contribution.id) == ("", None)


def test_leftover_plain_text_is_sealed_and_published_text_left_alone(app: Flask) -> None:
    with app.app_context():
        waiting, published = add_contribution(WORDS), add_contribution("Already public words.")
        publishing.publish(add_digest("Out", [published]))
        # As a database from before sealing existed would hold it.
        waiting.text, waiting.sealed = WORDS, None
        db.session.commit()
        assert approved.seal_leftovers() == 1
        assert raw_row(waiting.id)[0] == "" and approved.text_of(waiting) == WORDS
        assert raw_row(published.id) == ("Already public words.", None)
        assert approved.seal_leftovers() == 0


def test_init_adds_a_publication_key_to_older_instance_keys(tmp_path: Path) -> None:
    app = create_app(base_config(f"sqlite:///{tmp_path}/old.db"), instance_path=str(tmp_path / "inst"))
    assert app.test_cli_runner().invoke(args=["init"]).exit_code == 0
    keyfile = tmp_path / "inst" / "keys.json"
    old = json.loads(keyfile.read_text())
    del old["publication_key"]
    keyfile.write_text(json.dumps(old))
    # Keys without one refuse to seal, with the command that fixes it.
    stale = create_app(base_config(f"sqlite:///{tmp_path}/old.db"), instance_path=str(tmp_path / "inst"))
    with stale.app_context(), pytest.raises(instance_keys.InstanceNotInitialised, match="flask"):
        approved.seal_wording(Contribution(), WORDS)

    result = app.test_cli_runner().invoke(args=["init"])
    assert result.exit_code == 0 and "Added a publication key" in result.output
    new = json.loads(keyfile.read_text())
    assert len(instance_keys._unb64(new.pop("publication_key"))) == 32
    assert new == old  # every other secret kept exactly
    assert oct(os.stat(keyfile).st_mode & 0o777) == "0o600"
    with app.app_context():
        db.engine.dispose()


def test_contribution_model_has_no_plain_default_for_waiting_text(app: Flask) -> None:
    # Whatever creates a contribution outside approved.seal leaves the plain column empty.
    with app.app_context():
        contribution = Contribution()
        db.session.add(contribution)
        db.session.commit()
        assert db.session.scalar(select(Contribution.text).where(Contribution.id == contribution.id)) == ""


# ---- themes and reply targets are unpublished facts too: sealed until publication -------------


def _clear_traces(contribution_id: int) -> tuple[int, int | None]:
    """What the plain columns say about a contribution: its theme rows and its reply target."""
    themes = db.session.scalar(
        text("SELECT count(*) FROM contribution_themes WHERE contribution_id = :id"), {"id": contribution_id}
    )
    target = db.session.scalar(
        text("SELECT in_reply_to_id FROM contributions WHERE id = :id"), {"id": contribution_id}
    )
    return int(themes or 0), target


def test_themes_and_reply_target_stay_sealed_until_publication(app: Flask) -> None:
    with app.app_context():
        parent = add_contribution("The original words.", ["workload"])
        publishing.publish(add_digest("First", [parent]))
        child = add_contribution(WORDS, ["workload", "wellbeing"], in_reply_to=parent)
        db.session.commit()
        assert _clear_traces(child.id) == (0, None)
        assert [t.slug for t in approved.themes_of(child)] == ["wellbeing", "workload"]
        assert approved.parent_of(child) == parent

        publishing.publish(add_digest("Second", [child]))
        db.session.commit()
        assert _clear_traces(child.id) == (2, parent.id)
        assert child.sealed is None


def test_a_response_names_its_target_only_inside_the_sealed_bundle(app: Flask) -> None:
    from tests.support.desk import act, login_as
    from tests.support.helpers import form_tokens

    with app.app_context():
        parent = add_contribution("The original words.", ["workload"])
        publishing.publish(add_digest("First", [parent]))
        db.session.commit()
        parent_id, parent_public = parent.id, parent.public_id
    moderator = app.test_client()
    login_as(app, moderator, "moderator", "mo")  # before the item arrives, so its key is wrapped to them
    submitter = app.test_client()
    tokens = form_tokens(submitter, f"/submit?in_reply_to={parent_public}")
    response = submitter.post(
        "/submit", data={**tokens, "body": WORDS, "in_reply_to": parent_public, "send": "1"}
    )
    assert response.status_code == 200
    with app.app_context():
        assert db.session.execute(text("SELECT in_reply_to FROM submissions")).scalar() is None
        public_id = db.session.execute(text("SELECT public_id FROM submissions")).scalar()

    assert act(moderator, public_id, "approve", theme="wellbeing", themes_sent="1").status_code == 302
    with app.app_context():
        contribution = db.session.scalar(select(Contribution).where(Contribution.id != parent_id))
        assert contribution is not None
        assert _clear_traces(contribution.id) == (0, None)
        assert approved.parent_of(contribution).id == parent_id  # type: ignore[union-attr]
        publishing.publish(add_digest("Second", [contribution]))
        db.session.commit()
        assert _clear_traces(contribution.id) == (1, parent_id)


def test_the_editors_pool_filters_by_sealed_themes(app: Flask) -> None:
    from tests.support.desk import login_as, post_form

    with app.app_context():
        add_contribution(WORDS, ["wellbeing"])
        add_contribution("Words about pay and nothing else.", ["workload"])
        db.session.commit()
    editor = app.test_client()
    login_as(app, editor, "editor", "ed")
    code, _page = post_form(editor, "/desk/digests/new", title="Night shifts", theme="wellbeing")
    assert code == 302
    with app.app_context():
        digest_id = db.session.execute(text("SELECT id FROM digests")).scalar()
    everything = editor.get(f"/desk/digests/{digest_id}").get_data(as_text=True)
    assert "night rota" in everything and "pay and nothing else" in everything
    suggested = everything.split("Suggested: sharing this digest")[1].split("Other approved")[0]
    assert "night rota" in suggested and "pay and nothing else" not in suggested
    filtered = editor.get(f"/desk/digests/{digest_id}?theme=workload").get_data(as_text=True)
    assert "pay and nothing else" in filtered and "night rota" not in filtered


def test_leftover_clear_themes_and_targets_are_sealed_by_init(app: Flask) -> None:
    """Contributions approved by an older version: text sealed on its own (format 1), themes and
    reply target in the clear. `flask init` (seal_leftovers) moves them inside."""
    from testimony.digests import themes_named
    from testimony.models import SealedApproval

    with app.app_context():
        parent = add_contribution("The original words.", ["workload"])
        publishing.publish(add_digest("First", [parent]))
        waiting = Contribution(themes=themes_named(["wellbeing"]), in_reply_to_id=parent.id)
        db.session.add(waiting)
        db.session.flush()
        key = instance_keys.publication_key(app)
        waiting.sealed = SealedApproval(
            format=1,
            ciphertext=crypto.encrypt(
                key, WORDS.encode(), f"testimony/approved/{waiting.public_id}".encode()
            ),
        )
        db.session.commit()
        assert approved.text_of(waiting) == WORDS  # the old format still opens
        assert _clear_traces(waiting.id) == (1, parent.id)

        assert approved.seal_leftovers() == 1
        assert _clear_traces(waiting.id) == (0, None)
        assert approved.text_of(waiting) == WORDS
        assert [t.slug for t in approved.themes_of(waiting)] == ["wellbeing"]
        assert approved.parent_of(waiting) == parent
        assert approved.seal_leftovers() == 0
