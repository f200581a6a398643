"""One send per form (testimony/send_tokens.py): reloading the codename page (the browser's
Resend), pressing Send twice, or going Back and sending the same form again stores one
submission, not two, and says so calmly. Works with plain form posts (no JavaScript)."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import threading
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, inspect, select
from sqlalchemy.exc import OperationalError

from testimony import codenames, send_tokens, submissions
from testimony.db import db
from testimony.jobs import run_once
from testimony.models import SealedBlob, Submission, UsedSendToken, today, utcnow
from tests.support.helpers import BLOBS_PER_SEND, CODENAME, form_tokens, tokens_in

BODY = "The night rota at our office has had one name on it for three weeks."


def counts(app: Flask) -> tuple[int, int, int]:
    with app.app_context():
        return tuple(  # type: ignore[return-value]
            int(db.session.scalar(select(func.count()).select_from(model)) or 0)
            for model in (Submission, SealedBlob, UsedSendToken)
        )


def post(
    client: FlaskClient, fields: dict[str, str], button: str = "send", body: str = BODY
) -> tuple[int, str]:
    response = client.post("/submit", data={**fields, "body": body, button: "1"})
    return response.status_code, response.get_data(as_text=True)


def test_the_form_carries_a_send_token_in_plain_html(client: FlaskClient) -> None:
    page = client.get("/submit").get_data(as_text=True)
    assert re.search(r'<input type="hidden" name="send_token" value="[^"]+">', page)
    assert "<script" not in page
    assert tokens_in(page)["send_token"] != form_tokens(client)["send_token"]  # one per form


def test_resending_the_codename_page_stores_nothing_and_says_already_sent(
    app: Flask, client: FlaskClient
) -> None:
    fields = form_tokens(client)
    code, page = post(client, fields)
    assert code == 200 and CODENAME.search(page)
    assert counts(app) == (1, BLOBS_PER_SEND, 1)
    # The browser's Resend posts exactly the same form again.
    code, page = post(client, fields)
    assert code == 409
    assert CODENAME.search(page) is None
    assert "already sent" in page and "Nothing new was stored" in page
    assert "shown once" in page
    assert BODY in page  # the text is given back, in a form with a new token
    assert tokens_in(page)["send_token"] != fields["send_token"]
    assert counts(app) == (1, BLOBS_PER_SEND, 1)
    # A third time, and with the text changed: still one.
    code, _page = post(client, fields, body="Something else entirely.")
    assert code == 409 and counts(app) == (1, BLOBS_PER_SEND, 1)


def test_back_from_the_codename_page_and_send_again_is_still_one(app: Flask, client: FlaskClient) -> None:
    fields = form_tokens(client)
    code, preview = post(client, fields, "preview")
    assert code == 200
    # The preview keeps the writer's token, so the form on it sends once with that token.
    kept = tokens_in(preview)
    assert kept["send_token"] == fields["send_token"]
    assert post(client, kept)[0] == 200
    # Back to the preview (the browser posts it again) and Send.
    code, preview_again = post(client, fields, "preview")
    assert code == 200
    assert post(client, tokens_in(preview_again))[0] == 409
    assert counts(app) == (1, BLOBS_PER_SEND, 1)
    # The page that says "already sent" carries a new token: something new can still be sent.
    _code, page = post(client, tokens_in(preview_again))
    code, sent = post(client, tokens_in(page), body="A second, different testimony.")
    assert code == 200 and CODENAME.search(sent)
    assert counts(app) == (2, 2 * BLOBS_PER_SEND, 2)


def test_a_send_without_a_good_token_stores_nothing_and_keeps_the_text(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    fields = form_tokens(client)
    day, nonce, mac = fields["send_token"].split(".")
    with app.app_context():
        old = send_tokens.issue(today() - dt.timedelta(days=send_tokens.VALID_DAYS))
        yesterday = send_tokens.issue(today() - dt.timedelta(days=1))
    for token in (
        None,
        "",
        "garbage",
        f"{day}.{nonce}.{mac[:-2]}AA",  # tampered signature
        f"{int(day) + 1}.{nonce}.{mac}",  # another day under the same signature
        old,  # issued too long ago
        "1.2.3.4",
        "9" * 400 + ".x.y",
    ):
        data = {"csrf_token": fields["csrf_token"]}
        if token is not None:
            data["send_token"] = token
        code, page = post(client, data)
        assert code == 400, token
        assert "expired" in page and "nothing was sent" in page and BODY in page
        assert tokens_in(page).get("send_token"), "the text comes back with a usable form"
    assert counts(app) == (0, 0, 0)
    # Yesterday's form still sends (someone may write across midnight).
    assert post(client, {"csrf_token": fields["csrf_token"], "send_token": yesterday})[0] == 200


def test_only_a_keyed_hash_and_the_day_are_kept(app: Flask, client: FlaskClient) -> None:
    fields = form_tokens(client)
    assert post(client, fields)[0] == 200
    with app.app_context():
        columns = {c["name"] for c in inspect(db.engine).get_columns("used_send_tokens")}
        assert columns == {"digest", "used_on"}  # no id, no time, no submission
        (row,) = db.session.scalars(select(UsedSendToken))
        assert row.used_on == today()
        nonce = send_tokens.nonce_of(fields["send_token"])
        assert nonce is not None
        assert nonce.hex() not in row.digest and fields["send_token"] not in row.digest
        # Without the instance secret the digest cannot be recomputed from a token seen in a page.
        assert row.digest != hashlib.sha256(nonce).hexdigest()
        assert row.digest != hmac.new(b"", nonce, hashlib.sha256).hexdigest()
        if db.engine.dialect.name == "sqlite":
            ddl = db.session.execute(
                db.text("SELECT sql FROM sqlite_master WHERE name = 'used_send_tokens'")
            ).scalar()
            assert "WITHOUT ROWID" in str(ddl).upper()


def test_the_jobs_forget_spent_tokens_after_two_days(app: Flask) -> None:
    now = utcnow()
    with app.app_context():
        for age in range(5):
            db.session.add(UsedSendToken(digest=f"{age:064d}", used_on=now.date() - dt.timedelta(days=age)))
        db.session.commit()
        run_once(now)
        left = sorted((now.date() - d).days for d in db.session.scalars(select(UsedSendToken.used_on)))
    assert left == [0, 1, 2]


def test_a_store_that_fails_leaves_the_token_unspent(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The spent token is written in the submission's transaction: if that is rolled back, so is it.
    fields = form_tokens(client)
    real_commit = db.session.commit
    calls = {"n": 0}

    def failing_commit() -> None:
        calls["n"] += 1
        if calls["n"] == 1:
            raise OperationalError("COMMIT", {}, Exception("the database went away"))
        real_commit()

    monkeypatch.setattr(submissions, "LOST_COMMIT_WAIT_SECONDS", 0.0)
    with app.app_context():
        monkeypatch.setattr(db.session, "commit", failing_commit)
        code, page = post(client, fields)
    monkeypatch.undo()
    assert code == 503 and "nothing was sent" in page
    assert counts(app) == (0, 0, 0)
    code, page = post(client, fields)
    assert code == 200 and CODENAME.search(page)
    assert counts(app) == (1, BLOBS_PER_SEND, 1)


def test_in_doubt_gives_a_new_token(app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    # When we cannot tell whether the first copy arrived, we ask the writer to send again and
    # promise a codename: that send must not be answered "already sent".
    def in_doubt(*_args: Any, **_kwargs: Any) -> Any:
        raise submissions.StoreInDoubt

    fields = form_tokens(client)
    monkeypatch.setattr(submissions, "store", in_doubt)
    code, page = post(client, fields)
    assert code == 503
    assert tokens_in(page)["send_token"] != fields["send_token"]


def _racing(app: Flask, hold: Callable[..., Any]) -> Callable[..., Any]:
    """codenames.derive (the costly step before anything is written), made to wait until both
    sends have reached it: both are past the early "already spent?" check when they write."""
    barrier = threading.Barrier(2, timeout=30)

    def derive(*args: Any, **kwargs: Any) -> Any:
        barrier.wait()
        return hold(*args, **kwargs)

    return derive


def test_two_sends_racing_with_one_token_store_exactly_one(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = app.test_client()
    fields = form_tokens(first)
    second = app.test_client()
    cookie = first.get_cookie("testimony")
    assert cookie is not None
    second.set_cookie("testimony", cookie.value, domain=cookie.domain or "localhost")
    monkeypatch.setattr(codenames, "derive", _racing(app, codenames.derive))
    answers: list[tuple[int, str]] = []
    errors: list[BaseException] = []

    def send(client: FlaskClient) -> None:
        try:
            answers.append(post(client, fields))
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=send, args=(c,)) for c in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    assert sorted(code for code, _ in answers) == [200, 409], [(c, p[:300]) for c, p in answers]
    shown = [p for c, p in answers if c == 200]
    assert CODENAME.search(shown[0])
    assert counts(app) == (1, BLOBS_PER_SEND, 1)
