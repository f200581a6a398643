"""Atom feeds: valid Atom (parsed back with feedparser), site-wide and per theme, discoverable,
and only public content."""

from __future__ import annotations

import datetime as dt

import feedparser
from flask import Flask
from flask.testing import FlaskClient

from testimony.models import utcnow
from tests.support.factories import make_digest


def parse(client: FlaskClient, path: str) -> feedparser.FeedParserDict:
    response = client.get(path)
    assert response.status_code == 200
    assert response.mimetype == "application/atom+xml"
    feed = feedparser.parse(response.data)
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10"
    return feed


def test_site_feed_lists_published_digests_newest_first(app: Flask, client: FlaskClient) -> None:
    old, _ = make_digest(app, ["Older words."], title="Older digest", when=utcnow() - dt.timedelta(days=3))
    new, _ = make_digest(app, ["Newer words with <tags> & ampersands."], title="Newer digest")
    make_digest(app, ["Unpublished words."], title="Draft digest", publish=False)
    feed = parse(client, "/feed.atom")
    assert [e.title for e in feed.entries] == ["Newer digest", "Older digest"]
    assert feed.entries[0].link.endswith(f"/d/{new}")
    assert feed.entries[1].link.endswith(f"/d/{old}")
    assert feed.entries[0].id.endswith(f"/d/{new}")
    content = feed.entries[0].content[0].value
    assert "Newer words with &lt;tags&gt; &amp; ampersands." in content
    assert "<em>emphasis</em>" in content
    assert all("Unpublished" not in e.content[0].value for e in feed.entries)
    assert any(link.rel == "self" and link.href.endswith("/feed.atom") for link in feed.feed.links)
    assert feed.entries[0].tags[0].term == "workload"


def test_theme_feed_has_only_that_theme(app: Flask, client: FlaskClient) -> None:
    make_digest(app, ["About the workload."], themes=("workload",), title="Work")
    make_digest(app, ["About pay."], themes=("pay-retention",), title="Pay")
    feed = parse(client, "/themes/workload/feed.atom")
    assert len(feed.entries) == 1
    assert "About the workload." in feed.entries[0].content[0].value
    assert "/c/" in feed.entries[0].link
    assert "Workload and caseloads" in feed.feed.title
    empty = parse(client, "/themes/unions/feed.atom")
    assert empty.entries == []
    assert client.get("/themes/nothing/feed.atom").status_code == 404


def test_pages_announce_their_feeds(app: Flask, client: FlaskClient) -> None:
    slug, _ = make_digest(app, ["Words."])
    for path in ["/", f"/d/{slug}", "/themes", "/archive", "/search"]:
        html = client.get(path).get_data(as_text=True)
        assert '<link rel="alternate" type="application/atom+xml"' in html and 'href="/feed.atom"' in html, (
            path
        )
    theme = client.get("/themes/workload").get_data(as_text=True)
    assert (
        'type="application/atom+xml" title="testimony: Workload and caseloads" href="/themes/workload/feed.atom"'
        in theme
    )


def test_empty_feed_is_still_valid(client: FlaskClient) -> None:
    assert parse(client, "/feed.atom").entries == []


def test_feed_is_reused_until_something_is_published_and_answers_304(app: Flask, client: FlaskClient) -> None:
    make_digest(app, ["First words."], title="First digest")
    first = client.get("/feed.atom")
    etag = first.headers["ETag"]
    assert client.get("/feed.atom", headers={"If-None-Match": etag}).status_code == 304
    make_digest(app, ["Second words."], title="Second digest")
    # The cached document is not served once the public set has changed.
    feed = parse(client, "/feed.atom")
    assert [e.title for e in feed.entries] == ["Second digest", "First digest"]
    assert client.get("/feed.atom", headers={"If-None-Match": etag}).status_code == 200


def test_cached_pages_keep_the_address_they_were_asked_on(app: Flask, client: FlaskClient) -> None:
    # The onion service and the clear-web name share one app; neither gets the other's links.
    app.config["TRUSTED_HOSTS"] = ["testimony.example", "abcdefghij.onion"]
    slug, _ = make_digest(app, ["Words on two addresses."], title="Two names")
    for path in ("/feed.atom", f"/d/{slug}"):
        clear = client.get(path, base_url="https://testimony.example").get_data(as_text=True)
        onion = client.get(path, base_url="http://abcdefghij.onion").get_data(as_text=True)
        assert "abcdefghij.onion" not in clear and "testimony.example" not in onion
    feed = client.get("/feed.atom", base_url="http://abcdefghij.onion").get_data(as_text=True)
    assert "http://abcdefghij.onion/d/" in feed  # the feed's links are absolute: the check can see them
