"""A member of staff, JavaScript off, keyboard only: writes, previews, sends, keeps the codename,
comes back, reads a moderator's question, answers it, and withdraws."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest

from tests.browser.support import Site, tab_to

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.browser

TESTIMONY = (
    "On 4 March 2025 my line manager Sarah Okafor told me to sign off twelve risk assessments "
    "before lunch. When I said I could not do them properly she told me to ring her on "
    "07700 900123 if I had a problem with it. We have had no senior probation officer for "
    "months, and the duty desk is covered by whoever is in the building."
)
QUESTION = "Thank you. Roughly how many people on your team are covering the duty desk?"
REPLY = "About four of us, on rotation, on top of full caseloads."


def press_enter_and_wait(page: Page) -> None:
    with page.expect_navigation():
        page.keyboard.press("Enter")


def open_status(site: Site, page: Page, codename: str, step: str) -> None:
    """Come back to /status and type the codename, with the keyboard only."""
    page.goto(site.url("/status"))
    tab_to(page, "#codename")
    page.keyboard.type(codename)
    press_enter_and_wait(page)
    assert page.locator("h1").inner_text() == "Your testimony", page.content()
    site.check(page, step)


def test_submitter_with_javascript_off(site: Site) -> None:
    helper = site.accounts["helper"]
    desk = site.page()
    site.log_in(desk, helper)
    before = set(site.queue_ids(desk))

    page = site.page(javascript=False)
    assert page.context  # a context with JavaScript disabled: nothing on these pages may need it
    page.goto(site.url("/"))
    site.check(page, "home")
    tab_to(page, "header nav a:has-text('Give testimony')")
    press_enter_and_wait(page)
    assert page.url.endswith("/submit")
    site.check(page, "submit")

    # Write, then preview: the same form with the text kept and the details struck out.
    tab_to(page, "#body")
    page.keyboard.type(TESTIMONY)
    tab_to(page, "button[name=preview]")
    press_enter_and_wait(page)
    assert page.locator("#body").input_value() == TESTIMONY
    preview = page.locator("section.preview .redacted-text")
    struck = preview.locator("mark.struck del").all_inner_texts()
    assert any("Sarah Okafor" in s for s in struck), struck
    assert any("07700 900123" in s for s in struck), struck
    kinds = preview.locator("mark.struck ins").all_inner_texts()
    assert kinds and all(re.fullmatch(r"\[[a-z ]+( \d+)?\]", k) for k in kinds), kinds
    site.check(page, "preview")

    # Send this version, after the warnings (issue 15): the codename is shown once.
    tab_to(page, "#preview button[name=send]")
    press_enter_and_wait(page)
    codename = page.locator("p.codename code").inner_text().strip()
    assert re.fullmatch(r"[a-z]+( [a-z]+){6}", codename), codename
    site.check(page, "sent")

    # The desk sees one new item (its number is all the queue shows).
    (item,) = set(site.queue_ids(desk)) - before

    # Coming back later, in a fresh browser: a mistyped codename gets a calm error first.
    later = site.page(javascript=False)
    later.goto(site.url("/status"))
    site.check(later, "status-form")
    tab_to(later, "#codename")
    later.keyboard.type("wrong words that are not a codename at all")
    press_enter_and_wait(later)
    assert later.locator(".error[role=alert]").is_visible()
    site.check(later, "status-wrong-codename")
    open_status(site, later, codename, "status-received")
    assert "Received" in later.locator(".facts").inner_text()

    # A moderator opens the item (claiming it) and asks a question.
    desk.goto(site.url(f"/desk/item/{item}"))
    assert "Sarah Okafor" in desk.locator(".original").inner_text()
    desk.fill("#question", QUESTION)
    desk.click("button:has-text('Send question')")
    assert desk.locator(".notice").first.inner_text().startswith("Question sent")

    # The submitter reads it and answers.
    open_status(site, later, codename, "status-question")
    assert "question for you" in later.locator(".facts").inner_text()
    assert QUESTION in later.locator(".messages").inner_text()
    tab_to(later, "#reply")
    later.keyboard.type(REPLY)
    tab_to(later, "button:has-text('Send reply')")
    press_enter_and_wait(later)
    assert "Your reply was sent" in later.locator(".notice").inner_text()
    assert REPLY in later.locator(".messages").inner_text()
    site.check(later, "status-replied")

    desk.goto(site.url(f"/desk/item/{item}"))
    assert REPLY in desk.locator(".messages").first.inner_text()
    site.check(desk, "desk-item-with-reply")

    # Withdrawing needs the box ticked: first without, then with.
    tab_to(later, "button:has-text('Withdraw')")
    press_enter_and_wait(later)
    assert "tick the box" in later.locator(".error").inner_text()
    site.check(later, "status-withdraw-unconfirmed")
    tab_to(later, "#confirm")
    later.keyboard.press("Space")
    assert later.locator("#confirm").is_checked()
    tab_to(later, "button:has-text('Withdraw')")
    press_enter_and_wait(later)
    notice = later.locator(".notice").inner_text()
    assert "has been withdrawn" in notice and "deleted from our database" in notice
    assert "Withdrawn" in later.locator(".facts").inner_text()
    site.check(later, "status-withdrawn")

    desk.goto(site.url(f"/desk/item/{item}"))
    assert "was withdrawn" in desk.locator("h1").inner_text()
