"""`flask backup create | keys | restore` on SQLite and PostgreSQL: the restore drill (a site used
through the web, backed up, lost with its server, restored from the backup and the saved keys), and
every refusal: a database that is not empty, other keys, an altered manifest, a damaged dump, an
audit trail that does not end at the saved head. A refused or undone restore changes nothing."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, func, select, update
from sqlalchemy.pool import NullPool

from testimony import audit, backup, instance_keys
from testimony.db import db
from testimony.models import AuditEvent, Contribution, Digest, Submission
from tests.support.desk import act, log_in_again, login_as, post_form
from tests.support.helpers import send_and_get_codename, status_post, token_in
from tests.support.ops import (
    ENGINES,
    Site,
    close,
    empty_databases,
    init_site,
    make_app,
    public_id_of,
    relations,
    row_counts,
    run,
)
from tests.support.servers import postgres_or_skip, throwaway_database


@pytest.fixture(params=ENGINES)
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Callable[[str], str]]:
    with empty_databases(request.param, tmp_path) as make:
        yield make


TEXTS = {
    "asked": "Our team lost three officers this spring and the duty rota now runs on goodwill alone.",
    "published": "The laptops freeze whenever the case system updates, so supervision notes go unwritten.",
    "withdrawn": "Safeguarding visits are cut short because the pool cars are booked for weeks ahead.",
    "waiting": "Training on the new risk tool was a slideshow, and nobody could ask it a question.",
    "declined": "I just want to say the canteen coffee has become undrinkable this year.",
}
QUESTION = "Which months did the rota run short? Only if you are comfortable saying."
REPLY = "From March to June, most weeks."


def _status(client: FlaskClient, codename: str) -> tuple[str, str]:
    """What a codename opens to: the status line and the conversation, as the page shows them."""
    code, page = status_post(client, codename)
    assert code == 200, page
    status = re.search(r'<dd class="status-[a-z_]+">(.*?)</dd>', page)
    messages = re.search(r'<section aria-labelledby="messages-heading">(.*?)</section>', page, re.S)
    assert status and messages, page
    return status.group(1), messages.group(1)


def _public(client: FlaskClient) -> dict[str, Any]:
    """What readers see: the feed, search, the API's contributions and each digest page."""
    api = client.get("/api/v1/contributions").get_json()
    digests = client.get("/api/v1/digests").get_json()
    return {
        "feed": client.get("/feed.atom").get_data(as_text=True),
        "search": re.findall(
            r'href="/c/([0-9a-f]+)"', client.get("/search?q=laptops").get_data(as_text=True)
        ),
        "contributions": api["data"],
        "digests": {d["id"]: client.get(f"/d/{d['id']}").get_data(as_text=True) for d in digests["data"]},
    }


def _use_the_site(site: Site) -> dict[str, str]:
    """Testimony sent, answered, published and withdrawn, all through the web."""
    app = site.app
    submitter, desk = app.test_client(), app.test_client()
    login_as(app, desk, "admin", "drill-admin")
    codenames = {key: send_and_get_codename(submitter, text) for key, text in TEXTS.items()}
    ids = {key: public_id_of(app, codename) for key, codename in codenames.items()}

    assert act(desk, ids["asked"], "ask", question=QUESTION).status_code == 302
    code, page = status_post(submitter, codenames["asked"], action="reply", reply=REPLY)
    assert code == 200 and "Your reply was sent" in page
    for key in ("published", "withdrawn", "waiting"):
        assert act(desk, ids[key], "approve", theme="workload", themes_sent="1").status_code == 302
    assert act(desk, ids["declined"], "decline", reason="out_of_scope").status_code == 302

    code, page = post_form(desk, "/desk/digests/new", title="Drill digest", intro="Before the fire.")
    assert code == 302, page
    with app.app_context():
        digest_id = db.session.scalar(select(func.max(Digest.id)))
    edit = f"/desk/digests/{digest_id}"
    token = token_in(desk.get(edit).get_data(as_text=True))
    contributions = [_contribution_of(app, ids["published"]), _contribution_of(app, ids["withdrawn"])]
    added = desk.post(f"{edit}/add", data={"csrf_token": token, "contribution": contributions})
    assert added.status_code == 302
    version = re.search(r'name="version" value="(\d+)"', desk.get(edit).get_data(as_text=True))
    assert version, "no digest version on the edit page"
    published = desk.post(
        f"{edit}/publish", data={"csrf_token": token, "version": version.group(1), "confirm": "yes"}
    )
    assert published.status_code == 302
    code, page = status_post(submitter, codenames["withdrawn"], action="withdraw", confirm="yes")
    assert code == 200 and "has now been taken down" in page
    return codenames


