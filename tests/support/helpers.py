"""Small helpers the tests share: reading CSRF tokens and codenames out of real pages."""

from __future__ import annotations

import re

from flask.testing import FlaskClient

# What one send stores: the bundle (the original, for staff alone) and the struck-out text the
# submitter can open too (testimony/submissions.py: store).
BLOBS_PER_SEND = 2
CODENAME = re.compile(r'<p class="codename"[^>]*><code>([a-z ]+)</code>')


def csrf_token(client: FlaskClient, path: str) -> str:
    page = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def form_tokens(client: FlaskClient, path: str = "/submit", **request: str) -> dict[str, str]:
    """The hidden tokens of a fresh form: the CSRF token and, on /submit, the one-time send
    token (testimony/send_tokens.py). `request` goes to client.get (base_url, for example)."""
    page = client.get(path, **request).get_data(as_text=True)  # type: ignore[arg-type]
    return tokens_in(page)


def tokens_in(page: str) -> dict[str, str]:
    fields = dict(re.findall(r'name="(csrf_token|send_token)" value="([^"]+)"', page))
    assert "csrf_token" in fields, "no CSRF token on the page"
    return fields


def submit(client: FlaskClient, body: str, button: str = "send") -> tuple[int, str]:
    response = client.post("/submit", data={**form_tokens(client), "body": body, button: "1"})
    return response.status_code, response.get_data(as_text=True)


def send_and_get_codename(client: FlaskClient, body: str) -> str:
    code, page = submit(client, body, "send")
    assert code == 200, page
    match = CODENAME.search(page)
    assert match, "no codename on the sent page"
    return match.group(1)


def status_post(client: FlaskClient, codename: str, **fields: str) -> tuple[int, str]:
    token = csrf_token(client, "/status")
    response = client.post("/status", data={"csrf_token": token, "codename": codename, **fields})
    return response.status_code, response.get_data(as_text=True)


def token_in(page: str) -> str:
    """The CSRF token of the first form on `page` (the one way the tests read it)."""
    return tokens_in(page)["csrf_token"]
