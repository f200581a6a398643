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
from testimony.demo import add_contribution, add_digest
from testimony.models import Contribution
from tests.conftest import base_config

WORDS = "The night rota at the approved premises has had one member of staff since spring."


def raw_row(contribution_id: int) -> tuple[str, bytes | None]:
    """The stored columns, read past the ORM."""
    row = db.session.execute(
        text("SELECT text, sealed_text FROM contributions WHERE id = :id"), {"id": contribution_id}
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
        second.sealed_text = first.sealed_text
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
        waiting.text, waiting.sealed_text = WORDS, None
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
        approved.seal(Contribution(), WORDS)

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