def _contribution_of(app: Flask, public_id: str) -> str:
    with app.app_context():
        found = db.session.scalar(
            select(Contribution.public_id)
            .join(Submission, Contribution.submission_id == Submission.id)
            .where(Submission.public_id == public_id)
        )
        assert found
        return found


def test_restore_drill(empty_database: Callable[[str], str], tmp_path: Path) -> None:
    site = init_site(empty_database("source"), tmp_path / "instance")
    codenames = _use_the_site(site)
    client = site.app.test_client()
    before = {key: _status(client, codename) for key, codename in codenames.items()}
    public_before = _public(client)
    counts_before = row_counts(site.url)
    assert "Drill digest" in public_before["feed"]
    assert len(public_before["contributions"]) == 1 and public_before["search"]

    made = run(site.app, "backup", "create", "--to", str(tmp_path / "backups" / "tonight"))
    assert made.exit_code == 0, made.output
    copied = run(site.app, "backup", "keys", "--to", str(tmp_path / "keys-safe"))
    assert copied.exit_code == 0, copied.output

    # The server is lost: its database and its instance folder with the keys.
    close(site.app)
    if site.url.startswith("sqlite"):
        for leftover in Path(site.url.removeprefix("sqlite:///")).parent.glob("source.db*"):
            leftover.unlink()
    shutil.rmtree(site.instance)

    # A new machine: the saved keys in place, an empty database, the backup.
    instance = tmp_path / "new-instance"
    instance.mkdir(mode=0o700)
    shutil.copy2(tmp_path / "keys-safe" / "keys.json", instance / "keys.json")
    target = empty_database("restored")
    app = make_app(target, instance)
    restored = run(app, "backup", "restore", "--from", str(tmp_path / "backups" / "tonight"))
    assert restored.exit_code == 0, restored.output
    assert "The audit chain is intact and ends at the saved head" in restored.output
    again = run(app, "init")
    assert again.exit_code == 0 and "RECOVERY KEY" not in again.output, again.output
    verified = run(app, "audit", "verify")
    assert verified.exit_code == 0 and "intact" in verified.output

    assert row_counts(target) == counts_before
    client = app.test_client()
    after = {key: _status(client, codename) for key, codename in codenames.items()}
    assert after == before
    assert QUESTION in after["asked"][1] and REPLY in after["asked"][1]
    assert "Withdrawn" in after["withdrawn"][0] and "No messages yet" in after["withdrawn"][1]
    assert _public(client) == public_before
    withdrawn_words = "pool cars are booked"
    assert withdrawn_words not in json.dumps(_public(client))

    desk = app.test_client()
    assert log_in_again(app, desk, "drill-admin") == 302
    item = desk.get(f"/desk/item/{public_id_of(app, codenames['waiting'])}")
    assert item.status_code == 200
    queue = desk.get(f"/desk/item/{public_id_of(app, codenames['asked'])}").get_data(as_text=True)
    assert TEXTS["asked"][:40] in queue and REPLY in queue
    close(app)


# ---- refusals --------------------------------------------------------------------------------


