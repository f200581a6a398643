"""The about page (issue 15): who runs the site and how to reach them, the onion address (both
configurable), what whistleblowing law does and does not cover, and the warning about people
on probation and victims."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

ONION = "testimonyabcdefghijklmnopqrstuvwxyz234567abcdefghijklmnopqrstu.onion"


def test_operator_contact_and_onion_come_from_configuration(app: Flask, client: FlaskClient) -> None:
    app.config.update(
        SITE_OPERATOR="The Example Trust, a registered charity.",
        SITE_CONTACT="editors@example.org",
        ONION_ADDRESS=ONION,
    )
    page = client.get("/about").get_data(as_text=True)
    assert "The Example Trust, a registered charity." in page
    assert "editors@example.org" in page
    assert f'<code class="onion">{ONION}</code>' in page


def test_without_configuration_the_page_says_so(client: FlaskClient) -> None:
    page = client.get("/about").get_data(as_text=True)
    assert "have not published their details yet" in page and "no onion address yet" in page


def test_the_law_is_explained_without_a_promise_and_others_are_protected_too(client: FlaskClient) -> None:
    page = client.get("/about").get_data(as_text=True)
    assert "Public Interest Disclosure Act 1998" in page
    assert "not legal advice" in page and "we do not promise that it will" in page
    assert "does not keep you anonymous" in page
    assert "people on probation, people in prison, or victims" in page
    for promise in ("you are protected", "you will be protected", "guarantee"):
        assert promise not in page.lower()
