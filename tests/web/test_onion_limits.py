"""Rate limits for each way in (docs/DEPLOY.md, "Rate limits and what they protect").

Through the onion service every visitor reaches the app from tor's loopback address, so a
per-address limit would be one bucket for all of them: one abuser could spend everyone's
allowance. Requests that came through the onion (a .onion Host we serve, from this machine) skip
the per-address limits; the global caps on sends, previews and status visits still hold, and
Tor's proof-of-work defence (docs/torrc.example) makes each abuser pay. On the clear web nothing
changes: each visitor has their own allowance, and claiming the onion name does not escape it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from testimony.web import ratelimit
from tests.support.helpers import csrf_token, form_tokens
from tests.web.test_ratelimit import make_app

ONION = "abcdefghijklmnopqrstuvwxyz234567abcdefghijklmnopqrstuvw.onion"
CLEAR = "testimony.example.org"


def app_with(tmp_path: Path, **limits: Any) -> Flask:
    app = make_app(tmp_path, TRUSTED_HOSTS=[CLEAR, ONION], **limits)
    ratelimit.limiter.reset()
    return app


def previews(client: FlaskClient, host: str, n: int, **request: Any) -> list[int]:
    base = f"http://{host}"
    token = csrf_token(client, "/submit") if host == "localhost" else None
    codes = []
    for _ in range(n):
        token = token or form_tokens(client, base_url=base)["csrf_token"]
        response = client.post(
            "/submit", base_url=base, data={"csrf_token": token, "body": "words", "preview": "1"}, **request
        )
        codes.append(response.status_code)
    return codes


def test_onion_visitors_do_not_share_a_per_address_bucket(tmp_path: Path) -> None:
    app = app_with(tmp_path, RATELIMIT_PER_ADDRESS="2 per hour")
    # Every onion visitor arrives from 127.0.0.1: none of them is held to a per-address limit.
    assert previews(app.test_client(), ONION, 5) == [200] * 5
    assert previews(app.test_client(), ONION, 1) == [200]
    # The same address on the clear-web name keeps its per-address limit.
    assert previews(app.test_client(), CLEAR, 3) == [200, 200, 429]


def test_the_onion_name_from_elsewhere_is_still_limited_per_address(tmp_path: Path) -> None:
    # Behind nginx (TRUSTED_PROXY_HOPS=1), a clear-web visitor who sends the onion's name as Host
    # (nginx's default_server should refuse it first) still has only their own allowance.
    app = app_with(tmp_path, RATELIMIT_PER_ADDRESS="2 per hour", TRUSTED_PROXY_HOPS=1)
    visitor = {"headers": {"X-Forwarded-For": "198.51.100.7"}}
    assert previews(app.test_client(), ONION, 3, **visitor) == [200, 200, 429]
    # Tor's own connections (nginx's X-Forwarded-For is tor's 127.0.0.1) are onion visitors.
    tor = {"headers": {"X-Forwarded-For": "127.0.0.1"}}
    assert previews(app.test_client(), ONION, 4, **tor) == [200] * 4


def test_global_caps_still_hold_through_the_onion(tmp_path: Path) -> None:
    app = app_with(
        tmp_path,
        RATELIMIT_PER_ADDRESS="1 per hour",
        RATELIMIT_SEND_GLOBAL="2 per minute",
        RATELIMIT_PREVIEW_GLOBAL="3 per minute",
        RATELIMIT_STATUS_GLOBAL="2 per minute",
        RATELIMIT_STATUS_PER_ADDRESS="1 per hour",
    )
    base = f"http://{ONION}"
    client = app.test_client()
    sends = [
        client.post(
            "/submit", base_url=base, data={**form_tokens(client, base_url=base), "body": "x", "send": "1"}
        ).status_code
        for _ in range(3)
    ]
    assert sends == [200, 200, 429]
    assert previews(app.test_client(), ONION, 4) == [200, 200, 200, 429]
    statuses = [
        client.post(
            "/status",
            base_url=base,
            data={
                "csrf_token": form_tokens(client, "/status", base_url=base)["csrf_token"],
                "codename": "a b c",
            },
        ).status_code
        for _ in range(3)
    ]
    assert statuses == [404, 404, 429]


def test_an_onion_abuser_cannot_spend_a_clear_web_visitors_allowance(tmp_path: Path) -> None:
    app = app_with(tmp_path, RATELIMIT_PER_ADDRESS="2 per hour", TRUSTED_PROXY_HOPS=1)
    tor = {"headers": {"X-Forwarded-For": "127.0.0.1"}}
    assert previews(app.test_client(), ONION, 6, **tor) == [200] * 6
    visitor = {"headers": {"X-Forwarded-For": "198.51.100.9"}}
    assert previews(app.test_client(), CLEAR, 2, **visitor) == [200, 200]


def test_via_onion(tmp_path: Path) -> None:
    app = app_with(tmp_path)
    cases = [
        (f"http://{ONION}", "127.0.0.1", True),
        (f"http://{ONION}", "::1", True),
        (f"http://{ONION}", "198.51.100.7", False),
        (f"https://{CLEAR}", "127.0.0.1", False),
        (f"https://{CLEAR}", "198.51.100.7", False),
    ]
    for base, address, expected in cases:
        with app.test_request_context("/", base_url=base, environ_base={"REMOTE_ADDR": address}):
            assert ratelimit.via_onion() is expected, (base, address)
