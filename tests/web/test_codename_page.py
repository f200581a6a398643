"""The codename page (issue 15): words numbered, a "check you wrote it down" step asking for two
of them, and advice to close the tab and use New Identity."""

from __future__ import annotations

import re
import time

from flask import Flask
from flask.testing import FlaskClient

from testimony import codename_check
from tests.support.helpers import CODENAME, submit, tokens_in


def _sent(client: FlaskClient) -> tuple[str, str]:
    code, page = submit(client, "The rota has one name on it most nights.")
    assert code == 200
    match = CODENAME.search(page)
    assert match
    return match.group(1), page


def _check(client: FlaskClient, page: str, words: dict[str, str]) -> tuple[int, str]:
    token = re.search(r'name="check_token" value="([^"]+)"', page)
    assert token
    response = client.post(
        "/submit/check",
        data={"csrf_token": tokens_in(page)["csrf_token"], "check_token": token.group(1), **words},
    )
    return response.status_code, response.get_data(as_text=True)


def _asked(page: str) -> list[int]:
    return [int(n) for n in re.findall(r'<label for="word_(\d)">', page)]


def test_words_are_numbered_and_the_advice_is_there(client: FlaskClient) -> None:
    codename, page = _sent(client)
    numbered = re.findall(r'<span class="number">(\d)</span> <span class="word">([a-z]+)</span>', page)
    assert numbered == [(str(i), w) for i, w in enumerate(codename.split(" "), start=1)]
    assert "Close this tab" in page and "New Identity" in page
    asked = _asked(page)
    assert len(asked) == 2 and asked == sorted(asked) and all(1 <= p <= 7 for p in asked)
    field = page.split('id="word_')[1].split(">")[0]
    assert 'autocomplete="off"' in field


def test_the_right_words_are_confirmed_and_the_codename_is_not_shown_again(client: FlaskClient) -> None:
    codename, page = _sent(client)
    words = codename.split(" ")
    typed = {f"word_{p}": f"  {words[p - 1].upper()} " for p in _asked(page)}
    code, answer = _check(client, page, typed)
    assert code == 200 and "written down correctly" in answer
    assert codename not in answer and 'class="codename' not in answer


def test_wrong_words_show_the_codename_again_to_correct_the_copy(client: FlaskClient) -> None:
    codename, page = _sent(client)
    first, second = _asked(page)
    words = codename.split(" ")
    code, answer = _check(client, page, {f"word_{first}": words[first - 1], f"word_{second}": "wrong"})
    assert code == 400
    assert f"What you typed for word {second} does not match" in answer
    assert "<title>Error: " in answer and CODENAME.search(answer).group(1) == codename  # type: ignore[union-attr]
    assert _asked(answer) == [first, second]  # the same two words asked again


def test_a_changed_or_old_token_opens_nothing(app: Flask, client: FlaskClient) -> None:
    _, page = _sent(client)
    code, answer = _check(
        client, page.replace('name="check_token" value="', 'name="check_token" value="A'), {}
    )
    assert code == 400 and "could not check your codename" in answer
    with app.test_request_context():
        token, check = codename_check.issue(
            "apple " * 6 + "pear", now=time.time() - codename_check.VALID_SECONDS - 5
        )
        assert codename_check.open_token(token) is None
        token, check = codename_check.issue("apple " * 6 + "pear")
        assert codename_check.open_token(token) == check
        assert codename_check.open_token("not base64 at all!") is None
