"""Trusted hosts: only the names the site is served under are answered (TRUSTED_HOSTS), so a
forged Host header can neither appear in the feeds' and the API's absolute addresses nor push
real pages out of the page cache (testimony/web/security.py, testimony/web/page_cache.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from testimony import create_app
from testimony.web import page_cache
from tests.support.factories import make_digest

FOREIGN = "attacker.example"


def paths(slug: str, pid: str) -> list[str]:
    return [
        "/",
        "/feed.atom",
        "/themes/workload/feed.atom",
        f"/d/{slug}",
        f"/c/{pid}",
        "/api/v1/contributions",
        "/api/v1/digests",
        "/submit",
        "/status",
        "/desk/login",
        "/static/style.css",
        "/no-such-page",
    ]


def test_a_foreign_host_gets_a_plain_400_that_never_repeats_it(app: Flask, client: FlaskClient) -> None:
    slug, (pid,) = make_digest(app, ["Words with links in every feed."])
    for path in paths(slug, pid):
        for base in (f"http://{FOREIGN}", f"https://{FOREIGN}:8443", "http://localhost.attacker.example"):
            response = client.get(path, base_url=base)
            body = response.get_data(as_text=True)
            assert response.status_code == 400, (path, base, response.status_code)
            assert response.mimetype == "text/plain"
            assert "attacker" not in body, (path, base)
            assert "Set-Cookie" not in response.headers
    # A foreign host on a post is refused before anything reads the form.
    response = client.post("/submit", base_url=f"http://{FOREIGN}", data={"body": "x", "send": "1"})
    assert response.status_code == 400 and "attacker" not in response.get_data(as_text=True)
    # Forwarding headers do not change the host the app sees (ProxyFix trusts X-Forwarded-For only).
    response = client.get("/feed.atom", headers={"X-Forwarded-Host": FOREIGN})
    assert response.status_code == 200 and FOREIGN not in response.get_data(as_text=True)


def test_the_default_names_are_the_local_ones(app: Flask, client: FlaskClient) -> None:
    slug, _ = make_digest(app, ["Words for local development."])
    for base in ("http://localhost", "http://127.0.0.1:5000", "https://localhost:8443"):
        response = client.get("/feed.atom", base_url=base)
        assert response.status_code == 200, base
        assert f"{base}/d/{slug}" in response.get_data(as_text=True)
        api = client.get("/api/v1/contributions", base_url=base)
        assert api.status_code == 200, base


def test_hosts_come_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TESTIMONY_HOSTS", "testimony.example.org, abcdefghijklmnop.onion")
    app = create_app({"TESTING": True}, instance_path=str(tmp_path))
    assert app.config["TRUSTED_HOSTS"] == ["testimony.example.org", "abcdefghijklmnop.onion"]
    client = app.test_client()
    assert client.get("/about", base_url="https://testimony.example.org").status_code == 200
    assert client.get("/about", base_url="http://abcdefghijklmnop.onion").status_code == 200
    assert client.get("/about", base_url="http://localhost").status_code == 400
    # FLASK_TRUSTED_HOSTS works too, as a list or as words separated by commas or spaces
    # (a shell that sources the environment file strips the quotes of a JSON list).
    monkeypatch.delenv("TESTIMONY_HOSTS")
    monkeypatch.setenv("FLASK_TRUSTED_HOSTS", "[a.example,b.example]")
    assert create_app({"TESTING": True}, instance_path=str(tmp_path)).config["TRUSTED_HOSTS"] == [
        "a.example",
        "b.example",
    ]
    monkeypatch.setenv("FLASK_TRUSTED_HOSTS", '["a.example", "b.example"]')
    assert create_app({"TESTING": True}, instance_path=str(tmp_path)).config["TRUSTED_HOSTS"] == [
        "a.example",
        "b.example",
    ]


def test_no_trusted_host_at_all_is_refused_at_start(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="TRUSTED_HOSTS"):
        create_app({"TESTING": True, "TRUSTED_HOSTS": []}, instance_path=str(tmp_path))


def test_junk_hosts_do_not_evict_cached_pages(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(page_cache, "PAGE_CACHE", 2)
    slug, _ = make_digest(app, ["The digest's words."], title="Kept")
    assert client.get(f"/d/{slug}").status_code == 200
    assert "http://localhost/d/" in client.get("/feed.atom").get_data(as_text=True)
    pages = app.extensions[page_cache.PAGES_KEY]
    kept = dict(pages)
    assert len(kept) == 2
    (digest_key,) = [k for k in kept if k.endswith(f"digest:{slug}")]
    for n in range(50):
        for path in (f"/d/{slug}", "/feed.atom"):
            assert client.get(path, base_url=f"http://junk{n}.example").status_code == 400
    assert pages == kept
    # Other ports of a trusted name (reachable only without nginx, whose $host has no port) get
    # their own links, and at most replace that one page's entry: they cannot push others out.
    for port in range(8000, 8050):
        feed = client.get("/feed.atom", base_url=f"http://localhost:{port}").get_data(as_text=True)
        assert f"http://localhost:{port}/d/" in feed
    assert len(pages) == 2
    assert pages[digest_key] is kept[digest_key], "a request on another port evicted a real page"
    feed = client.get("/feed.atom").get_data(as_text=True)
    assert "http://localhost/d/" in feed and "localhost:8049" not in feed
