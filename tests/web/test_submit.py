"""The submission path: form, preview, send, with plain form posts (no JavaScript)."""

import re

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from testimony.db import db
from testimony.models import BlobKind, Recipient, SealedBlob, Submission, WrappedKey
from tests.support.helpers import CODENAME, csrf_token, submit

TEXT = (
    "My manager Sarah Collins told the team in the Leeds office that caseloads of 90 are normal. "
    "Email me at sarah.c@example.org if you doubt it."
)


def count(model: type) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def test_form_is_plain_html(client: FlaskClient) -> None:
    page = client.get("/submit").get_data(as_text=True)
    assert '<textarea id="body" name="body"' in page
    assert 'name="preview"' in page and 'name="send"' in page
    assert 'name="csrf_token"' in page
    assert "<script" not in page
    assert "Before you write" in page


def test_preview_strikes_details_and_stores_nothing(app: Flask, client: FlaskClient) -> None:
    code, page = submit(client, TEXT, "preview")
    assert code == 200
    assert "[name" in page and "[contact" in page
    assert 'class="struck kind-person"' in page
    # The text stays in the box so the writer can change it.
    assert "caseloads of 90 are normal" in page.split("</textarea>")[0]
    with app.app_context():
        assert count(Submission) == 0 and count(SealedBlob) == 0


def test_send_stores_sealed_and_shows_codename_once(app: Flask, client: FlaskClient) -> None:
    code, page = submit(client, TEXT, "send")
    assert code == 200
    match = CODENAME.search(page)
    assert match and len(match.group(1).split()) == 7
    with app.app_context():
        assert count(Submission) == 1
        blobs = {b.kind: b for b in db.session.scalars(select(SealedBlob))}
        assert set(blobs) == {BlobKind.BUNDLE, BlobKind.SENT}
        assert all(b"caseloads" not in b.ciphertext for b in blobs.values())

        # The bundle (the original) to the recovery key alone (no moderators exist yet); the
        # struck-out text to the submitter's own key too, so the status page can mark a
        # moderator's changes against what they sent (issue 15).
        def readers(blob: SealedBlob) -> list[str]:
            return sorted(
                db.session.scalars(select(WrappedKey.recipient).where(WrappedKey.blob_id == blob.id))
            )

        assert readers(blobs[BlobKind.BUNDLE]) == [Recipient.RECOVERY]
        assert readers(blobs[BlobKind.SENT]) == [Recipient.RECOVERY, Recipient.SUBMITTER]
    # The codename appears on no other page.
    assert match.group(1) not in client.get("/status").get_data(as_text=True)


def test_empty_text_is_refused_clearly(app: Flask, client: FlaskClient) -> None:
    code, page = submit(client, "   \n\t  ", "send")
    assert code == 400
    assert "There is no text yet" in page
    with app.app_context():
        assert count(Submission) == 0


def test_oversized_text_is_refused_and_kept(app: Flask, client: FlaskClient) -> None:
    body = "word " * 4_100  # about 20,500 characters
    code, page = submit(client, body, "send")
    assert code == 413
    assert "the limit is 20,000" in page
    assert page.count("word ") > 4_000  # the text is given back
    with app.app_context():
        assert count(Submission) == 0


def test_body_beyond_the_transport_limit_gets_a_413_page(client: FlaskClient) -> None:
    token = csrf_token(client, "/submit")
    response = client.post("/submit", data={"csrf_token": token, "body": "x" * 300_000, "send": "1"})
    assert response.status_code == 413
    assert "Too long" in response.get_data(as_text=True)


def test_non_utf8_body_is_refused(app: Flask, client: FlaskClient) -> None:
    token = csrf_token(client, "/submit")
    raw = f"csrf_token={token}&send=1&body=caf%E9%FF".encode()
    response = client.post("/submit", data=raw, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    assert "encoding" in response.get_data(as_text=True)
    with app.app_context():
        assert count(Submission) == 0


def test_missing_csrf_token_sends_nothing_and_keeps_text(app: Flask, client: FlaskClient) -> None:
    response = client.post("/submit", data={"body": "keep this text please", "send": "1"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "keep this text please" in page and "nothing was sent" in page
    with app.app_context():
        assert count(Submission) == 0


def test_no_button_is_a_clear_400(client: FlaskClient) -> None:
    token = csrf_token(client, "/submit")
    response = client.post("/submit", data={"csrf_token": token, "body": "hello"})
    assert response.status_code == 400


def test_hostile_markup_is_escaped(client: FlaskClient) -> None:
    hostile = '<script>alert(1)</script><img src=x onerror=alert(2)> "quoted" \x00\x07 end'
    code, page = submit(client, hostile, "preview")
    assert code == 200
    assert "<script>alert(1)" not in page and "<img src=x" not in page
    assert "&lt;script&gt;" in page
    assert "\x00" not in page and "\x07" not in page


def test_send_twice_gives_two_codenames(client: FlaskClient) -> None:
    first = CODENAME.search(submit(client, "First testimony about workload.")[1])
    second = CODENAME.search(submit(client, "Second testimony about workload.")[1])
    assert first and second and first.group(1) != second.group(1)


def test_no_asset_from_another_site(client: FlaskClient) -> None:
    for path in ["/", "/submit", "/status", "/about", "/nowhere"]:
        page = client.get(path).get_data(as_text=True)
        for attr, url in re.findall(r'\b(src|href)="([^"]*)"', page):
            if attr == "src" or "stylesheet" in page.split(url)[0][-80:]:
                assert not re.match(r"^(https?:)?//", url), (path, url)
        assert not re.search(r'src="(https?:)?//', page)
        assert not re.search(r'<link[^>]+href="(https?:)?//', page)