@pytest.fixture
def backed_up(empty_database: Callable[[str], str], tmp_path: Path) -> tuple[Site, Path]:
    """A site with a testimony and a few audit events, and its backup."""
    site = init_site(empty_database("source"), tmp_path / "instance")
    send_and_get_codename(site.app.test_client(), TEXTS["asked"])
    with site.app.app_context():
        for n in range(3):
            audit.record("someone", "claim", item=f"item{n}")
        db.session.commit()
    result = run(site.app, "backup", "create", "--to", str(tmp_path / "backup"))
    assert result.exit_code == 0, result.output
    return site, tmp_path / "backup"


def _restore_target(empty_database: Callable[[str], str], tmp_path: Path, keys_from: Path | None) -> Flask:
    instance = tmp_path / "target-instance"
    instance.mkdir()
    if keys_from is not None:
        shutil.copy2(keys_from / "keys.json", instance / "keys.json")
    return make_app(empty_database("target"), instance)


def _url(app: Flask) -> str:
    return str(app.config["SQLALCHEMY_DATABASE_URI"])


def _sign(site: Site, manifest: dict[str, Any]) -> None:
    keys = instance_keys.load(site.app)
    assert keys is not None
    manifest["mac"] = backup._manifest_mac(keys, manifest)


def _manifest(directory: Path) -> dict[str, Any]:
    return json.loads((directory / "manifest.json").read_text())


def _save(directory: Path, manifest: dict[str, Any]) -> None:
    (directory / "manifest.json").write_text(json.dumps(manifest))


def test_backup_is_private_consistent_and_holds_no_keys(backed_up: tuple[Site, Path]) -> None:
    site, directory = backed_up
    assert os.stat(directory).st_mode & 0o777 == 0o700
    assert sorted(p.name for p in directory.iterdir()) == [
        "database." + ("pgdump" if "postgresql" in site.url else "sqlite3"),
        "manifest.json",
    ]
    for path in directory.iterdir():
        assert os.stat(path).st_mode & 0o777 == 0o600
    manifest = _manifest(directory)
    assert manifest["row_counts"] == row_counts(site.url)
    assert manifest["row_counts"]["submissions"] == 1 and manifest["row_counts"]["audit_events"] == 3
    with site.app.app_context():
        head = audit.head()
    assert head and manifest["audit_head"] == {"event_id": head.event_id, "hash": head.hash}
    assert manifest["schema_revision"] and manifest["created_on"] and manifest["made_by"]["testimony"]
    # Fingerprints, never the keys: no key's bytes in any file of the backup.
    raw = json.loads((site.instance / "keys.json").read_text())
    for path in directory.iterdir():
        content = path.read_bytes()
        for value in raw.values():
            if isinstance(value, str):  # keys; `audit_keyed_from` is a row number
                assert value.encode() not in content


def test_backup_refuses_the_instance_folder_and_a_used_directory(
    backed_up: tuple[Site, Path], tmp_path: Path
) -> None:
    site, directory = backed_up
    for command in ("create", "keys"):
        inside = run(site.app, "backup", command, "--to", str(site.instance / "backups"))
        assert inside.exit_code == 1 and "inside the instance folder" in inside.output
        assert not (site.instance / "backups").exists()
        used = run(site.app, "backup", command, "--to", str(directory))
        assert used.exit_code == 1 and "not empty" in used.output
    assert sorted(p.name for p in directory.iterdir())[-1] == "manifest.json"


def test_backup_keys_copies_the_file_as_it_is(backed_up: tuple[Site, Path], tmp_path: Path) -> None:
    site, _ = backed_up
    result = run(site.app, "backup", "keys", "--to", str(tmp_path / "keys"))
    assert result.exit_code == 0, result.output
    copy = tmp_path / "keys" / "keys.json"
    assert copy.read_bytes() == (site.instance / "keys.json").read_bytes()
    assert os.stat(copy).st_mode & 0o777 == 0o600 and os.stat(copy.parent).st_mode & 0o777 == 0o700
    assert (
        "apart from the database backups" in result.output
        or "never with the database backups" in result.output
    )


