"""Full-text search: published words are found, ranked and highlighted; nothing unpublished or
withdrawn is ever found. Runs on SQLite FTS5 and PostgreSQL full-text search alike."""

from __future__ import annotations

import datetime as dt
import re

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, text

from testimony import search, submissions
from testimony.db import db
from testimony.models import Contribution, Submission
from tests.support.factories import make_digest


def results(client: FlaskClient, query: str, **extra: str) -> str:
    response = client.get("/search", query_string={"q": query, **extra})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def hit_count(html: str) -> int:
    match = re.search(r"(\d+) results? for", html)
    return int(match.group(1)) if match else 0


def test_finds_published_words_and_nothing_unpublished(app: Flask, client: FlaskClient) -> None:
    make_digest(app, ["The approved premises were understaffed all winter."])
    make_digest(app, ["The laptop refreshes took hours every morning."], publish=False, title="Draft")
    html = results(client, "understaffed")
    assert hit_count(html) == 1
    assert "<mark>understaffed</mark>" in html
    assert hit_count(results(client, "laptop")) == 0
    assert "Nothing found" in results(client, "laptop")


def test_stemming_phrases_or_and_exclusion(app: Flask, client: FlaskClient) -> None:
    make_digest(app, ["Staff are leaving faster than they are recruited."], title="One")
    make_digest(app, ["Recruitment drives bring people who leave within a year."], title="Two")
    make_digest(app, ["Sickness absence is the highest it has been."], title="Three")
    assert hit_count(results(client, "leave")) == 2  # leaving and leave share a stem
    assert hit_count(results(client, '"sickness absence"')) == 1
    assert hit_count(results(client, '"absence sickness"')) == 0
    assert hit_count(results(client, "sickness or faster")) == 2
    assert hit_count(results(client, "leave -drives")) == 1


def test_ranking_puts_the_better_match_first(app: Flask, client: FlaskClient) -> None:
    make_digest(app, ["Rota problems. The rota again. Nothing but rota, rota, rota."], title="Rota heavy")
    make_digest(
        app,
        ["A long piece about many things, mentioning the rota once among pay, training and sickness."],
        title="Rota light",
    )
    html = results(client, "rota", order="relevance")
    assert html.index("Nothing but") < html.index("mentioning")
    assert "Best match first</a>" not in html and ">Newest first</a>" in html


def test_newest_first_by_default(app: Flask, client: FlaskClient) -> None:
    # Newest first needs no ranking of every match, so a broad word stays quick however big
    # the archive grows (make bench); best match is one link away.
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    make_digest(
        app,
        ["Rota, rota, rota: the rota is all we talk about."],
        title="Old",
        when=now - dt.timedelta(days=9),
    )
    make_digest(app, ["The rota came up once this month."], title="New", when=now - dt.timedelta(days=1))
    html = results(client, "rota")
    assert html.index("came up once") < html.index("all we talk about")
    assert "Newest first · <a" in html and "order=relevance" in html


