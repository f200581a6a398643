"""Pages off the main flows: about, the error pages, a refused desk login."""

from __future__ import annotations

import pytest

from tests.browser.support import Site

pytestmark = pytest.mark.browser


def test_about_and_error_pages(site: Site) -> None:
    page = site.page(javascript=False)
    page.goto(site.url("/about"))
    site.check(page, "about")

    response = page.goto(site.url("/no-such-page"))
    assert response is not None and response.status == 404
    assert page.locator("h1").inner_text() == "Page not found"
    site.check(page, "not-found")

    page.goto(site.url("/submit"))
    with page.expect_navigation():
        page.click("button[name=preview]")
    assert "There is no text yet" in page.locator(".error[role=alert]").inner_text()
    site.check(page, "submit-empty")


def test_refused_desk_login(site: Site) -> None:
    page = site.page()
    page.goto(site.url("/desk/login"))
    page.fill("#name", "nobody-by-this-name")
    page.fill("#password", "not the password at all")
    with page.expect_navigation():
        page.click("button:has-text('Continue')")
    assert "do not match" in page.locator(".error[role=alert]").inner_text()
    site.check(page, "login-refused")