def test_restore_refuses_a_database_that_is_not_empty(backed_up: tuple[Site, Path]) -> None:
    site, directory = backed_up
    counts = row_counts(site.url)
    result = run(site.app, "backup", "restore", "--from", str(directory))
    assert (
        result.exit_code == 1 and "is not empty" in result.output and "Nothing was changed" in result.output
    )
    assert row_counts(site.url) == counts


def test_restore_refuses_keys_of_another_site(
    backed_up: tuple[Site, Path], empty_database: Callable[[str], str], tmp_path: Path
) -> None:
    _, directory = backed_up
    app = _restore_target(empty_database, tmp_path, keys_from=None)
    keys, _ = instance_keys.create(app)
    instance_keys.apply(app, keys)
    result = run(app, "backup", "restore", "--from", str(directory))
    assert result.exit_code == 1 and "not the keys this backup was made with" in result.output
    assert relations(_url(app)) == []


def test_restore_without_keys_in_place_says_to_put_them_there(
    backed_up: tuple[Site, Path], empty_database: Callable[[str], str], tmp_path: Path
) -> None:
    _, directory = backed_up
    app = _restore_target(empty_database, tmp_path, keys_from=None)
    result = run(app, "backup", "restore", "--from", str(directory))
    assert (
        result.exit_code == 1 and "no instance keys" in result.output and "flask backup keys" in result.output
    )
    assert relations(_url(app)) == []


def test_restore_refuses_an_altered_audit_head(
    backed_up: tuple[Site, Path], empty_database: Callable[[str], str], tmp_path: Path
) -> None:
    site, directory = backed_up
    manifest = _manifest(directory)
    manifest["audit_head"]["event_id"] -= 1  # as if the newest event had never happened
    _save(directory, manifest)
    app = _restore_target(empty_database, tmp_path, keys_from=site.instance)
    result = run(app, "backup", "restore", "--from", str(directory))
    assert result.exit_code == 1 and "was changed after the backup was made" in result.output
    assert relations(_url(app)) == []


def test_restore_undoes_a_load_that_does_not_end_at_the_saved_head(
    backed_up: tuple[Site, Path], empty_database: Callable[[str], str], tmp_path: Path
) -> None:
    """A manifest signed with the site's keys whose head the database does not reach (what a
    backup of a truncated trail would look like): loaded, checked, refused and emptied again."""
    site, directory = backed_up
    manifest = _manifest(directory)
    manifest["audit_head"] = {"event_id": manifest["audit_head"]["event_id"] + 1, "hash": "f" * 64}
    _sign(site, manifest)
    _save(directory, manifest)
    app = _restore_target(empty_database, tmp_path, keys_from=site.instance)
    result = run(app, "backup", "restore", "--from", str(directory))
    assert result.exit_code == 1, result.output
    assert "does not end at the head the backup saved" in result.output and "undone" in result.output
    assert relations(_url(app)) == []


def test_restore_refuses_a_damaged_database_file(
    backed_up: tuple[Site, Path], empty_database: Callable[[str], str], tmp_path: Path
) -> None:
    site, directory = backed_up
    dump = next(p for p in directory.iterdir() if p.name.startswith("database."))
    with dump.open("ab") as handle:
        handle.write(b"\0")
    app = _restore_target(empty_database, tmp_path, keys_from=site.instance)
    result = run(app, "backup", "restore", "--from", str(directory))
    assert result.exit_code == 1 and "does not match the backup's manifest" in result.output
    assert relations(_url(app)) == []


