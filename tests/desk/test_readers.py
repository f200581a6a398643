"""Who can open originals (Medium 1): data keys are wrapped only to the roles that review
(moderators and admins) and the recovery key. Never to editors: changing a role revokes or grants,
grants refuse editors, and a migration deletes the keys editors were given before."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import create_engine, func, select, text

from moderation import accounts, grants
from testimony import create_app
from testimony.db import db
from testimony.models import Moderator, Recipient, WrappedKey
from tests.conftest import base_config
from tests.support.desk import NEW_PASSWORD, login_as
from tests.support.helpers import BLOBS_PER_SEND, send_and_get_codename, token_in

TEXT = "The rota on C wing has left one officer alone at night for a month now."
BEFORE = "b7d2e4f81c3a"  # the schema before this change
THIS = "c4e8a1f2d9b7"


def account_id(app: Flask, name: str) -> int:
    with app.app_context():
        user = db.session.scalar(select(Moderator).where(Moderator.name == name))
        assert user is not None
        return user.id


def keys_of(app: Flask, name: str) -> int:
    with app.app_context():
        return int(
            db.session.scalar(
                select(func.count())
                .select_from(WrappedKey)
                .where(WrappedKey.moderator_id == account_id(app, name))
            )
            or 0
        )


def admin_post(admin: FlaskClient, path: str, **fields: str) -> int:
    """Post one of the accounts page's forms, with the page's CSRF token."""
    page = admin.get("/desk/admin/accounts").get_data(as_text=True)
    token = token_in(page)
    return admin.post(path, data={"csrf_token": token, **fields}).status_code


def change_role(admin: FlaskClient, user_id: int, role: str) -> str:
    assert admin_post(admin, f"/desk/admin/accounts/{user_id}/role", role=role) == 302
    return admin.get("/desk/admin/accounts").get_data(as_text=True)


@pytest.fixture
def desk(app: Flask) -> FlaskClient:
    """An admin, a moderator and an editor, all past their first login; one item sent after."""
    admin = app.test_client()
    login_as(app, admin, "admin", "boss")
    login_as(app, app.test_client(), "moderator", "mo")
    login_as(app, app.test_client(), "editor", "ed")
    send_and_get_codename(app.test_client(), TEXT)
    return admin


def test_data_keys_go_to_reviewers_and_the_recovery_key_never_to_editors(
    app: Flask, desk: FlaskClient
) -> None:
    with app.app_context():
        readers = {(k.recipient, k.moderator_id) for k in db.session.scalars(select(WrappedKey))}
    assert readers == {
        (Recipient.MODERATOR, account_id(app, "boss")),
        (Recipient.MODERATOR, account_id(app, "mo")),
        (Recipient.RECOVERY, None),
        # The submitter's own key, so the status page can mark changes against what was sent.
        (Recipient.SUBMITTER, None),
    }
    assert keys_of(app, "ed") == 0
    # The editor's password and a copy of the database: the private key opens, and has nothing to open.
    with app.app_context():
        editor = db.session.get(Moderator, account_id(app, "ed"))
        assert editor is not None and len(accounts.unlock_private_key(editor, NEW_PASSWORD)) == 32


def test_demoting_to_editor_deletes_the_keys_and_promoting_back_grants_them(
    app: Flask, desk: FlaskClient
) -> None:
    mo = account_id(app, "mo")
    assert keys_of(app, "mo") > 0
    page = change_role(desk, mo, "editor")
    assert "can no longer open any sealed item" in page
    assert keys_of(app, "mo") == 0
    send_and_get_codename(app.test_client(), "Sent while mo was an editor: not for them.")
    assert keys_of(app, "mo") == 0
    page = change_role(desk, mo, "moderator")
    # Two testimonies, two sealed pieces each (the bundle, and the struck-out text).
    assert f"can now read {2 * BLOBS_PER_SEND} sealed pieces" in page
    assert keys_of(app, "mo") == keys_of(app, "boss") == 2 * BLOBS_PER_SEND
    with app.app_context():
        actions = db.session.execute(
            text("SELECT action, detail FROM audit_events WHERE action = 'role_changed'")
        ).all()
    assert [a.detail.split(";")[0] for a in actions] == ["moderator to editor", "editor to moderator"]


def test_promoting_an_editor_grants_what_the_admin_can_read(app: Flask, desk: FlaskClient) -> None:
    change_role(desk, account_id(app, "ed"), "moderator")
    assert keys_of(app, "ed") == keys_of(app, "boss") == BLOBS_PER_SEND
    send_and_get_codename(app.test_client(), "Sent after the promotion: sealed to them directly.")
    assert keys_of(app, "ed") == 2 * BLOBS_PER_SEND


def test_grants_refuse_editors(app: Flask, desk: FlaskClient) -> None:
    ed = account_id(app, "ed")
    assert admin_post(desk, f"/desk/admin/accounts/{ed}/grant") == 302
    assert "Editors work from approved, redacted text" in desk.get("/desk/admin/accounts").get_data(
        as_text=True
    )
    assert keys_of(app, "ed") == 0
    with app.test_request_context(), pytest.raises(grants.GrantRefused):
        admin = db.session.get(Moderator, account_id(app, "boss"))
        editor = db.session.get(Moderator, ed)
        assert admin is not None and editor is not None
        grants.grant(admin, b"\0" * 32, editor)


def test_an_admin_cannot_change_their_own_role(app: Flask, desk: FlaskClient) -> None:
    page = change_role(desk, account_id(app, "boss"), "editor")
    assert "cannot change your own role" in page
    assert keys_of(app, "boss") == BLOBS_PER_SEND


def test_deactivating_deletes_the_keys(app: Flask, desk: FlaskClient) -> None:
    assert admin_post(desk, f"/desk/admin/accounts/{account_id(app, 'mo')}/deactivate") == 302
    assert keys_of(app, "mo") == 0
    send_and_get_codename(app.test_client(), "Sent after mo was deactivated.")
    assert keys_of(app, "mo") == 0


def _seed_before(url: str) -> None:
    """Accounts and one item's keys as the schema before this change held them: keys wrapped
    to an editor, a moderator and a deactivated moderator."""
    engine = create_engine(url)
    now, today = dt.datetime(2026, 1, 5, 9, 0), dt.date(2026, 1, 5)
    with engine.begin() as conn:
        for id_, name, role, active in (
            (1, "ed", "editor", True),
            (2, "mo", "moderator", True),
            (3, "gone", "moderator", False),
        ):
            conn.execute(
                text(
                    "INSERT INTO moderators (id, name, role, active, password_hash, must_change_password,"
                    " totp_secret_encrypted, totp_enrolled, totp_last_step, public_key, private_key_sealed,"
                    " key_salt, key_time_cost, key_memory_kib, created_at) VALUES (:id, :name, :role, :active,"
                    " 'x', false, :b, true, 0, :b, :b, :b, 1, 64, :now)"
                ),
                {"id": id_, "name": name, "role": role, "active": active, "b": b"k" * 16, "now": now},
            )
        conn.execute(
            text(
                "INSERT INTO submissions (id, public_id, submitter_public_key, status, version, received_on,"
                " warning_count) VALUES (1, 'abc123abc123', :b, 'received', 1, :day, 0)"
            ),
            {"b": b"p" * 32, "day": today},
        )
        conn.execute(
            text(
                "INSERT INTO sealed_blobs (id, submission_id, kind, author, created_on, ciphertext)"
                " VALUES (1, 1, 'bundle', 'submitter', :day, :b)"
            ),
            {"b": b"c" * 40, "day": today},
        )
        for id_, recipient, moderator in (
            (1, "moderator", 1),
            (2, "moderator", 2),
            (3, "moderator", 3),
            (4, "recovery", None),
        ):
            conn.execute(
                text(
                    "INSERT INTO wrapped_keys (id, blob_id, recipient, moderator_id, wrapped)"
                    " VALUES (:id, 1, :r, :m, :b)"
                ),
                {"id": id_, "r": recipient, "m": moderator, "b": b"w" * 40},
            )
    engine.dispose()


def _holders(url: str) -> list[tuple[str, int | None]]:
    engine = create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT recipient, moderator_id FROM wrapped_keys ORDER BY id")).all()
    engine.dispose()
    return [(r[0], r[1]) for r in rows]


def test_the_migration_deletes_the_keys_editors_were_given(database: object, tmp_path: Path) -> None:
    """Run on SQLite, and on PostgreSQL where it answers (a database of its own)."""
    from tests.conftest import PostgresDatabase
    from tests.support.servers import throwaway_database

    if isinstance(database, PostgresDatabase):
        with throwaway_database(prefix="testimony_readers") as url:
            _migrate_and_check(url, tmp_path)
    else:
        _migrate_and_check(f"sqlite:///{tmp_path}/before.db", tmp_path)


def _migrate_and_check(url: str, tmp_path: Path) -> None:
    app = create_app(base_config(url), instance_path=str(tmp_path / "instance"))
    with app.app_context():
        upgrade(revision=BEFORE)
        _seed_before(url)
        upgrade(revision=THIS)
        db.engine.dispose()
    assert _holders(url) == [("moderator", 2), ("recovery", None)]
