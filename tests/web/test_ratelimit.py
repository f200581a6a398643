"""Rate limits: they engage, keep the text, and never key on a raw address."""

from flask import Flask
from flask.testing import FlaskClient

from testimony.web import ratelimit
from tests.conftest import base_config
from tests.support.helpers import csrf_token, form_tokens


def make_app(tmp_path, **extra) -> Flask:  # type: ignore[no-untyped-def]
    from testimony import create_app, instance_keys

    config = {**base_config(f"sqlite:///{tmp_path}/rl.db"), "RATELIMIT_ENABLED": True, **extra}
    app = create_app(config, instance_path=str(tmp_path / "inst"))
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        keys, _ = instance_keys.create(app)
        instance_keys.apply(app, keys)
    return app


def test_per_address_limit_keeps_the_text(tmp_path) -> None:  # type: ignore[no-untyped-def]
    app = make_app(tmp_path, RATELIMIT_PER_ADDRESS="2 per hour")
    ratelimit.limiter.reset()
    client: FlaskClient = app.test_client()
    token = csrf_token(client, "/submit")
    codes = []
    for _ in range(3):
        response = client.post(
            "/submit", data={"csrf_token": token, "body": "my careful words", "preview": "1"}
        )
        codes.append(response.status_code)
    assert codes == [200, 200, 429]
    page = response.get_data(as_text=True)
    assert "my careful words" in page and "wait a few minutes" in page


def test_global_cap_on_sending(tmp_path) -> None:  # type: ignore[no-untyped-def]
    app = make_app(tmp_path, RATELIMIT_SEND_GLOBAL="1 per minute", RATELIMIT_PER_ADDRESS="100 per hour")
    ratelimit.limiter.reset()
    first, second = app.test_client(), app.test_client()
    ok = first.post("/submit", data={**form_tokens(first), "body": "one", "send": "1"})
    assert ok.status_code == 200
    # A different address is still refused: the cap is for everyone together.
    blocked = second.post(
        "/submit",
        data={**form_tokens(second), "body": "two", "send": "1"},
        environ_base={"REMOTE_ADDR": "10.9.8.7"},
    )
    assert blocked.status_code == 429
    # Previews are not held by the cap on sends (they have a larger cap of their own).
    preview = second.post(
        "/submit",
        data={"csrf_token": csrf_token(second, "/submit"), "body": "two", "preview": "1"},
        environ_base={"REMOTE_ADDR": "10.9.8.7"},
    )
    assert preview.status_code == 200


def test_limiter_key_is_not_the_address(app: Flask) -> None:
    with app.test_request_context(environ_base={"REMOTE_ADDR": "203.0.113.9"}):
        key = ratelimit.address_key()
    assert "203.0.113.9" not in key and len(key) == 32
    with app.test_request_context(environ_base={"REMOTE_ADDR": "203.0.113.9"}):
        assert ratelimit.address_key() == key  # stable within the day


def _previews(app: Flask, forwarded_for: list[str]) -> list[int]:
    client = app.test_client()
    token = csrf_token(client, "/submit")
    return [
        client.post(
            "/submit",
            data={"csrf_token": token, "body": "words", "preview": "1"},
            headers={"X-Forwarded-For": address},
        ).status_code
        for address in forwarded_for
    ]


def test_forwarded_addresses_are_ignored_unless_a_proxy_is_trusted(tmp_path) -> None:  # type: ignore[no-untyped-def]
    # Without a trusted proxy, changing X-Forwarded-For must not buy a fresh allowance.
    app = make_app(tmp_path, RATELIMIT_PER_ADDRESS="2 per hour")
    ratelimit.limiter.reset()
    assert _previews(app, ["198.51.100.1", "198.51.100.2", "198.51.100.3"]) == [200, 200, 429]


def test_behind_a_trusted_proxy_each_visitor_has_their_own_limit(tmp_path) -> None:  # type: ignore[no-untyped-def]
    app = make_app(tmp_path, RATELIMIT_PER_ADDRESS="2 per hour", TRUSTED_PROXY_HOPS=1)
    ratelimit.limiter.reset()
    assert _previews(app, ["198.51.100.1", "198.51.100.1", "198.51.100.1"]) == [200, 200, 429]
    assert _previews(app, ["198.51.100.2"]) == [200]  # someone else behind the same proxy
    # A client's own X-Forwarded-For is before the proxy's entry, so it cannot choose its key.
    assert _previews(app, ["203.0.113.9, 198.51.100.1"]) == [429]
