"""Hostile requests against every public POST (submission, responses, status, replies, withdrawal).

Beyond tests/system/test_fuzz_public.py (hypothesis over form fields): the CSRF matrix on every public
POST found by walking the URL map (missing, foreign, tampered, replayed tokens, and HTTPS without
a Referer, which is what a browser sends under our own no-referrer policy), bodies at the byte
level (huge, binary, latin-1, UTF-16, overlong and surrogate UTF-8, broken multipart), responses
to published, unpublished, withdrawn and forged contributions, and the status page driven with a
real codename. The rule everywhere: a clear 4xx or success, never a 500, and the database holds
a complete, decryptable submission exactly when a codename was shown (never half of one).
"""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from testimony import codename_check, crypto, publishing, sealing, submissions
from testimony.db import db
from testimony.models import BlobKind, Recipient, SealedBlob, Status, Submission, WrappedKey, utcnow
from testimony.text import clean
from tests.support.factories import add_contribution, add_digest
from tests.support.helpers import (
    BLOBS_PER_SEND,
    CODENAME,
    csrf_token,
    form_tokens,
    send_and_get_codename,
    status_post,
)

CLEAR = {200, 400, 404, 405, 409, 410, 413, 415, 429}
FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
TABLES = list(db.metadata.sorted_tables)


# ---- helpers ---------------------------------------------------------------------------------


def snapshot(app: Flask) -> dict[str, int]:
    with app.app_context():
        return {
            t.name: int(db.session.scalar(select(func.count()).select_from(t)) or 0)
            for t in TABLES
            if t.name not in {"themes", "alembic_version"}
        }


def public_posts(app: Flask) -> list[str]:
    """Every public address that takes POST (the desk is tested in test_desk_attacks.py, the
    read-only API answers POST with a JSON 405)."""
    paths = []
    for rule in app.url_map.iter_rules():
        if "POST" in (rule.methods or set()) and not rule.endpoint.startswith(("desk", "api.")):
            paths.append(rule.rule)
    return sorted(paths)


def bundle(app: Flask, submission_id: int) -> dict:
    """Open a stored bundle with the instance recovery key, as an admin restoring from a backup would."""
    with app.app_context():
        blob = db.session.scalar(
            select(SealedBlob).where(
                SealedBlob.submission_id == submission_id, SealedBlob.kind == BlobKind.BUNDLE
            )
        )
        assert blob is not None, "a submission without its bundle is half-stored"
        return sealing.open_blob(blob, Recipient.RECOVERY, app.config["TEST_RECOVERY_PRIVATE_KEY"])


def bundle_text(app: Flask, submission_id: int) -> str:
    return str(bundle(app, submission_id)["redaction"]["text"])


def expected_keys(app: Flask) -> int:
    """Every staff reader's for each of a send's blobs, and the submitter's own for the struck-out
    text (issue 15: the status page marks a moderator's changes against what was sent)."""
    with app.app_context():
        return BLOBS_PER_SEND * len(sealing.staff_readers()) + 1


def assert_stored_exactly_when_shown(
    app: Flask, before: dict[str, int], page: str, sent_body: str | None, in_reply_to: str | None = None
) -> str | None:
    """A codename on the page means one complete new submission (row, bundle, a key for every
    reader, opening with the recovery key to exactly what was sent); no codename means no change."""
    after = snapshot(app)
    match = CODENAME.search(page)
    if match is None:
        assert after == before, "nothing may be stored when no codename is shown"
        return None
    codename = match.group(1)
    assert after["submissions"] == before["submissions"] + 1
    assert after["sealed_blobs"] == before["sealed_blobs"] + BLOBS_PER_SEND
    assert after["wrapped_keys"] == before["wrapped_keys"] + expected_keys(app)
    assert after["used_send_tokens"] == before["used_send_tokens"] + 1  # the form's one send
    # This month's count of testimony received (testimony/transparency.py): a row the month's
    # first send makes, and later sends count up.
    assert after.get("monthly_tallies", 0) - before.get("monthly_tallies", 0) in (0, 1)
    sent = {"submissions", "sealed_blobs", "wrapped_keys", "used_send_tokens", "monthly_tallies"}
    assert {k: v for k, v in after.items() if k not in sent} == {
        k: v for k, v in before.items() if k not in sent
    }
    with app.app_context():
        found, _derived = submissions.find(codename)
        assert found is not None, "the codename shown must find its submission"
        assert found.in_reply_to is None  # what it answers is sealed in the bundle
        ident = found.id
    assert bundle(app, ident)["in_reply_to"] == in_reply_to
    if sent_body is not None:
        assert bundle_text(app, ident) == clean(sent_body)
    return codename


