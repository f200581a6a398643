"""The publication log (issue 16): signed manifests, a hash chain, and `flask publication verify`
finding a changed published text, a removed entry and a forged signature."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from html import unescape
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import delete, select, update

from testimony import publication_log, submissions
from testimony.db import db
from testimony.models import Contribution, PublicationLogEntry, PublicationLogHead, Submission
from tests.support.factories import make_digest

TEXTS = ["The rota had three names on it.", "Nobody covered the night shift.", "We ran out of forms."]


def _verify(runner: FlaskCliRunner) -> tuple[int, str]:
    result = runner.invoke(args=["publication", "verify"])
    return result.exit_code, result.output


def test_a_publication_is_logged_signed_and_verifies(app: Flask, runner: FlaskCliRunner) -> None:
    make_digest(app, TEXTS)
    make_digest(app, ["A second digest."], title="Second")
    code, output = _verify(runner)
    assert code == 0 and "The publication log is intact: 2 log entries, 2 published digests" in output
    with app.app_context():
        first, second = publication_log.entries()
        assert (first.seq, second.seq) == (1, 2) and second.prev_hash == first.hash
        document = json.loads(first.entry)
        listed = document["body"]["contributions"]
        assert [item["number"] for item in listed] == [1, 2, 3]
        assert [item["sha256"] for item in listed] == [hashlib.sha256(t.encode()).hexdigest() for t in TEXTS]


def test_verify_detects_a_changed_published_text(app: Flask, runner: FlaskCliRunner) -> None:
    _slug, ids = make_digest(app, TEXTS)
    with app.app_context():
        db.session.execute(
            update(Contribution).where(Contribution.public_id == ids[1]).values(text="Nobody covered it.")
        )
        db.session.commit()
    code, output = _verify(runner)
    assert (
        code == 1 and f"contribution {ids[1]}: its published text is not the text the log records" in output
    )


def test_verify_detects_a_removed_log_entry(app: Flask, runner: FlaskCliRunner) -> None:
    for n in range(3):
        make_digest(app, [f"Digest {n} text."], title=f"Digest {n}")
    with app.app_context():
        db.session.execute(delete(PublicationLogEntry).where(PublicationLogEntry.seq == 2))
        db.session.commit()
    code, output = _verify(runner)
    assert code == 1
    assert "entry 3: expected entry 2 here: an entry is missing" in output
    assert "entry 3: does not follow the entry before it" in output
    assert "published, but its publication is not in the log" in output


def test_verify_detects_entries_removed_from_the_end(app: Flask, runner: FlaskCliRunner) -> None:
    make_digest(app, ["First."], title="First")
    make_digest(app, ["Second."], title="Second")
    with app.app_context():
        db.session.execute(delete(PublicationLogEntry).where(PublicationLogEntry.seq == 2))
        db.session.commit()
    code, output = _verify(runner)
    assert code == 1 and "entries were removed from its end" in output


def test_verify_detects_a_forged_signature(app: Flask, runner: FlaskCliRunner) -> None:
    _slug, ids = make_digest(app, TEXTS)
    forger = ed25519.Ed25519PrivateKey.generate()
    with app.app_context():
        entry = db.session.scalar(select(PublicationLogEntry))
        # Someone with the database but not the key rewrites the manifest to match a changed text,
        # keeps the chain consistent, and signs with a key of their own.
        document = json.loads(entry.entry)
        document["body"]["contributions"][0]["sha256"] = hashlib.sha256(b"Changed.").hexdigest()
        data = publication_log.canonical(document)
        entry.entry = data.decode()
        entry.hash = hashlib.sha256(data).hexdigest()
        entry.signature = base64.b64encode(forger.sign(data)).decode()
        head = db.session.get(PublicationLogHead, 1)
        head.hash = entry.hash
        head.signature = base64.b64encode(
            forger.sign(publication_log._head_bytes(head.seq, head.hash))
        ).decode()
        db.session.execute(
            update(Contribution).where(Contribution.public_id == ids[0]).values(text="Changed.")
        )
        db.session.commit()
    code, output = _verify(runner)
    assert code == 1
    assert "entry 1: the signature is not the instance's (forged or changed)" in output
    assert "the log's head is not signed by the instance" in output
    assert "its published text" not in output  # the text matches the forged manifest: only the key tells


def test_withdrawal_is_logged_by_the_day_and_its_removal_detected(app: Flask, runner: FlaskCliRunner) -> None:
    make_digest(app, TEXTS)
    with app.app_context():
        submission = db.session.scalars(select(Submission)).first()
        submissions.withdraw(submission)
        db.session.commit()
        entry = db.session.scalar(select(PublicationLogEntry).where(PublicationLogEntry.kind == "withdrawal"))
        document = json.loads(entry.entry)
        assert len(document["at"]) == 10  # a day, never a time
        assert document["body"]["number"] in (1, 2, 3)
    assert _verify(runner)[0] == 0
    with app.app_context():
        db.session.execute(delete(PublicationLogEntry).where(PublicationLogEntry.kind == "withdrawal"))
        db.session.execute(
            update(PublicationLogHead).values(
                seq=1,
                hash=db.session.scalar(select(PublicationLogEntry.hash).where(PublicationLogEntry.seq == 1)),
            )
        )
        db.session.commit()
    code, output = _verify(runner)
    assert code == 1 and "withdrawn, but the log does not say so" in output


def test_earlier_publications_are_recorded_by_init(app: Flask, runner: FlaskCliRunner) -> None:
    make_digest(app, TEXTS)
    with app.app_context():
        db.session.execute(delete(PublicationLogEntry))
        db.session.execute(
            update(PublicationLogHead).values(seq=0, hash=publication_log.GENESIS, signature="")
        )
        db.session.commit()
    assert _verify(runner)[0] == 1
    with app.app_context():
        assert publication_log.record_earlier() == 1
    assert _verify(runner)[0] == 0


def test_a_citation_can_be_checked_offline_with_the_public_key(app: Flask, client: FlaskClient) -> None:
    slug, ids = make_digest(app, TEXTS)
    pem = client.get("/.well-known/testimony-publication-key.pem")
    assert pem.status_code == 200 and pem.data.startswith(b"-----BEGIN PUBLIC KEY-----")
    key = load_pem_public_key(pem.data)
    assert isinstance(key, ed25519.Ed25519PublicKey)
    contribution = client.get(f"/api/v1/contributions/{ids[2]}").json["data"]
    manifest = client.get(f"/d/{contribution['digest']['id']}/manifest.json").json
    key.verify(base64.b64decode(manifest["signature"]), manifest["entry_json"].encode())
    signed = json.dumps(manifest["entry"], sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    assert signed == manifest["entry_json"].encode()
    listed = {item["id"]: item for item in manifest["entry"]["body"]["contributions"]}
    assert listed[ids[2]]["number"] == 3
    assert listed[ids[2]]["sha256"] == hashlib.sha256(contribution["text"].encode()).hexdigest()
    log = client.get("/publication-log.jsonl")
    assert log.mimetype == "application/x-ndjson"
    (line,) = log.get_data(as_text=True).splitlines()
    assert json.loads(line)["hash"] == manifest["hash"]
    assert client.get("/d/no-such/manifest.json").status_code == 404
    assert slug in manifest["entry_json"]


def test_the_journalists_page_check_runs_as_written(
    app: Flask,
    client: FlaskClient,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    make_digest(app, TEXTS)
    html = client.get("/journalists").get_data(as_text=True)
    curl = re.search(r'aria-label="Example: download the files">(.*?)</pre>', html, re.S)
    script = re.search(r'aria-label="Example: check offline in Python">(.*?)</pre>', html, re.S)
    assert curl and script
    for line in unescape(curl.group(1)).splitlines():
        _curl, _o, name, url = line.split()
        (tmp_path / name).write_bytes(client.get(url.removeprefix("http://localhost")).data)
    monkeypatch.chdir(tmp_path)
    exec(compile(unescape(script.group(1)), "journalists-check", "exec"), {})  # noqa: S102 - our own page's example
    assert "is exactly as published" in capsys.readouterr().out
