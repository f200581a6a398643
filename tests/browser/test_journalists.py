"""A journalist on deadline (issue 16): the journalists' page, a citation copied and downloaded,
the API reference, the transparency page and the trends table, each checked at 390 and 1280 px
(screenshots, no sideways scrolling, keyboard, axe-core)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.browser.support import Site, tab_to
from tests.browser.test_reading_room import enter, needs_demo

pytestmark = pytest.mark.browser


def test_journalist_reads_the_guide_cites_and_checks_the_api(site: Site) -> None:
    needs_demo(site)
    page = site.page()
    page.goto(site.url("/"))
    enter(page, "nav.reading-nav a:has-text('For journalists')")
    assert page.locator("h1").inner_text() == "For journalists and researchers"
    for heading in ("How to cite", "Following a theme", "The API", "Checking a citation"):
        assert page.locator(f"h2:has-text('{heading}')").count() == 1, heading
    example = page.locator("pre[aria-label='Example citation']").inner_text()
    assert re.search(r"No\. \d+\. testimony, published \d{1,2} \w+ \d{4}\. http", example), example
    site.check(page, "journalists")

    # From the example to the contribution's own citation.
    enter(page, "a:has-text('The citation page for that contribution')")
    assert re.search(r"/c/\w+#cite$", page.url), page.url
    permalink = page.url.split("#")[0]
    citation = page.locator("pre[aria-label='Citation']").inner_text()
    assert permalink in citation and "No. " in citation
    assert page.locator("meta[property='og:title']").get_attribute("content", timeout=1000)
    site.check(page, "citation")

    # The CSL-JSON download, as a reference manager would take it.
    tab_to(page, "a:has-text('CSL-JSON')")
    with page.expect_download() as info:
        page.keyboard.press("Enter")
    download = info.value
    assert download.suggested_filename.endswith(".json")
    (item,) = json.loads(Path(download.path()).read_text(encoding="utf-8"))
    assert item["URL"] == permalink and item["number"] in citation

    # The API reference, rendered on the server from the OpenAPI document.
    page.goto(site.url("/"))
    enter(page, "nav.reading-nav a:has-text('API')")
    assert page.locator("h1").inner_text() == "API reference"
    assert page.locator("h2#get-contributions").inner_text() == "GET /api/v1/contributions"
    assert (
        page.locator("h2#get-export-contributions-csv").inner_text() == "GET /api/v1/export/contributions.csv"
    )
    site.check(page, "api-reference")

    # The API answers a page of another site (CORS) without credentials.
    answer = page.request.get(
        site.url("/api/v1/contributions?limit=1"), headers={"Origin": "https://newsroom.example"}
    )
    assert answer.ok and answer.headers["access-control-allow-origin"] == "*"


def test_transparency_and_trends_pages(site: Site) -> None:
    page = site.page(javascript=False)
    page.goto(site.url("/transparency"))
    assert page.locator("h1").inner_text() == "Transparency"
    assert "fewer than 5" in page.locator(".hint").first.inner_text()
    site.check(page, "transparency")

    page.goto(site.url("/trends"))
    site.check(page, "trends")
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 800})
        header = page.locator("header.site .wrap").bounding_box()
        main = page.locator("main.wrap").bounding_box()
        assert (
            header and main and abs(header["x"] - main["x"]) < 1 and abs(header["width"] - main["width"]) < 1
        )
        hint = page.locator(".scroll-hint").first
        region = page.locator(".table-scroll").first
        scrolls = region.evaluate("el => el.scrollWidth > el.clientWidth")
        # Wherever the table is wider than the screen, the page says that it scrolls.
        assert not scrolls or hint.is_visible(), width
