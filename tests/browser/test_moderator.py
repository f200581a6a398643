"""A moderator, keyboard only: first login with the one-time password, their own password (which
makes their key), TOTP enrolment (the secret shown to them alone), recovery codes; logs out and in
again with a code; opens an item (which claims nothing), restores a struck detail (the first
action, which claims it) and strikes it again, and approves the draft."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tests.browser.support import NEW_PASSWORD, Site, tab_to

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.browser

TESTIMONY = (
    "Our senior manager Gareth Pritchard moved three of us from the Swansea office to cover "
    "court duty with a day's notice. Nobody asked whether we had the training, and the "
    "cases we left behind were not reallocated for a fortnight."
)


def enter(page: Page, selector: str) -> None:
    """Reach `selector` with Tab and press Enter on it, waiting for the next page."""
    tab_to(page, selector)
    with page.expect_navigation():
        page.keyboard.press("Enter")


def type_into(page: Page, selector: str, text: str) -> None:
    tab_to(page, selector)
    page.keyboard.type(text)


def send_testimony(site: Site, text: str) -> None:
    page = site.page(javascript=False)
    page.goto(site.url("/submit"))
    page.fill("#body", text)
    page.click("button[name=send]")
    assert page.locator("p.codename code").is_visible()
    page.close()


def test_moderator_enrols_logs_in_claims_redacts_approves(site: Site) -> None:
    account = site.accounts["moderator"]
    page = site.page()

    # An unauthenticated visit to the desk goes to the login page.
    page.goto(site.url("/desk/"))
    assert "/desk/login" in page.url
    site.check(page, "login")
    type_into(page, "#name", account.name)
    type_into(page, "#password", account.password)
    enter(page, "button:has-text('Continue')")

    # Their own password first: the one-time password opens nothing else.
    assert page.url.endswith("/desk/first-password")
    site.check(page, "password")
    type_into(page, "#old", account.password)
    type_into(page, "#new", NEW_PASSWORD)
    type_into(page, "#again", NEW_PASSWORD)
    enter(page, "button:has-text('Save')")
    account.password = NEW_PASSWORD

    # Enrolment: a server-drawn QR code and the secret as text, made now, for them alone.
    assert page.url.endswith("/desk/enrol")
    assert page.locator("figure.qr svg").count() == 1
    account.secret = page.locator("figure.qr figcaption code").inner_text().strip()
    assert len(account.secret) >= 16
    site.check(page, "enrol")
    type_into(page, "#code", account.next_code())
    enter(page, "button:has-text('Confirm')")

    codes = page.locator(".codes code").all_inner_texts()
    assert len(codes) == 10 and len(set(codes)) == 10
    account.recovery_codes = codes
    account.enrolled = True
    site.check(page, "recovery-codes")
    enter(page, "a:has-text('Continue')")
    assert page.url.rstrip("/").endswith("/desk")
    before = set(site.queue_ids(page))
    site.check(page, "queue-before")

    # Log out everywhere; testimony arrives meanwhile; log in again with password and code.
    enter(page, "button:has-text('Log out')")
    assert "out=1" in page.url
    site.check(page, "logged-out")
    send_testimony(site, TESTIMONY)
    type_into(page, "#name", account.name)
    type_into(page, "#password", account.password)
    enter(page, "button:has-text('Continue')")
    assert page.url.endswith("/desk/second-factor")
    site.check(page, "second-factor")
    type_into(page, "#code", account.next_code())
    enter(page, "button:has-text('Log in')")
    assert page.url.rstrip("/").endswith("/desk")
    (item,) = set(site.queue_ids(page)) - before
    page.goto(site.url("/desk/"))
    site.check(page, "queue")

    # Opening the item claims nothing: browsing locks nothing away from colleagues.
    enter(page, f"a[data-shortcut-item]:has-text('#{item}')")
    assert page.url.endswith(f"/desk/item/{item}")
    facts = page.locator(".facts").inner_text()
    assert "new" in facts and "nobody" in facts
    assert "Gareth Pritchard" not in page.locator("#draft").input_value()
    site.check(page, "item")

    # Restore the struck name, then strike it again.
    name_box = page.locator(".toggle:has-text('Gareth Pritchard') input[name=span]")
    box_id = name_box.get_attribute("id")
    assert name_box.is_checked()
    tab_to(page, f"#{box_id}")
    page.keyboard.press("Space")
    assert not name_box.is_checked()
    enter(page, "button:has-text('Save redactions')")
    assert "Redactions saved." in page.locator(".notice").inner_text()
    # The first action claimed it.
    facts = page.locator(".facts").inner_text()
    assert "in review" in facts and f"{account.name} until" in facts
    assert not page.locator(f"#{box_id}").is_checked()
    assert "Gareth Pritchard" in page.locator("#draft").input_value()
    site.check(page, "item-name-restored")

    tab_to(page, f"#{box_id}")
    page.keyboard.press("Space")
    enter(page, "button:has-text('Save redactions')")
    assert page.locator(f"#{box_id}").is_checked()
    draft = page.locator("#draft").input_value()
    assert "Gareth Pritchard" not in draft and "[name" in draft

    # Approve: the item leaves the open tabs for "Approved".
    enter(page, "#shortcut-approve")
    assert "status=approved" in page.url
    assert "Approved." in page.locator(".notice").inner_text()
    assert item in site_ids(page)
    site.check(page, "approved")


def site_ids(page: Page) -> list[str]:
    return [t.strip().lstrip("#") for t in page.locator("a[data-shortcut-item]").all_inner_texts()]