def fresh_token(client: FlaskClient, path: str = "/submit", base_url: str = "http://localhost") -> str:
    return fresh_fields(client, path, base_url)["csrf_token"]


def fresh_fields(
    client: FlaskClient, path: str = "/submit", base_url: str = "http://localhost"
) -> dict[str, str]:
    """A fresh form's hidden tokens: CSRF, and on /submit the one-time send token."""
    return form_tokens(client, path, base_url=base_url)


# ---- the URL map -----------------------------------------------------------------------------


def test_the_public_posts_are_the_ones_tested_here(app: Flask) -> None:
    # If a public POST is added, add it to the matrix below.
    assert public_posts(app) == ["/status", "/submit", "/submit/check"]


# ---- CSRF ------------------------------------------------------------------------------------

VALID_FIELDS = {
    "/submit": {"body": "Our office has had no duty manager for a month.", "send": "1"},
    "/status": {"codename": "apple banana cherry dog egg fig grape", "action": "view"},
}


def _csrf_cases(app: Flask, path: str) -> list[tuple[str, FlaskClient, dict[str, str], dict[str, str]]]:
    victim, attacker = app.test_client(), app.test_client()
    victim_token = fresh_token(victim, path)
    attacker_token = fresh_token(attacker, path)
    anonymous = app.test_client()
    no_cookie = app.test_client()
    tampered = victim_token[:-3] + ("AAA" if not victim_token.endswith("AAA") else "BBB")
    return [
        ("no token, no session", anonymous, {}, {}),
        ("no token, with a session", victim, {}, {}),
        ("empty token", victim, {"csrf_token": ""}, {}),
        ("another session's token", victim, {"csrf_token": attacker_token}, {}),
        ("a token without its session cookie", no_cookie, {"csrf_token": victim_token}, {}),
        ("a tampered signature", victim, {"csrf_token": tampered}, {}),
        ("garbage", victim, {"csrf_token": "x" * 5000}, {}),
        ("another session's token in the header", victim, {}, {"X-CSRFToken": attacker_token}),
        ("two tokens, one foreign", victim, {"csrf_token": attacker_token}, {"X-CSRFToken": victim_token}),
    ]


@pytest.mark.parametrize("path", ["/submit", "/status"])
def test_csrf_matrix_refuses_clearly_and_stores_nothing(app: Flask, path: str) -> None:
    for name, client, token_fields, headers in _csrf_cases(app, path):
        before = snapshot(app)
        response = client.post(path, data={**VALID_FIELDS[path], **token_fields}, headers=headers)
        page = response.get_data(as_text=True)
        assert response.status_code == 400, (name, response.status_code)
        assert snapshot(app) == before, name
        assert CODENAME.search(page) is None, name
        if path == "/submit":
            # Someone may have written for an hour: the text comes back with a fresh form.
            assert "Our office has had no duty manager for a month." in page, name
            assert 'name="csrf_token"' in page


def test_csrf_matrix_refuses_the_codename_check(app: Flask) -> None:
    """The codename page's check (issue 15) stores nothing, but says whether words match a
    codename: it is refused without the session's own token like every other form."""
    codename = "apple banana cherry dog egg fig grape"
    with app.test_request_context():
        token, check = codename_check.issue(codename)
    right = {f"word_{p}": check.word(p) for p in check.positions}
    for name, client, token_fields, headers in _csrf_cases(app, "/submit"):
        response = client.post(
            "/submit/check", data={"check_token": token, **right, **token_fields}, headers=headers
        )
        page = response.get_data(as_text=True)
        assert response.status_code == 400, (name, response.status_code)
        assert "written down correctly" not in page and codename not in page, name
    client = app.test_client()
    response = client.post(
        "/submit/check", data={"csrf_token": fresh_token(client), "check_token": token, **right}
    )
    assert response.status_code == 200 and "written down correctly" in response.get_data(as_text=True)