def test_counting_stops_at_the_limit(app: Flask, client: FlaskClient, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(search, "COUNT_LIMIT", 2)
    make_digest(app, [f"Night shift number {n} was short again." for n in range(3)])
    html = results(client, "shift")
    assert "More than 2 results for" in html and "Showing the first 2" in html
    assert hit_count(results(client, "number -shift")) == 0
    with app.app_context():
        found = search.search("shift", per_page=10)
        assert (found.total, found.more, len(found.hits)) == (2, True, 3)
        exact = search.search('"number 1"', per_page=10)
        assert (exact.total, exact.more) == (1, False)


def test_hostile_queries_do_not_break_anything(app: Flask, client: FlaskClient) -> None:
    make_digest(app, ["Plain words here."])
    for query in [
        '"',
        "NEAR(a b)",
        "a AND OR NOT",
        "*",
        "text:plain",
        "'; DROP TABLE contributions; --",
        "-",
        "(((",
        "plain^2",
        "\u0000",
        "🙂",
        "a" * 500,
        "or",
        "-plain",
    ]:
        response = client.get("/search", query_string={"q": query})
        assert response.status_code == 200, query
        api = client.get("/api/v1/contributions", query_string={"q": query})
        assert api.status_code == (400 if len(query) > 200 else 200), query
    assert hit_count(results(client, 'plain"')) == 1


def test_snippets_escape_text_but_mark_hits(app: Flask, client: FlaskClient) -> None:
    make_digest(app, ["We were told <b>nothing</b> about the audit & its findings."])
    html = results(client, "audit")
    # SQLite keeps the tag-like text (escaped); PostgreSQL's ts_headline drops it: never raw HTML.
    assert "<b>nothing" not in html
    assert "<mark>audit</mark> &amp; its" in html


def test_withdrawn_text_leaves_search(app: Flask, client: FlaskClient) -> None:
    _slug, (pid,) = make_digest(app, ["The quartermaster story that someone regrets."])
    assert hit_count(results(client, "quartermaster")) == 1
    with app.app_context():
        contribution = db.session.scalar(select(Contribution).where(Contribution.public_id == pid))
        submissions.withdraw(db.session.get(Submission, contribution.submission_id))
        db.session.commit()  # the caller owns the transaction (testimony/lifecycle.py)
        if db.engine.dialect.name == "sqlite":
            left = db.session.execute(
                text("SELECT count(*) FROM contribution_fts WHERE contribution_fts MATCH 'quartermaster'")
            ).scalar()
            assert left == 0
    assert hit_count(results(client, "quartermaster")) == 0


def test_theme_filter_and_rebuild(app: Flask, client: FlaskClient, runner) -> None:
    make_digest(app, ["Morale on the wing is low."], themes=("prisons",), title="Prisons")
    make_digest(app, ["Morale in the office is low."], themes=("workload",), title="Office")
    assert hit_count(results(client, "morale")) == 2
    assert hit_count(results(client, "morale", theme="prisons")) == 1
    outcome = runner.invoke(args=["search", "rebuild"])
    assert outcome.exit_code == 0, outcome.output
    assert hit_count(results(client, "morale")) == 2


def test_query_parser() -> None:
    parsed = search.parse('caseload "sickness absence" or pay -bonus')
    assert parsed.groups == [["caseload", "sickness absence"], ["pay"]]
    assert parsed.excluded == ["bonus"]
    assert search.fts5_query(parsed) == '(("caseload" AND "sickness absence") OR ("pay")) NOT "bonus"'
    assert search.parse("!!! ???").empty


def snippets(html: str) -> list[str]:
    return re.findall(r'<p class="snippet">(.*?)</p>', html, flags=re.S)


def test_private_use_characters_in_published_text_never_become_markup(
    app: Flask, client: FlaskClient
) -> None:
    # The engines' snippets mark hits with U+E000/U+E001 before escaping. A published text that
    # contains those characters itself must not open or close <mark> elements of its own.
    make_digest(
        app,
        [
            "Stray \ue001 closers and \ue000 openers around the audit \ue000 with \ue001\ue001 more "
            "\ue000<script>x</script>, then the audit again \ue000."
        ],
    )
    html = results(client, "audit")
    found = snippets(html)
    assert found, html
    for snippet in found:
        assert "\ue000" not in snippet and "\ue001" not in snippet
        assert "<script>" not in snippet
        # Every <mark> is closed, nothing else is marked than the word searched for.
        marks = re.findall(r"<mark>(.*?)</mark>", snippet)
        assert marks and all(m.lower() == "audit" for m in marks), snippet
        assert "<mark>" not in re.sub(r"<mark>.*?</mark>", "", snippet), snippet
        assert "</mark>" not in re.sub(r"<mark>.*?</mark>", "", snippet), snippet


def test_highlight_balances_marks_whatever_it_is_given() -> None:
    # The last line of defence: stray markers are dropped, an open mark is closed.
    start, stop = search.START, search.STOP
    assert str(search.highlight(f"{stop}a {start}b{start} c{stop}{stop} d{start}e")) == (
        "a <mark>b c</mark> d<mark>e</mark>"
    )
    assert str(search.highlight(f"<i>{start}x{stop}</i>")) == "&lt;i&gt;<mark>x</mark>&lt;/i&gt;"
