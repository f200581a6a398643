"""The checks the flows rely on do catch what they are meant to: a page built to fail each one
(served in place of a path the app does not have) must fail each one."""

from __future__ import annotations

import pytest

from tests.browser.support import Site

pytestmark = pytest.mark.browser

BROKEN = """<!doctype html>
<html><head><meta charset="utf-8"><title>Broken on purpose</title></head>
<body><main>
<h1>Broken on purpose</h1>
<img src="/static/style.css">
<p><button style="outline: none; box-shadow: none">No focus ring</button></p>
<fieldset disabled><legend>Greyed</legend><a href="#">fine link</a> <button>Unreachable</button></fieldset>
<div style="width: 2000px">Too wide</div>
<img alt="" src="http://tracker.example/pixel.png">
</main></body></html>"""


def test_checks_catch_broken_pages(site: Site) -> None:
    page = site.page()
    url = site.url("/__broken-on-purpose")
    page.route(url, lambda route: route.fulfill(body=BROKEN, content_type="text/html; charset=utf-8"))
    page.goto(url)
    with pytest.raises(AssertionError) as caught:
        site.check(page, "broken-on-purpose")
    report = str(caught.value)
    assert "scrolls sideways" in report
    assert 'button "No focus ring" has no visible focus' in report
    assert 'button "Unreachable" is never reached with Tab' in report
    assert "axe critical image-alt" in report
    assert "axe serious html-has-lang" in report
    assert 'a "fine link"' not in report

    caught_requests = site.finish()
    assert caught_requests == ["requested another host: http://tracker.example/pixel.png"] * len(
        caught_requests
    )
    assert caught_requests
    for guard in site.guards:
        guard.foreign.clear()
