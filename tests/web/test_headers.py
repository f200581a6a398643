"""Security headers on every response."""

import pytest
from flask.testing import FlaskClient

PATHS = ["/", "/submit", "/status", "/about", "/does-not-exist", "/static/style.css"]


@pytest.mark.parametrize("path", PATHS)
def test_strict_headers(client: FlaskClient, path: str) -> None:
    response = client.get(path)
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "style-src 'self'" in csp and "form-action 'self'" in csp
    assert "script-src" not in csp
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("path", ["/submit", "/status"])
def test_submitter_pages_are_never_cached(client: FlaskClient, path: str) -> None:
    assert client.get(path).headers["Cache-Control"] == "no-store"


def test_session_cookie_is_strict(client: FlaskClient) -> None:
    response = client.get("/submit")
    cookie = response.headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie


def test_cookie_is_secure_over_https(app, client: FlaskClient) -> None:  # type: ignore[no-untyped-def]
    app.config["SESSION_COOKIE_SECURE"] = True
    cookie = client.get("/submit", base_url="https://localhost").headers.get("Set-Cookie", "")
    assert "Secure" in cookie
