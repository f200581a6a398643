"""Random and hostile bodies against every public POST: only clear 4xx or success, never a
500, and a stored row exists exactly when a codename was shown."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from testimony.db import db
from testimony.models import SealedBlob, Submission
from tests.support.helpers import BLOBS_PER_SEND, CODENAME, csrf_token, form_tokens

ALLOWED = {200, 400, 404, 413, 429}
FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

hostile_text = st.one_of(
    st.text(max_size=300),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=300),
    st.sampled_from(
        [
            "<script>alert(1)</script>",
            "\x00\x01\x02\x1b[31m",
            "\u202e\u200b\ufeff",
            "%00%ff%fe",
            "' OR 1=1 --",
            "{{ 7*7 }}{% raw %}",
            "\r\n" * 50,
            "a" * 20_001,
        ]
    ),
)


def rows(app: Flask) -> tuple[int, int]:
    with app.app_context():
        subs = db.session.scalar(select(func.count()).select_from(Submission)) or 0
        blobs = db.session.scalar(select(func.count()).select_from(SealedBlob)) or 0
    return subs, blobs


@FUZZ
@given(
    body=hostile_text,
    button=st.sampled_from(["send", "preview", "neither"]),
    extra=st.dictionaries(st.text(max_size=10), st.text(max_size=20), max_size=3),
)
def test_submit_form_fuzz(
    app: Flask, client: FlaskClient, body: str, button: str, extra: dict[str, str]
) -> None:
    before = rows(app)
    data = {**extra, **form_tokens(client), "body": body}
    if button != "neither":
        data[button] = "1"
    response = client.post("/submit", data=data)
    assert response.status_code in ALLOWED, response.status_code
    shown = CODENAME.search(response.get_data(as_text=True)) is not None
    after = rows(app)
    if shown:
        assert after[0] == before[0] + 1 and after[1] == before[1] + BLOBS_PER_SEND
    else:
        assert after == before


@FUZZ
@given(
    raw=st.binary(max_size=2000),
    content_type=st.sampled_from(
        [
            "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=xyz",
            "text/plain",
            "application/json",
        ]
    ),
)
def test_raw_bodies_never_500(app: Flask, client: FlaskClient, raw: bytes, content_type: str) -> None:
    before = rows(app)
    for path in ("/submit", "/status"):
        response = client.post(path, data=raw, content_type=content_type)
        assert response.status_code in ALLOWED, (path, response.status_code)
    assert rows(app) == before


@FUZZ
@given(
    codename=hostile_text,
    action=st.sampled_from(["view", "reply", "withdraw", "", "bogus"]),
    reply=hostile_text,
)
def test_status_form_fuzz(app: Flask, client: FlaskClient, codename: str, action: str, reply: str) -> None:
    before = rows(app)
    data = {
        "csrf_token": csrf_token(client, "/status"),
        "codename": codename,
        "action": action,
        "reply": reply,
        "confirm": "yes",
    }
    response = client.post("/status", data=data)
    assert response.status_code in ALLOWED
    assert rows(app) == before


def test_replayed_csrf_token_from_another_session_is_refused(app: Flask) -> None:
    alice, mallory = app.test_client(), app.test_client()
    token = csrf_token(alice, "/submit")
    response = mallory.post(
        "/submit",
        data={
            "csrf_token": token,
            "send_token": form_tokens(alice)["send_token"],
            "body": "forged",
            "send": "1",
        },
    )
    assert response.status_code == 400
    assert rows(app) == (0, 0)
