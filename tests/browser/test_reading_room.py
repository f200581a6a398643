"""The reading room and the editors' desk: an editor composes and publishes a digest; a
journalist browses a theme, searches, opens a permalink and follows the feeds; a reader responds
to a contribution and, once it is approved and published, finds the response beneath it.

These pages come with the digests issue; each test skips, saying which page is missing, until
they exist. The journalist and the reader read the demo digests `flask seed-demo` publishes
(the server fixture runs it where the command exists)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import feedparser
import pytest

from tests.browser.support import Site, tab_to

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.browser

THEME = "Workload and caseloads"
FIRST = (
    "Every caseload review this quarter has been done at the kitchen table after the children "
    "are asleep, because the office laptops lock us out at six."
)
SECOND = (
    "Our team covers twice the caseload it was built for, and new starters are given full "
    "caseloads in their second week without a mentor."
)
RESPONSE = (
    "The same is true in our area: the new starters on our team were given full caseloads in "
    "their first month, and two have already gone off sick."
)


def needs(site: Site, *paths: str) -> None:
    missing = [p for p in paths if not site.exists(p)]
    if missing:
        pytest.skip(f"the reading room / digest desk is not built yet: {', '.join(missing)} not found")


def needs_demo(site: Site) -> None:
    if not site.seeded:
        pytest.skip("`flask seed-demo` is not available, so there is nothing published to read")


def enter(page: Page, selector: str) -> None:
    """Reach `selector` with Tab and press Enter on it, waiting for the next page."""
    tab_to(page, selector)
    with page.expect_navigation():
        page.keyboard.press("Enter")


def send_testimony(site: Site, text: str, path: str = "/submit") -> str:
    page = site.page(javascript=False)
    page.goto(site.url(path))
    page.fill("#body", text)
    page.click("button[name=send]")
    codename = page.locator("p.codename code").inner_text().strip()
    page.close()
    return codename


def approve_new(site: Site, texts: list[str], theme: str | None = None) -> list[str]:
    """Send each text as testimony, then approve each as the "approver" moderator (ticking
    `theme` if given). Returns the codenames."""
    desk = site.page()
    site.log_in(desk, site.accounts["approver"])
    before = set(site.queue_ids(desk))
    codenames = [send_testimony(site, text) for text in texts]
    fresh = set(site.queue_ids(desk)) - before
    assert len(fresh) == len(texts), fresh
    for item in fresh:
        desk.goto(site.url(f"/desk/item/{item}"))
        if theme:
            desk.locator(".theme-grid .check", has_text=theme).locator("input").check()
        desk.click("#shortcut-approve")
        assert "Approved." in desk.locator(".notice").inner_text()
    desk.context.close()
    return codenames


def editor_desk(site: Site) -> Page:
    """The editor, logged in, on the digests page (through the desk's own navigation)."""
    page = site.page()
    site.log_in(page, site.accounts["editor"])
    nav = page.locator("nav.desk-nav a", has_text="Digests")
    assert nav.count() == 1, f"an editor who has just logged in sees no Digests link on {page.url}"
    enter(page, "nav.desk-nav a:has-text('Digests')")
    assert page.url.endswith("/desk/digests/")
    return page


def test_editor_composes_and_publishes_a_digest(site: Site) -> None:
    needs(site, "/desk/digests/", "/desk/digests/new")
    codenames = approve_new(site, [FIRST, SECOND], THEME)
    page = editor_desk(site)
    site.check(page, "digests")

    enter(page, "a:has-text('New digest')")
    site.check(page, "new-digest")
    tab_to(page, "#title")
    page.keyboard.type("Caseloads after hours")
    tab_to(page, "#intro")
    page.keyboard.type("Two *voices* on work that spills into the **evening**.")
    theme_box = page.locator(".theme-grid .check", has_text=THEME).locator("input")
    tab_to(page, f"#{theme_box.get_attribute('id')}")
    page.keyboard.press("Space")
    enter(page, "button:has-text('Create the draft')")
    assert "Digest created" in page.locator(".notice").inner_text()
    site.check(page, "draft")

    # Both approved contributions are suggested (they share the digest's theme): add them.
    for phrase in ("kitchen table", "twice the caseload"):
        pick = page.locator(".pickable li", has_text=phrase).locator("input[name=contribution]")
        tab_to(page, f"#{pick.get_attribute('id')}")
        page.keyboard.press("Space")
    enter(page, "button:has-text('Add the ticked contributions')")
    added = page.locator("ol.desk-contributions > li .text").all_inner_texts()
    assert len(added) == 2, added

    # Put the second first, by keyboard, with the Down button of the first.
    down = page.locator("ol.desk-contributions > li").first.locator("button[name=down]")
    tab_to(page, f"button[name=down][value='{down.get_attribute('value')}']")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "Moved." in page.locator(".notice").inner_text()
    ordered = page.locator("ol.desk-contributions > li .text").all_inner_texts()
    assert ordered == added[::-1], ordered
    site.check(page, "draft-with-contributions")

    enter(page, "a:has-text('Preview as published')")
    assert "Not published" in page.locator(".preview-banner").inner_text()
    assert page.locator(".intro em").inner_text() == "voices"
    site.check(page, "preview")
    enter(page, "a:has-text('Back to editing')")

    enter(page, "button:has-text('Publish now')")
    assert "cannot be undone" in page.locator(".lead").inner_text()
    enter(page, "button:has-text('Yes, publish now')")
    assert "Published." in page.locator(".notice").inner_text()
    site.check(page, "published")

    enter(page, "a:has-text('public page')")
    assert re.search(r"/d/[\w-]+$", page.url), page.url
    assert page.locator("h1").inner_text() == "Caseloads after hours"
    assert page.locator(".intro strong").inner_text() == "evening"
    texts = page.locator("ol.contributions article.contribution .text").all_inner_texts()
    assert texts == ordered, texts
    site.check(page, "public-digest")

    # The writer of the first sees it published.
    status = site.page(javascript=False)
    status.goto(site.url("/status"))
    status.fill("#codename", codenames[0])
    with status.expect_navigation():
        status.click("button:has-text('Continue')")
    assert "Published" in status.locator(".facts").inner_text()
    site.check(status, "status-published")


def test_journalist_browses_searches_cites_and_follows(site: Site) -> None:
    needs(site, "/themes", "/search", "/feed.atom")
    needs_demo(site)
    page = site.page()
    page.goto(site.url("/"))
    site.check(page, "home")

    enter(page, "nav.reading-nav a:has-text('Themes')")
    site.check(page, "themes")
    counts = page.locator(".theme-index li h2")
    busiest = max(
        range(counts.count()), key=lambda i: int(counts.nth(i).locator(".count").inner_text().split()[0])
    )
    theme_name = counts.nth(busiest).locator("a").inner_text()
    enter(page, f".theme-index li h2 a:has-text('{theme_name}')")
    assert theme_name in page.locator("h1").inner_text()
    site.check(page, "theme")

    # The theme's feed, found the way a feed reader finds it (autodiscovery), and by its visible
    # link, which leads to the page that explains subscribing and gives the address to copy.
    discovered = page.locator(f"link[rel=alternate][type='application/atom+xml'][title$='{theme_name}']")
    feed_href = discovered.get_attribute("href")
    assert feed_href
    theme_feed = fetch_feed(page, site.url(feed_href))
    assert theme_feed.entries and theme_name in theme_feed.feed.title
    follow = page.locator(f"a:has-text('Follow {theme_name}')").get_attribute("href")
    assert follow and follow.startswith("/feeds#theme-")
    feeds_page = site.page()
    feeds_page.goto(site.url(follow))
    assert site.url(feed_href) in feeds_page.locator(f"[id='{follow.split('#')[1]}'] pre").inner_text()

    # Search for a word from the first contribution on the theme page.
    first_text = page.locator("ol.excerpts article .text").first.inner_text()
    word = max(re.findall(r"[A-Za-z]{6,}", first_text), key=len).lower()
    enter(page, "nav.reading-nav a:has-text('Search')")
    tab_to(page, "#q")
    page.keyboard.type(word)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert re.match(r"\d+ results? for", page.locator("#results-title").inner_text())
    assert word in page.locator(".snippet").first.inner_text().lower()
    site.check(page, "search")

    enter(page, "ol.excerpts li >> nth=0 >> a:has-text('Read the contribution')")
    assert re.search(r"/c/\w+$", page.url), page.url
    permalink = page.url
    assert permalink in page.locator(".cite code").inner_text()
    assert page.locator("link[rel=canonical]").get_attribute("href") == permalink
    site.check(page, "permalink")

    # The site feed, by the reading room's "Feeds" page, where its address is given to copy.
    enter(page, "nav.reading-nav a:has-text('Feeds')")
    href = page.locator("pre[aria-label='Address of the feed of every digest']").inner_text().strip()
    assert href.startswith(site.base)
    site.check(page, "feeds")
    feed = fetch_feed(page, href)
    assert feed.entries
    links = [link.get("href", "") for entry in feed.entries for link in entry.get("links", [])]
    assert all(u.startswith(site.base) for u in links), links


def fetch_feed(page: Page, url: str) -> feedparser.FeedParserDict:
    """Follow a feed link as a feed reader would (the browser's own cookies and origin)."""
    response = page.request.get(url)
    assert response.ok and "atom" in response.headers["content-type"], response.headers
    parsed = feedparser.parse(response.body())
    assert not parsed.bozo, parsed.bozo_exception
    return parsed


def test_reader_responds_to_a_contribution(site: Site) -> None:
    needs(site, "/desk/digests/new")
    needs_demo(site)
    approver = site.page()
    site.log_in(approver, site.accounts["approver"])
    before = set(site.queue_ids(approver))

    page = site.page(javascript=False)
    page.goto(site.url("/"))
    enter(page, ".latest .digest-summary >> nth=0 >> h3 a")
    site.check(page, "digest")
    parent_id = (page.locator("ol.contributions > li").first.get_attribute("id") or "").removeprefix("c-")
    assert parent_id
    enter(page, f"ol.contributions > li#c-{parent_id} >> a:has-text('Respond anonymously')")
    assert f"in_reply_to={parent_id}" in page.url
    assert "responding to" in page.locator(".panel").first.inner_text()
    site.check(page, "respond")

    tab_to(page, "#body")
    page.keyboard.type(RESPONSE)
    enter(page, "button[name=preview]")
    site.check(page, "respond-preview")
    enter(page, "#preview button[name=send]")  # "Send this version", after the warnings (issue 15)
    assert page.locator("p.codename code").is_visible()
    site.check(page, "respond-sent")

    # The desk sees what it responds to and approves it; an editor publishes it in a digest.
    (item,) = set(site.queue_ids(approver)) - before
    approver.goto(site.url(f"/desk/item/{item}"))
    assert approver.locator(f".facts a[href='/c/{parent_id}']").count() == 1
    approver.click("#shortcut-approve")
    assert "Approved." in approver.locator(".notice").inner_text()

    editor = editor_desk(site)
    editor.click("a:has-text('New digest')")
    editor.fill("#title", "Responses")
    editor.click("button:has-text('Create the draft')")
    editor.locator(".pickable li", has_text="first month").locator("input[name=contribution]").check()
    editor.click("button:has-text('Add the ticked contributions')")
    editor.click("button:has-text('Publish now')")
    editor.click("button:has-text('Yes, publish now')")
    assert "Published." in editor.locator(".notice").inner_text()

    # The reader finds the response threaded beneath the contribution.
    page.goto(site.url(f"/c/{parent_id}"))
    responses = page.locator(".responses")
    assert re.fullmatch(r"\d+ responses?", responses.locator(".responses-title").first.inner_text())
    assert "first month" in responses.first.inner_text()
    site.check(page, "contribution-with-response")
