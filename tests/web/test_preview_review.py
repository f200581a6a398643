"""The preview is a review step (issue 15): it opens at the preview, marks warned words in place
with numbers matching the warnings, and ends with "Send this version" and "Edit". Errors come
first on the page and in its title."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

import nlp
from testimony import highlight
from testimony.db import db
from testimony.models import Submission
from tests.support.helpers import CODENAME, form_tokens, submit, tokens_in

TEXT = (
    "I am the only band 4 probation officer in the Wrexham office and I have worked there for 12 years. "
    "My manager John Smith knows."
)


def test_preview_opens_at_the_preview_and_numbers_warnings_in_place(client: FlaskClient) -> None:
    page = client.get("/submit").get_data(as_text=True)
    assert re.search(r'<form method="post" action="/submit#preview"', page)  # lands on it, no script
    code, page = submit(client, TEXT, "preview")
    assert code == 200
    preview = page.split('id="preview"')[1].split("</section>")[0]
    assert page.index('id="preview"') < page.index('id="body"') < page.index("Before you write")
    numbers = re.findall(
        r'<span class="warn-number"><span class="visually-hidden">warning </span>(\d+)</span>', preview
    )
    listed = re.findall(r'<li id="warning-(\d+)" value="(\d+)">', preview)
    assert numbers == ["1", "2", "3"]  # in the order of the text
    assert [n for n, _ in listed][: len(numbers)] == numbers
    # Each marker sits on the words its warning quotes.
    marked = dict(
        re.findall(r'<mark class="warned"><span class="warn-number">.*?(\d+)</span>(.*?)</mark>', preview)
    )
    quoted = dict(re.findall(r'<li id="warning-(\d+)"[^>]*>.*?<q>(.*?)</q>', preview))
    assert marked == {n: q for n, q in quoted.items() if n in marked} and marked["1"] == "the only"
    # After the warnings: Send this version, then Edit (back to the box).
    after = preview.split('class="warning-list"')[1]
    assert after.index("Send this version") < after.index('href="#body"')
    assert "<script" not in page
    assert "<title>Check your preview: Give testimony" in page


def test_send_this_version_sends_the_previewed_text(app: Flask, client: FlaskClient) -> None:
    _, page = submit(client, TEXT, "preview")
    form = page.split('id="preview"')[1].split("</form>")[0]
    body = re.search(r'name="body" value="([^"]*)"', form)
    assert body is not None and body.group(1).startswith("I am the only band 4")
    response = client.post("/submit", data={**tokens_in(form), "body": TEXT, "send": "1"})
    assert response.status_code == 200 and CODENAME.search(response.get_data(as_text=True))
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Submission)) == 1


def test_errors_come_first_and_in_the_title(client: FlaskClient) -> None:
    response = client.post("/submit", data={**form_tokens(client), "body": "   ", "send": "1"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "<title>Error: Give testimony" in page
    summary = page.index('class="error error-summary"')
    assert summary < page.index("Before you write") < page.index('id="body"')
    assert re.search(r'<a href="#body">There is no text yet', page)
    assert 'aria-invalid="true"' in page


def test_marked_pieces_give_back_the_text_and_cover_each_warning() -> None:
    redaction = nlp.redact(TEXT)
    pieces = highlight.marked(redaction)
    assert "".join(p.text for p in pieces) == TEXT
    numbered = highlight.numbered_warnings(redaction)
    for number, warning in numbered:
        if warning.start is None:
            continue
        covered = "".join(p.text for p in pieces if p.warning == number)
        assert TEXT[warning.start : warning.end] in covered
        assert sum(p.first for p in pieces if p.warning == number) == 1
