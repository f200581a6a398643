"""`flask recovery export` and `flask recovery grant`: the recovery key opens every sealed
submission, and gives the desk back to a moderator when everyone with access is gone. The key is
read from standard input only; a key that is not this site's writes and changes nothing."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import func, select

from testimony import instance_keys, recovery
from testimony.db import db
from testimony.models import AuditEvent, WrappedKey
from tests.support.desk import act, login_as
from tests.support.helpers import send_and_get_codename, status_post
from tests.support.ops import public_id_of

KEPT = "The probation office heating has been broken since October and we work in coats."
GONE = "Interview rooms have no panic alarms that work, and nobody answers the reports."
QUESTION = "Is the heating fixed in any room at all?"
REPLY = "Only in the manager's office."
NOTE = "Checked: two other reports say the same."
WORDING = "The office heating has been broken since October; staff work in coats."


def recovery_key(app: Flask) -> str:
    return instance_keys.encode_recovery_key(app.config["TEST_RECOVERY_PRIVATE_KEY"])


def other_key() -> str:
    return instance_keys.encode_recovery_key(os.urandom(32))


def audit_actions(app: Flask) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def wrapped_keys(app: Flask) -> int:
    with app.app_context():
        return int(db.session.scalar(select(func.count()).select_from(WrappedKey)) or 0)


@pytest.fixture
def worked_on(app: Flask, client: FlaskClient) -> dict[str, str]:
    """Two testimonies: one asked about, answered, noted and reworded; one withdrawn."""
    desk = app.test_client()
    login_as(app, desk, "moderator", "mo")
    kept = send_and_get_codename(client, KEPT)
    gone = send_and_get_codename(client, GONE)
    kept_id = public_id_of(app, kept)
    assert act(desk, kept_id, "ask", question=QUESTION).status_code == 302
    assert status_post(client, kept, action="reply", reply=REPLY)[0] == 200
    assert act(desk, kept_id, "note", note=NOTE).status_code == 302
    assert act(desk, kept_id, "wording", draft=WORDING).status_code == 302
    assert status_post(client, gone, action="withdraw", confirm="yes")[0] == 200
    return {"kept": kept_id, "gone": public_id_of(app, gone)}


def test_export_writes_every_piece_privately_and_is_audited(
    app: Flask, runner: FlaskCliRunner, worked_on: dict[str, str], tmp_path: Path
) -> None:
    out = tmp_path / "recovered"
    result = runner.invoke(args=["recovery", "export", "--to", str(out)], input=recovery_key(app) + "\n")
    assert result.exit_code == 0, result.output
    assert "Wrote 1 submissions" in result.output and "1 submissions had nothing sealed left" in result.output
    assert os.stat(out).st_mode & 0o777 == 0o700
    (folder,) = [p for p in out.iterdir() if p.is_dir()]
    assert folder.name.endswith(worked_on["kept"]) and os.stat(folder).st_mode & 0o777 == 0o700
    for path in [*out.iterdir(), *folder.iterdir()]:
        if path.is_file():
            assert os.stat(path).st_mode & 0o777 == 0o600, path
    assert (folder / "original.txt").read_text() == KEPT
    assert (folder / "redacted.txt").exists()
    assert (folder / "draft-01.txt").read_text() == WORDING
    messages = (folder / "messages.txt").read_text()
    assert QUESTION in messages and REPLY in messages and messages.index(QUESTION) < messages.index(REPLY)
    assert NOTE in (folder / "notes.txt").read_text()
    record = json.loads((folder / "submission.json").read_text())
    assert record["public_id"] == worked_on["kept"] and record["status"] == "in_review"
    # Kind by kind (the order of BlobKind), each in the order it was written.
    assert [p["kind"] for p in record["pieces"]] == ["bundle", "draft", "message", "message", "note", "sent"]
    index = json.loads((out / "index.json").read_text())
    assert [entry["public_id"] for entry in index] == [worked_on["kept"]]
    assert GONE not in "".join(p.read_text() for p in folder.iterdir())
    assert audit_actions(app)[-1] == "recovery_export"


def test_a_key_of_another_site_writes_nothing(
    app: Flask, runner: FlaskCliRunner, worked_on: dict[str, str], tmp_path: Path
) -> None:
    before = audit_actions(app)
    for typed, says in (
        (other_key(), "does not belong to this site"),
        ("testimony-recovery-0000", "not a recovery key"),
    ):
        out = tmp_path / "recovered"
        result = runner.invoke(args=["recovery", "export", "--to", str(out)], input=typed + "\n")
        assert result.exit_code == 1 and says in result.output and "Nothing was written" in result.output
        assert not out.exists()
    assert audit_actions(app) == before


def test_the_key_is_never_an_argument(app: Flask, runner: FlaskCliRunner, tmp_path: Path) -> None:
    result = runner.invoke(args=["recovery", "export", "--to", str(tmp_path / "out"), recovery_key(app)])
    assert result.exit_code == 2 and "unexpected extra argument" in result.output.lower()
    assert not (tmp_path / "out").exists()


def test_export_refuses_the_instance_folder_and_a_used_directory(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    inside = Path(app.instance_path) / "recovered"
    result = runner.invoke(args=["recovery", "export", "--to", str(inside)], input=recovery_key(app) + "\n")
    assert result.exit_code == 1 and "inside the instance folder" in result.output and not inside.exists()
    used = tmp_path / "used"
    used.mkdir()
    (used / "something").write_text("x")
    result = runner.invoke(args=["recovery", "export", "--to", str(used)], input=recovery_key(app) + "\n")
    assert result.exit_code == 1 and "not an empty directory" in result.output


def test_the_key_is_read_without_echo_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[str] = []

    class Terminal:
        def isatty(self) -> bool:
            return True

        def readline(self) -> str:
            raise AssertionError("a terminal is read with getpass, which does not echo")

    monkeypatch.setattr(recovery.sys, "stdin", Terminal())
    monkeypatch.setattr(recovery.getpass, "getpass", lambda prompt: asked.append(prompt) or "typed key")
    assert recovery.read_key_text() == "typed key" and asked


def test_grant_gives_the_desk_back_to_a_new_moderator(
    app: Flask, client: FlaskClient, runner: FlaskCliRunner
) -> None:
    # Sent while only the first moderator existed; that moderator is gone for good.
    desk = app.test_client()
    login_as(app, desk, "moderator", "first")
    codename = send_and_get_codename(client, KEPT)
    public_id = public_id_of(app, codename)
    newcomer = app.test_client()
    login_as(app, newcomer, "admin", "newcomer")
    assert newcomer.get(f"/desk/item/{public_id}").status_code == 403

    result = runner.invoke(args=["recovery", "grant", "newcomer"], input=recovery_key(app) + "\n")
    assert result.exit_code == 0, result.output
    assert "newcomer can now open 2 more sealed pieces" in result.output
    assert audit_actions(app)[-1] == "recovery_grant"
    page = newcomer.get(f"/desk/item/{public_id}")
    assert page.status_code == 200 and KEPT in page.get_data(as_text=True)

    again = runner.invoke(args=["recovery", "grant", "newcomer"], input=recovery_key(app) + "\n")
    assert again.exit_code == 0 and "0 more sealed pieces (2 were open to them already)" in again.output


def test_grant_with_a_wrong_key_or_name_changes_nothing(
    app: Flask, client: FlaskClient, runner: FlaskCliRunner
) -> None:
    login_as(app, app.test_client(), "moderator", "first")
    send_and_get_codename(client, KEPT)
    login_as(app, app.test_client(), "admin", "newcomer")
    keys, events = wrapped_keys(app), audit_actions(app)
    wrong = runner.invoke(args=["recovery", "grant", "newcomer"], input=other_key() + "\n")
    assert wrong.exit_code == 1 and "does not belong to this site" in wrong.output
    nobody = runner.invoke(args=["recovery", "grant", "nobody"], input=recovery_key(app) + "\n")
    assert nobody.exit_code == 1 and "no active account called 'nobody'" in nobody.output
    assert wrapped_keys(app) == keys and audit_actions(app) == events


def test_check_says_whether_the_key_is_this_sites(app: Flask, runner: FlaskCliRunner) -> None:
    events = audit_actions(app)
    right = runner.invoke(args=["recovery", "check"], input=recovery_key(app) + "\n")
    assert right.exit_code == 0 and "This is the site's recovery key" in right.output
    wrong = runner.invoke(args=["recovery", "check"], input=other_key() + "\n")
    assert wrong.exit_code == 1 and "does not belong to this site" in wrong.output
    assert recovery_key(app) not in right.output + wrong.output
    assert audit_actions(app) == events