def test_restore_refuses_a_broken_audit_chain(empty_database: Callable[[str], str], tmp_path: Path) -> None:
    site = init_site(empty_database("source"), tmp_path / "instance")
    with site.app.app_context():
        for n in range(3):
            audit.record("someone", "claim", item=f"item{n}")
        db.session.commit()
        first = db.session.scalar(select(AuditEvent.id).order_by(AuditEvent.id))
        db.session.execute(update(AuditEvent).where(AuditEvent.id == first).values(actor="someone else"))
        db.session.commit()
    assert run(site.app, "backup", "create", "--to", str(tmp_path / "backup")).exit_code == 0
    app = _restore_target(empty_database, tmp_path, keys_from=site.instance)
    result = run(app, "backup", "restore", "--from", str(tmp_path / "backup"))
    assert result.exit_code == 1 and "audit chain is broken" in result.output and "undone" in result.output
    assert relations(_url(app)) == []


def test_restore_refuses_a_backup_of_the_other_engine(backed_up: tuple[Site, Path], tmp_path: Path) -> None:
    site, directory = backed_up
    instance = tmp_path / "elsewhere"
    instance.mkdir()
    shutil.copy2(site.instance / "keys.json", instance / "keys.json")
    with ExitStack() as stack:
        if site.url.startswith("sqlite"):
            postgres_or_skip()
            other = stack.enter_context(throwaway_database(prefix="testimony_ops_other"))
        else:
            other = f"sqlite:///{tmp_path / 'other.db'}"
        app = make_app(other, instance)
        result = run(app, "backup", "restore", "--from", str(directory))
        assert result.exit_code == 1 and "same kind of database" in result.output
        assert relations(other) == []
        close(app)


def test_sqlite_copy_is_a_single_self_contained_file(backed_up: tuple[Site, Path]) -> None:
    site, directory = backed_up
    if "sqlite" not in site.url:
        pytest.skip("SQLite only")
    copy = directory / "database.sqlite3"
    connection = sqlite3.connect(copy.as_uri() + "?mode=ro", uri=True)
    try:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
        assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        connection.close()
    assert sorted(p.name for p in directory.iterdir()) == ["database.sqlite3", "manifest.json"]


def test_a_backup_is_one_moment_while_the_site_writes(
    empty_database: Callable[[str], str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The site keeps writing during a backup: the dump, the counts and the audit head must all
    be of the same moment, or the restore's checks would refuse a good backup."""
    site = init_site(empty_database("source"), tmp_path / "instance")
    with site.app.app_context():
        audit.record("someone", "claim", item="before")
        db.session.commit()
    read_snapshot = backup._read_snapshot

    def then_the_site_writes(connection: Any) -> backup.Snapshot:
        snapshot = read_snapshot(connection)
        writer = create_engine(site.url, poolclass=NullPool)
        with writer.begin() as other:  # another connection, as a gunicorn worker would
            other.execute(
                AuditEvent.__table__.insert().values(
                    at=dt.datetime(2026, 1, 1),
                    actor="during",
                    action="claim",
                    detail="",
                    prev_hash="x",
                    hash="y" * 64,
                )
            )
        writer.dispose()
        return snapshot

    monkeypatch.setattr(backup, "_read_snapshot", then_the_site_writes)
    made = run(site.app, "backup", "create", "--to", str(tmp_path / "backup"))
    assert made.exit_code == 0, made.output
    manifest = _manifest(tmp_path / "backup")
    assert manifest["row_counts"]["audit_events"] == 1 and row_counts(site.url)["audit_events"] == 2
    monkeypatch.undo()
    app = _restore_target(empty_database, tmp_path, keys_from=site.instance)
    restored = run(app, "backup", "restore", "--from", str(tmp_path / "backup"))
    assert restored.exit_code == 0, restored.output
    assert row_counts(_url(app))["audit_events"] == 1
    close(app)


def test_a_backup_that_fails_leaves_no_half_backup(
    empty_database: Callable[[str], str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = init_site(empty_database("source"), tmp_path / "instance")

    def disk_full(_path: Path) -> int:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(backup, "_write_json", lambda path, payload: disk_full(path))
    result = run(site.app, "backup", "create", "--to", str(tmp_path / "backup"))
    assert result.exit_code != 0
    assert not (tmp_path / "backup").exists()