def test_a_replayed_send_stores_one_complete_submission(app: Flask) -> None:
    # Flask-WTF tokens are bound to the session, not single-use, but each form's send token is
    # (testimony/send_tokens.py): replaying a captured send (same cookie, same tokens), a double
    # click or the browser's Resend stores nothing the second time and shows no codename.
    client = app.test_client()
    fields = fresh_fields(client)
    body = "The same words, sent twice by a double click or a replay."
    before = snapshot(app)
    response = client.post("/submit", data={**fields, "body": body, "send": "1"})
    assert response.status_code == 200
    assert assert_stored_exactly_when_shown(app, before, response.get_data(as_text=True), body)
    before = snapshot(app)
    response = client.post("/submit", data={**fields, "body": body, "send": "1"})
    assert response.status_code == 409 and "already sent" in response.get_data(as_text=True)
    assert assert_stored_exactly_when_shown(app, before, response.get_data(as_text=True), body) is None


def test_a_replayed_withdrawal_is_harmless(app: Flask, client: FlaskClient) -> None:
    codename = send_and_get_codename(client, "Withdraw me twice.")
    token = csrf_token(client, "/status")
    fields = {"csrf_token": token, "codename": codename, "action": "withdraw", "confirm": "yes"}
    first = client.post("/status", data=fields)
    second = client.post("/status", data=fields)
    assert first.status_code == 200 and "has been withdrawn" in first.get_data(as_text=True)
    assert second.status_code == 400 and "already withdrawn" in second.get_data(as_text=True)
    assert snapshot(app)["sealed_blobs"] == 0


@pytest.mark.parametrize("path", ["/submit", "/status", "/desk/login"])
def test_forms_work_over_https_without_a_referer(app: Flask, path: str) -> None:
    # Every page sends Referrer-Policy: no-referrer, so a browser posting our own form over
    # HTTPS sends no Referer at all. A strict Referer check would refuse every submission,
    # every status visit and every desk login in production (found by this test).
    client = app.test_client()
    https = "https://localhost"
    assert client.get(path, base_url=https).headers["Referrer-Policy"] == "no-referrer"
    tokens = fresh_fields(client, path, base_url=https)
    fields = {
        "/submit": {"body": "Sent over HTTPS with no Referer.", "send": "1"},
        "/status": {"codename": "apple banana cherry dog egg fig grape"},
        "/desk/login": {"name": "nobody", "password": "not a real password at all"},
    }[path]
    before = snapshot(app)
    response = client.post(path, base_url=https, data={**tokens, **fields})
    page = response.get_data(as_text=True)
    assert "expired" not in page and "sent from somewhere else" not in page, page[:500]
    assert response.status_code == {"/submit": 200, "/status": 404, "/desk/login": 401}[path]
    if path == "/submit":
        assert assert_stored_exactly_when_shown(app, before, page, fields["body"]) is not None
    # A foreign token is still refused over HTTPS.
    other = app.test_client()
    forged = other.post(path, base_url=https, data={**fresh_fields(app.test_client(), path, https), **fields})
    assert forged.status_code == 400


# ---- bodies at the byte level ----------------------------------------------------------------


def _form_bytes(tokens: dict[str, str], body: bytes) -> bytes:
    fields = b"&".join(f"{name}={value}".encode() for name, value in tokens.items())
    return fields + b"&send=1&body=" + body


RAW_BODIES = [
    ("latin-1 bytes", b"caf\xe9 au lait"),
    ("latin-1 percent-encoded", b"caf%E9"),
    ("overlong slash", b"%C0%AF"),
    ("UTF-8 surrogate", b"%ED%A0%80"),
    ("truncated sequence", b"%E2%82"),
    ("UTF-16 with BOM", "hello".encode("utf-16")),
    ("NUL bytes", b"a%00b\x00c"),
    ("invalid percent", b"%zz%4"),
    ("lone continuation", b"\x80\x80"),
]


