"""The reading room for journalists (issue 16): numbering, citations, the journalists', feeds and
API reference pages, link previews, the favicon, and CORS without credentials on the API."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import feedparser
from flask import Flask
from flask.testing import FlaskClient

from tests.support.factories import make_digest, page

ROOT = Path(__file__).resolve().parents[2]
TEXTS = ["The rota had three names on it.", "Nobody covered the night shift.", "We ran out of forms."]


def test_contributions_are_numbered_in_their_digest(app: Flask, client: FlaskClient) -> None:
    slug, ids = make_digest(app, TEXTS)
    html = page(client, f"/d/{slug}")
    numbers = re.findall(r'<h2 class="number" id="n-(\w+)">No\. (\d+)</h2>', html)
    assert numbers == [(pid, str(n)) for n, pid in enumerate(ids, start=1)]
    assert "No. 3 in “Caseloads at breaking point”" in page(client, f"/c/{ids[2]}")


def test_each_contribution_has_a_citation_to_copy_and_download(app: Flask, client: FlaskClient) -> None:
    _slug, ids = make_digest(app, TEXTS)
    html = page(client, f"/c/{ids[1]}")
    permalink = f"http://localhost/c/{ids[1]}"
    cited = re.search(r'<pre class="copyable"[^>]*aria-label="Citation">([^<]*)</pre>', html)
    assert cited is not None
    text = cited.group(1)
    assert "Caseloads at breaking point" in text and "No. 2" in text and permalink in text
    assert re.search(r"published \d{1,2} \w+ \d{4}", text)

    response = client.get(f"/c/{ids[1]}/cite.csl.json")
    assert response.status_code == 200 and response.mimetype == "application/vnd.citationstyles.csl+json"
    assert "attachment" in response.headers["Content-Disposition"]
    (item,) = json.loads(response.get_data(as_text=True))
    assert item["URL"] == permalink and item["number"] == "2"
    assert item["container-title"] == "Caseloads at breaking point"
    assert len(item["issued"]["date-parts"][0]) == 3

    bib = client.get(f"/c/{ids[1]}/cite.bib").get_data(as_text=True)
    assert bib.startswith(f"@misc{{testimony-{ids[1]},") and f"url = {{{permalink}}}" in bib
    assert bib.count("{") == bib.count("}")
    assert client.get(f"/c/{ids[1]}/cite.exe").status_code == 404
    assert client.get("/c/nothing/cite.bib").status_code == 404


def test_unpublished_contributions_have_no_citation(app: Flask, client: FlaskClient) -> None:
    _slug, ids = make_digest(app, TEXTS[:1], publish=False)
    assert client.get(f"/c/{ids[0]}/cite.bib").status_code == 404


def test_link_previews_are_text_only(app: Flask, client: FlaskClient) -> None:
    slug, ids = make_digest(app, TEXTS)
    for path in (f"/d/{slug}", f"/c/{ids[0]}", "/journalists"):
        html = page(client, path)
        assert '<meta property="og:title"' in html and '<meta name="twitter:card" content="summary">' in html
        assert '<meta property="og:description"' in html
        assert "og:image" not in html and "twitter:image" not in html
    assert 'content="The rota had three names on it."' in page(client, f"/c/{ids[0]}")


def test_favicon_is_served_from_static(client: FlaskClient) -> None:
    response = client.get("/favicon.ico")
    assert response.status_code == 200 and response.data == (ROOT / "static" / "favicon.ico").read_bytes()
    assert 'rel="icon"' in page(client, "/about")


def test_journalists_page_is_linked_from_every_reading_page(app: Flask, client: FlaskClient) -> None:
    slug, ids = make_digest(app, TEXTS)
    for path in (
        "/",
        f"/d/{slug}",
        f"/c/{ids[0]}",
        "/themes",
        "/themes/workload",
        "/archive",
        "/search",
        "/trends",
    ):
        assert 'href="/journalists"' in page(client, path), path
    html = page(client, "/journalists")
    assert "How to cite" in html and "Following a theme" in html and "The API" in html
    assert "http://localhost/api/v1/contributions" in html and "No. 1" in html


def test_feed_links_lead_to_a_page_that_explains_subscribing(app: Flask, client: FlaskClient) -> None:
    make_digest(app, TEXTS)
    assert 'href="/feeds"' in page(client, "/")
    assert 'href="/feeds#theme-workload"' in page(client, "/themes/workload")
    html = page(client, "/feeds")
    assert "How to subscribe" in html
    assert "http://localhost/feed.atom" in html and "http://localhost/themes/workload/feed.atom" in html
    # The Atom documents themselves are unchanged and valid.
    for url in ("/feed.atom", "/themes/workload/feed.atom"):
        parsed = feedparser.parse(client.get(url).data)
        assert not parsed.bozo and parsed.entries


def test_api_reference_is_rendered_from_the_openapi_document(client: FlaskClient) -> None:
    html = page(client, "/api")
    document = json.loads((ROOT / "static" / "api" / "openapi.json").read_text())
    for path, item in document["paths"].items():
        for method in item:
            assert f"{method.upper()} /api/v1{path}" in html, path
    for name in document["components"]["schemas"]:
        assert f'id="schema-{name.lower()}"' in html
    assert "<script" not in html


def test_api_may_be_read_from_any_site_without_credentials(app: Flask, client: FlaskClient) -> None:
    make_digest(app, TEXTS)
    response = client.get("/api/v1/contributions", headers={"Origin": "https://newsroom.example"})
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in response.headers
    assert "ETag" in response.headers["Access-Control-Expose-Headers"]
    preflight = client.options(
        "/api/v1/contributions",
        headers={"Origin": "https://newsroom.example", "Access-Control-Request-Method": "GET"},
    )
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"
    assert "POST" not in preflight.headers["Access-Control-Allow-Methods"]
    assert "Access-Control-Allow-Credentials" not in preflight.headers
    # Error answers too: a tool in a browser can read why it was refused.
    assert client.get("/api/v1/nothing").headers["Access-Control-Allow-Origin"] == "*"


def test_api_never_accepts_a_cookie_or_credential(app: Flask, client: FlaskClient) -> None:
    make_digest(app, TEXTS)
    plain = client.get("/api/v1/contributions")
    # A credential is refused, never taken as meaning anything.
    for header in ("Authorization", "Proxy-Authorization"):
        for value in ("Bearer secret", "Basic dXNlcjpwYXNz"):
            refused = client.get("/api/v1/contributions", headers={header: value})
            assert refused.status_code == 400 and "no credentials" in refused.json["error"]["message"]
            assert refused.headers["Access-Control-Allow-Origin"] == "*"
    # A cookie (a reader may hold the site's session cookie) is set aside: the answer is the same,
    # and no cookie is set or refreshed.
    with client.session_transaction() as session:
        session["anything"] = "x"
    client.set_cookie("desk_session", "stolen-or-not")
    with_cookies = client.get("/api/v1/contributions")
    assert with_cookies.status_code == 200 and with_cookies.json["data"] == plain.json["data"]
    assert "Set-Cookie" not in with_cookies.headers
    assert "Cookie" not in with_cookies.headers.get("Vary", "")
    for path in ("/api/v1/", "/api/v1/themes", "/api/v1/openapi.json"):
        assert "Set-Cookie" not in client.get(path).headers


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def test_api_and_desk_do_not_import_the_public_pages() -> None:
    assert "testimony.web.public" not in _imports(ROOT / "testimony" / "web" / "api.py")
    assert "testimony.web.public" not in _imports(ROOT / "moderation" / "views" / "digests.py")
