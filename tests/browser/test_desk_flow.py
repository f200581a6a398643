"""The review desk in a browser: select-to-strike with and without the script, the confirmation
that keyboard shortcuts lead to, "Approve and next", and the admin's pages at phone width.
Each step is checked at 390 and 1280 px (screenshots, no sideways scrolling), with axe-core and
with Tab reaching every control (Site.check)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tests.browser.support import Site

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.browser

STRIKE = (
    "The kettle rota in our office is decided by whoever shouts loudest, and I am the only one on "
    "the team who has ever cleaned the fridge. Caseloads are high but the fridge is worse."
)
FIRST = "The lift to the third floor has been broken since the spring and nobody will say why."
SECOND = "Our printer queue holds court reports overnight, so they go out late every Monday."

SELECT = """
([source, words]) => {
  const root = document.querySelector(source);
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const at = node.data.indexOf(words);
    if (at >= 0) {
      const range = document.createRange();
      range.setStart(node, at);
      range.setEnd(node, at + words.length);
      const selection = window.getSelection();
      selection.removeAllRanges();
      selection.addRange(range);
      return true;
    }
  }
  return false;
}
"""


def send(site: Site, text: str) -> None:
    page = site.page(javascript=False)
    page.goto(site.url("/submit"))
    page.fill("#body", text)
    page.click("button[name=send]")
    assert page.locator("p.codename code").is_visible()
    page.close()


def open_item_holding(site: Site, page: Page, words: str) -> str:
    """Open, from the queue, the item whose excerpt holds `words`; its public id."""
    page.goto(site.url("/desk/?status=received"))
    link = page.locator(".queue-card", has_text=words).locator("a[data-shortcut-item]")
    assert link.count() == 1, f"no single card holds {words!r}"
    item = link.inner_text().strip().lstrip("#")
    with page.expect_navigation():
        link.click()
    page.wait_for_load_state("load")  # the deferred scripts have run
    assert page.url.endswith(f"/desk/item/{item}")
    return item


def draft(page: Page) -> str:
    return page.locator("#draft").input_value()


def test_select_to_strike_with_and_without_script(site: Site) -> None:
    account = site.accounts["striker"]
    desk = site.page()
    site.log_in(desk, account)  # first, so the item is sealed to this account too
    send(site, STRIKE)
    desk.goto(site.url("/desk/"))
    site.check(desk, "queue")
    item = open_item_holding(site, desk, "kettle rota")
    assert desk.locator("#shortcut-help").is_visible()  # shortcuts are announced
    assert desk.locator("[data-strike-bar]").is_visible()
    assert desk.locator("[data-strike-button]").is_disabled()
    site.check(desk, "item")

    # Select words in the original: the bar says what will be struck; the button strikes it.
    assert desk.evaluate(SELECT, ["[data-strike-source]", "whoever shouts loudest"])
    desk.locator("[data-strike-button]:enabled").wait_for()
    assert "whoever shouts loudest" in desk.locator("[data-strike-chosen]").inner_text()
    site.check(desk, "item-selected")
    with desk.expect_navigation():
        desk.click("[data-strike-button]")
    assert "Redactions saved." in desk.locator(".notice").inner_text()
    assert "whoever shouts loudest" not in draft(desk) and "[detail]" in draft(desk)
    facts = desk.locator(".facts").inner_text()
    assert "in review" in facts and f"{account.name} until" in facts  # the first action claimed it

    # The same with the keyboard shortcut s, after a hand edit to the wording that must survive.
    desk.fill("#draft", draft(desk).replace("Caseloads are high", "Caseloads are very high"))
    with desk.expect_navigation():
        desk.click("button:has-text('Save wording')")
    assert desk.evaluate(SELECT, ["[data-strike-source]", "cleaned the fridge"])
    desk.locator("[data-strike-button]:enabled").wait_for()
    desk.locator("h1").click()  # focus outside any field, keeping the selection
    assert desk.evaluate(SELECT, ["[data-strike-source]", "cleaned the fridge"])
    with desk.expect_navigation():
        desk.keyboard.press("s")
    assert "edits to the wording were kept" in desk.locator(".notice").inner_text()
    text = draft(desk)
    assert "cleaned the fridge" not in text and "Caseloads are very high" in text
    site.check(desk, "item-struck")

    # Without the script: the bar is not there; the typed passage does the same.
    plain = site.context(javascript=False).new_page()
    site.log_in(plain, account)
    plain.goto(site.url(f"/desk/item/{item}"))
    assert not plain.locator("[data-strike-bar]").is_visible()
    assert not plain.locator("#shortcut-help").is_visible()
    plain.fill("#strike_text", "the fridge is worse")
    assert plain.locator("#strike_label").input_value() == "DETAIL"
    with plain.expect_navigation():
        plain.click("button:has-text('Save redactions')")
    assert "Redactions saved." in plain.locator(".notice").inner_text()
    text = draft(plain)
    assert "the fridge is worse" not in text and "Caseloads are very high" in text
    site.check(plain, "item-no-script")


def test_shortcuts_ask_first_and_approve_and_next(site: Site) -> None:
    account = site.accounts["striker"]
    desk = site.page()
    site.log_in(desk, account)
    send(site, FIRST)
    send(site, SECOND)
    item = open_item_holding(site, desk, "third floor")

    # a: a confirmation page, carrying the ticked themes; nothing is approved yet.
    desk.locator(".theme-grid .check", has_text="Workload").locator("input").check()
    desk.locator("h1").click()
    with desk.expect_navigation():
        desk.keyboard.press("a")
    assert f"/desk/item/{item}/confirm/approve" in desk.url and "theme=workload" in desk.url
    assert desk.locator("h1").inner_text().startswith("Approve item")
    assert "Workload" in desk.locator("main").inner_text()
    site.check(desk, "confirm-approve")
    with desk.expect_navigation():
        desk.click("a:has-text('No, go back to the item')")
    assert desk.locator(".facts").inner_text().count("new") == 1  # still new, nobody holds it

    # d: the decline page asks for a reason first.
    desk.locator("h1").click()
    with desk.expect_navigation():
        desk.keyboard.press("d")
    assert f"/desk/item/{item}/confirm/decline" in desk.url
    site.check(desk, "confirm-decline")
    with desk.expect_navigation():
        desk.click("a:has-text('No, go back to the item')")

    # Approve and next: approved, and the next item opens.
    with desk.expect_navigation():
        desk.click("button:has-text('Approve and open the next item')")
    assert "Approved." in desk.locator(".notice").inner_text()
    assert "/desk/item/" in desk.url and not desk.url.endswith(item)
    site.check(desk, "next-item")


def test_admin_pages_fit_a_phone(site: Site) -> None:
    admin = site.page()
    site.log_in(admin, site.accounts["admin"])
    admin.goto(site.url("/desk/admin/accounts"))
    assert "Items they can open" in admin.locator("main").inner_text()
    assert "Sealed items readable" not in admin.locator("main").inner_text()
    site.check(admin, "accounts")
    admin.fill("#name", "newcomer-desk-flow")
    with admin.expect_navigation():
        admin.click("button:has-text('Create')")
    assert "One-time password" in admin.locator("main").inner_text()
    site.check(admin, "account-created")
    admin.goto(site.url("/desk/authenticator"))
    site.check(admin, "authenticator")