@pytest.mark.parametrize(("name", "raw"), RAW_BODIES, ids=[n for n, _ in RAW_BODIES])
def test_mixed_encodings_get_a_clear_answer(app: Flask, name: str, raw: bytes) -> None:
    client = app.test_client()
    tokens = fresh_fields(client)
    before = snapshot(app)
    response = client.post(
        "/submit", data=_form_bytes(tokens, raw), content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code in CLEAR, (name, response.status_code)
    page = response.get_data(as_text=True)
    assert_stored_exactly_when_shown(app, before, page, None)
    if response.status_code == 400:
        assert "encoding" in page or "no text" in page or "expired" in page, page[:300]


def test_huge_bodies_are_refused_before_parsing_and_store_nothing(app: Flask) -> None:
    client = app.test_client()
    tokens = fresh_fields(client)
    limit = app.config["MAX_CONTENT_LENGTH"]
    cases = [
        ("urlencoded", _form_bytes(tokens, b"a" * (limit + 1)), "application/x-www-form-urlencoded"),
        ("multipart", b"--x\r\n" + b"a" * (limit + 10) + b"\r\n--x--\r\n", "multipart/form-data; boundary=x"),
        ("json", b"[" * (limit + 1), "application/json"),
        ("binary", bytes(range(256)) * (limit // 256 + 1), "application/octet-stream"),
    ]
    for path in ("/submit", "/status"):
        for name, raw, ctype in cases:
            before = snapshot(app)
            response = client.post(path, data=raw, content_type=ctype)
            # Forms are read (and so cut off at the limit: 413); other types are never parsed,
            # so the missing CSRF token answers first (400).
            expected = {413} if ctype.startswith(("application/x-www", "multipart")) else {400, 413}
            assert response.status_code in expected, (path, name, response.status_code)
            assert snapshot(app) == before


def test_one_character_over_the_limit_keeps_the_text_and_stores_nothing(app: Flask) -> None:
    client = app.test_client()
    limit = app.config["MAX_TESTIMONY_CHARS"]
    for body in ("é" * (limit + 1), "\U0001f600" * (limit + 1), "a" * limit + " " * 50 + "b"):
        before = snapshot(app)
        response = client.post("/submit", data={**fresh_fields(client), "body": body, "send": "1"})
        assert response.status_code == 413
        assert snapshot(app) == before
        assert body[:100] in response.get_data(as_text=True)
    # Exactly at the limit (after cleaning) is accepted.
    body = "ü" * limit
    before = snapshot(app)
    response = client.post("/submit", data={**fresh_fields(client), "body": body, "send": "1"})
    assert response.status_code == 200
    assert assert_stored_exactly_when_shown(app, before, response.get_data(as_text=True), body)


@pytest.mark.parametrize(
    ("name", "raw", "ctype"),
    [
        (
            "no boundary",
            b"--x\r\nContent-Disposition: form-data; name=body\r\n\r\nhi\r\n--x--",
            "multipart/form-data",
        ),
        ("empty boundary", b"----\r\n\r\n", "multipart/form-data; boundary="),
        (
            "wrong boundary",
            b"--y\r\nContent-Disposition: form-data; name=body\r\n\r\nhi\r\n--y--",
            "multipart/form-data; boundary=x",
        ),
        (
            "unterminated",
            b"--x\r\nContent-Disposition: form-data; name=body\r\n\r\nhi",
            "multipart/form-data; boundary=x",
        ),
        (
            "header soup",
            b"--x\r\nContent-Disposition: \x00\xff\r\n\r\n\r\n--x--\r\n",
            "multipart/form-data; boundary=x",
        ),
        (
            "many parts",
            b"".join(b"--x\r\nContent-Disposition: form-data; name=f%d\r\n\r\nv\r\n" % i for i in range(3000))
            + b"--x--\r\n",
            "multipart/form-data; boundary=x",
        ),
        ("many fields", b"&".join(b"f%d=v" % i for i in range(20000)), "application/x-www-form-urlencoded"),
        ("utf-7 charset", b"body=+ADw-script+AD4-", "application/x-www-form-urlencoded; charset=utf-7"),
        ("json", json.dumps({"body": "x", "send": "1"}).encode(), "application/json"),
        ("no content type", b"body=x&send=1", ""),
    ],
)
def test_malformed_bodies_never_500(app: Flask, name: str, raw: bytes, ctype: str) -> None:
    client = app.test_client()
    fresh_token(client)
    for path in ("/submit", "/status"):
        before = snapshot(app)
        response = client.post(path, data=raw, content_type=ctype) if ctype else client.post(path, data=raw)
        assert response.status_code in CLEAR, (path, name, response.status_code)
        assert snapshot(app) == before, (path, name)


def test_a_multipart_form_with_a_valid_token_is_stored_whole_or_not_at_all(app: Flask) -> None:
    client = app.test_client()
    for body in (
        "Plain words over multipart.",
        "Bytes that are not UTF-8: \udcff".encode("utf-8", "surrogateescape"),
    ):
        tokens = b"".join(
            b"--x\r\nContent-Disposition: form-data; name="
            + name.encode()
            + b"\r\n\r\n"
            + value.encode()
            + b"\r\n"
            for name, value in fresh_fields(client).items()
        )
        raw = (
            tokens + b"--x\r\nContent-Disposition: form-data; name=send\r\n\r\n1\r\n"
            b"--x\r\nContent-Disposition: form-data; name=body\r\n\r\n"
            + (body if isinstance(body, bytes) else body.encode())
            + b"\r\n--x--\r\n"
        )
        before = snapshot(app)
        response = client.post("/submit", data=raw, content_type="multipart/form-data; boundary=x")
        assert response.status_code in CLEAR
        assert_stored_exactly_when_shown(app, before, response.get_data(as_text=True), None)


@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE"])
def test_other_methods_are_405(app: Flask, method: str) -> None:
    client = app.test_client()
    for path in public_posts(app):
        response = client.open(path, method=method, data=b"body=x")
        assert response.status_code == 405, (path, method)


# ---- responses (/submit?in_reply_to=...) -----------------------------------------------------


def _reading_room(app: Flask) -> dict[str, str]:
    """A published contribution, an unpublished one, and a withdrawn one."""
    with app.app_context():
        published = add_contribution("Published words to respond to.", ["workload"])
        digest = add_digest("Respond here", [published])
        publishing.publish(digest, utcnow() - dt.timedelta(minutes=5))
        unpublished = add_contribution("Approved but not yet in a published digest.", ["workload"])
        withdrawn = add_contribution("Withdrawn words.", ["workload"])
        other = add_digest("Also published", [withdrawn])
        publishing.publish(other, utcnow() - dt.timedelta(minutes=5))
        withdrawn.withdrawn, withdrawn.text = True, ""
        db.session.commit()
        return {
            "published": published.public_id,
            "unpublished": unpublished.public_id,
            "withdrawn": withdrawn.public_id,
        }


REPLY_TARGETS = st.one_of(
    st.sampled_from(
        ["published", "withdrawn", "", " ", "%00", "0" * 12, "x" * 5000, "' OR 1=1 --", "../../etc"]
    ),
    st.text(max_size=40),
)


@FUZZ
@given(
    target=REPLY_TARGETS,
    where=st.sampled_from(["query", "form", "both"]),
    button=st.sampled_from(["send", "preview"]),
)
def test_responses_with_any_in_reply_to_are_stored_whole_and_only_to_published_items(
    app: Flask, target: str, where: str, button: str
) -> None:
    if "_REPLY_IDS" not in app.config:
        app.config["_REPLY_IDS"] = _reading_room(app)
    ids = app.config["_REPLY_IDS"]
    value = ids.get(target, target)
    client = app.test_client()
    page = client.get("/submit", query_string={"in_reply_to": value})
    assert page.status_code == 200
    body = "A response to what I read."
    data = {**fresh_fields(client), "body": body, button: "1"}
    query = {}
    if where in ("form", "both"):
        data["in_reply_to"] = value
    if where in ("query", "both"):
        query["in_reply_to"] = value
    before = snapshot(app)
    response = client.post("/submit", data=data, query_string=query)
    assert response.status_code in CLEAR, response.status_code
    linked = ids["published"] if target == "published" and value.strip() else None
    codename = assert_stored_exactly_when_shown(app, before, response.get_data(as_text=True), body, linked)
    assert (codename is not None) == (button == "send")


def test_in_reply_to_an_unpublished_contribution_links_nothing(app: Flask) -> None:
    # Responding is offered beneath published contributions only. An id that is not public
    # (approved, still waiting for a digest) must neither be linked nor confirmed to exist.
    ids = _reading_room(app)
    client = app.test_client()
    unpublished_page = client.get("/submit", query_string={"in_reply_to": ids["unpublished"]}).get_data(
        as_text=True
    )
    unknown_page = client.get("/submit", query_string={"in_reply_to": "0123456789ab"}).get_data(as_text=True)
    strip = lambda page: re.sub(r'name="(csrf|send)_token" value="[^"]+"', "", page)  # noqa: E731
    assert strip(unpublished_page) == strip(unknown_page), "the form reveals that an unpublished id exists"
    before = snapshot(app)
    body = "Responding to something not yet published."
    response = client.post(
        "/submit",
        data={
            **fresh_fields(client),
            "body": body,
            "send": "1",
            "in_reply_to": ids["unpublished"],
        },
    )
    assert_stored_exactly_when_shown(app, before, response.get_data(as_text=True), body, None)


# ---- the status page with a real codename ----------------------------------------------------

hostile_text = st.one_of(
    st.text(max_size=200),
    st.sampled_from(
        ["", " ", "\x00", "<script>alert(1)</script>", "\u202e\u200b", "a" * 5001, "é" * 5000, "\r\n" * 30]
    ),
)


@FUZZ
@given(
    action=st.sampled_from(["view", "reply", "withdraw", "", "REPLY", "bogus", "reply\x00"]),
    reply=hostile_text,
    confirm=st.sampled_from(["yes", "", "no", "YES", "yes\x00"]),
    spelling=st.sampled_from(["exact", "upper", "padded"]),
)
def test_status_with_a_real_codename_changes_exactly_what_it_says(
    app: Flask, action: str, reply: str, confirm: str, spelling: str
) -> None:
    client = app.test_client()
    codename = send_and_get_codename(client, "Status fuzzing starts from a real submission.")
    typed = {"exact": codename, "upper": codename.upper(), "padded": f"  {codename.replace(' ', ' - ')}  "}[
        spelling
    ]
    with app.app_context():
        sub, _ = submissions.find(codename)
        assert sub is not None
        ident = sub.id
    blobs_before = _blob_count(app, ident)
    code, page = status_post(client, typed, action=action, reply=reply, confirm=confirm)
    assert code in CLEAR, code
    blobs_after = _blob_count(app, ident)
    if "Your reply was sent" in page:
        assert action == "reply" and code == 200
        assert blobs_after == blobs_before + 1
        with app.app_context():
            found, derived = submissions.find(codename)
            assert found is not None
            texts = [m.text for m in submissions.messages_for_submitter(found, derived)]
        assert texts[-1] == clean(reply)
    elif "Your testimony has been withdrawn" in page:
        assert action == "withdraw" and confirm == "yes" and code == 200
        assert blobs_after == 0
        with app.app_context():
            row = db.session.get(Submission, ident)
            assert row is not None and row.status == Status.WITHDRAWN
    else:
        assert blobs_after == blobs_before, (action, confirm, code)
    # The codename is never echoed anywhere except the hidden fields of a no-store page.
    assert client.post("/status").headers.get("Cache-Control") == "no-store"


def _blob_count(app: Flask, submission_id: int) -> int:
    with app.app_context():
        blobs = db.session.scalars(select(SealedBlob).where(SealedBlob.submission_id == submission_id)).all()
        for blob in blobs:
            # Every blob that exists is whole: it opens with the recovery key.
            sealing.open_blob(blob, Recipient.RECOVERY, app.config["TEST_RECOVERY_PRIVATE_KEY"])
            keys = db.session.scalar(
                select(func.count()).select_from(WrappedKey).where(WrappedKey.blob_id == blob.id)
            )
            assert keys and keys >= len(sealing.staff_readers())
        return len(blobs)


def test_stored_blobs_survive_no_tampering(app: Flask, client: FlaskClient) -> None:
    # Swapping two submissions' bundles (a database-level attack) is detected, not silently read.
    send_and_get_codename(client, "First submission.")
    send_and_get_codename(client, "Second submission.")
    with app.app_context():
        a, b = db.session.scalars(
            select(SealedBlob).where(SealedBlob.kind == BlobKind.BUNDLE).order_by(SealedBlob.id)
        ).all()
        a.ciphertext, b.ciphertext = b.ciphertext, a.ciphertext
        db.session.commit()
        for blob in (a, b):
            with pytest.raises(crypto.CryptoError):
                sealing.open_blob(blob, Recipient.RECOVERY, app.config["TEST_RECOVERY_PRIVATE_KEY"])
