"""The source stays in control of their words (issue 15), in Chromium with JavaScript off for
the source: the preview as a review step, the codename page and its check, a moderator's
changed wording marked on the status page, asking for more changes, accepting, and "Send more".
Every page is checked at 390 and 1280 px (screenshots), with axe-core and the Tab key."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest

from tests.browser.support import Site, tab_to

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.browser

TESTIMONY = (
    "I am the only band 4 probation officer on the late rota at the Wrexham office and I have been "
    "in the job for 12 years. My manager Sarah Okafor signs off risk assessments she has not read."
)
REVISED = "I am a probation officer on a late rota. My manager signs off risk assessments she has not read."
REVISED_AGAIN = "I am a probation officer. Managers sign off risk assessments they have not read."
CHANGES = "Please take out that I work lates: there are only two of us."
MORE = "Since I wrote, the same thing happened with two parole reports."


def press_enter_and_wait(page: Page) -> None:
    with page.expect_navigation():
        page.keyboard.press("Enter")


def open_status(site: Site, page: Page, codename: str) -> None:
    page.goto(site.url("/status"))
    tab_to(page, "#codename")
    page.keyboard.type(codename)
    press_enter_and_wait(page)
    assert page.locator("h1").inner_text() == "Your testimony", page.content()


def desk_revise_and_approve(site: Site, desk: Page, item: str, wording: str) -> None:
    """A moderator changes the wording and approves it (plain form posts)."""
    desk.goto(site.url(f"/desk/item/{item}"))
    desk.fill("textarea[name=draft]", wording)
    desk.click("form[action$='/wording'] button[type=submit]")
    desk.click("form[action$='/approve'] button.primary")
    assert "Approved with changes" in desk.locator(".notice").first.inner_text()


def test_source_control_with_javascript_off(site: Site) -> None:
    desk = site.page()
    site.log_in(desk, site.accounts["reviser"])
    before = set(site.queue_ids(desk))

    page = site.page(javascript=False)
    page.goto(site.url("/submit"))
    assert "within 7 days" in page.locator("#source-ok").inner_text()

    # The preview is a review step: it opens at the preview, warned words numbered in place.
    tab_to(page, "#body")
    page.keyboard.type(TESTIMONY)
    tab_to(page, "button[name=preview]")
    press_enter_and_wait(page)
    assert page.url.endswith("/submit#preview")
    assert page.title().startswith("Check your preview")
    top = page.evaluate("() => document.getElementById('preview').getBoundingClientRect().top")
    assert abs(top) < 5, top  # the browser scrolled to it, with no script
    numbers = page.locator("#preview .warn-number").all_inner_texts()
    assert [re.sub(r"\D", "", n) for n in numbers] == [str(i) for i in range(1, len(numbers) + 1)]
    assert len(numbers) >= 2
    listed = page.locator("#preview .warning-list li").count()
    assert listed >= len(numbers)
    crowd = page.locator("#preview .crowd").inner_text()
    assert "How many people could this be?" in crowd and "not a guarantee" in crowd
    order = page.evaluate(
        """() => {
          const p = document.getElementById('preview');
          const at = el => Array.prototype.indexOf.call(p.querySelectorAll('*'), el);
          return [at(p.querySelector('.warning-list')), at(p.querySelector('button[name=send]')),
                  at(p.querySelector('a[href="#body"]'))];
        }"""
    )
    assert order[0] < order[1] < order[2], order
    site.check(page, "preview-review-step")

    # Send this version: the codename, numbered, and the check that it was written down.
    tab_to(page, "#preview button[name=send]")
    press_enter_and_wait(page)
    codename = page.locator("p.codename code").inner_text().strip()
    words = codename.split(" ")
    assert page.locator(".codename-words .word").all_inner_texts() == words
    assert "New Identity" in page.locator("main").inner_text()
    site.check(page, "codename")
    asked = [
        int(n)
        for n in re.findall(r"Word (\d)", " ".join(page.locator("label[for^=word_]").all_inner_texts()))
    ]
    tab_to(page, f"#word_{asked[0]}")
    page.keyboard.type(words[asked[0] - 1])
    tab_to(page, f"#word_{asked[1]}")
    page.keyboard.type("wrong")
    tab_to(page, "button:has-text('Check')")
    press_enter_and_wait(page)
    assert page.title().startswith("Error:")
    assert page.locator("p.codename code").inner_text().strip() == codename  # shown again to correct
    site.check(page, "codename-check-wrong")
    page.fill(f"#word_{asked[0]}", words[asked[0] - 1])
    page.fill(f"#word_{asked[1]}", words[asked[1] - 1])
    page.click("button:has-text('Check')")
    assert "written down correctly" in page.locator("h1").inner_text()
    site.check(page, "codename-check-right")

    (item,) = set(site.queue_ids(desk)) - before

    # A moderator changes the wording and approves: it waits for the source.
    desk_revise_and_approve(site, desk, item, REVISED)
    later = site.page(javascript=False)
    open_status(site, later, codename)
    section = later.locator("#wording")
    assert "Approved with changes" in later.locator(".facts").inner_text()
    assert section.locator("del").count() and section.locator("ins").count()
    assert "Okafor" not in section.inner_text()  # what they sent was already struck
    site.check(later, "status-changed-wording")

    # The source asks for more changes: back to the moderators, with the message.
    tab_to(later, "#changes")
    later.keyboard.type(CHANGES)
    tab_to(later, "button:has-text('Ask for these changes')")
    press_enter_and_wait(later)
    assert "Your request was sent" in later.locator(".notice").inner_text()
    assert later.locator("#wording").count() == 0
    site.check(later, "status-changes-asked")
    desk.goto(site.url(f"/desk/item/{item}"))
    assert CHANGES in desk.locator("main").inner_text()

    # Approved again with changes; this time the source accepts.
    desk_revise_and_approve(site, desk, item, REVISED_AGAIN)
    open_status(site, later, codename)
    tab_to(later, "button:has-text('Accept this wording')")
    press_enter_and_wait(later)
    assert "You accepted the wording" in later.locator(".notice").inner_text()
    assert "Approved." in later.locator(".facts").inner_text()
    site.check(later, "status-accepted")

    # Send more: a preview, then the part joins the same testimony (back to the moderators).
    tab_to(later, "#more-body")
    later.keyboard.type(MORE)
    tab_to(later, "#more button[name=preview]")
    press_enter_and_wait(later)
    assert later.url.endswith("/status#more")
    assert later.locator("#more-preview").is_visible()
    site.check(later, "status-send-more-preview")
    tab_to(later, "#more button[name=send]")
    press_enter_and_wait(later)
    assert "the new part was added" in later.locator(".notice").inner_text()
    assert MORE in later.locator(".messages").inner_text()
    site.check(later, "status-sent-more")
    desk.goto(site.url(f"/desk/item/{item}"))
    assert MORE in desk.locator("main").inner_text()


def test_about_page(site: Site) -> None:
    page = site.page(javascript=False)
    page.goto(site.url("/about"))
    text = page.locator("main").inner_text()
    assert "Public Interest Disclosure Act 1998" in text and "people on probation" in text
    site.check(page, "about")
