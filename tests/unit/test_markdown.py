"""Editors' Markdown intros: rendered, then cleaned to a small allow-list."""

from __future__ import annotations

import pytest

from testimony.markdown import paragraphs, plain, render

ATTACKS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    '<img src="x" onerror="alert(1)">',
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](  javascript:alert(1))",
    '<a href="javascript&colon;alert(1)">x</a>',
    "[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[vb](vbscript:msgbox(1))",
    '<a href="https://ok.example" onclick="alert(1)" style="color:red" target="_blank">x</a>',
    '<p onmouseover="alert(1)">hover</p>',
    '<iframe src="https://evil.example"></iframe>',
    "<svg onload=alert(1)>",
    "<style>body{display:none}</style>",
    '<form action="https://evil.example"><button>go</button></form>',
    "![img](https://evil.example/track.png)",
    '<a href="//evil.example">scheme-relative</a>',
]


@pytest.mark.parametrize("attack", ATTACKS)
def test_no_script_attributes_or_dangerous_urls_survive(attack: str) -> None:
    html = str(render(f"Intro.\n\n{attack}\n\nEnd."))
    lowered = html.lower()
    for bad in [
        "<script",
        "javascript:",
        "vbscript:",
        "data:",
        "onerror",
        "onclick",
        "onload",
        "onmouseover",
        "style",
        "<iframe",
        "<img",
        "<svg",
        "<form",
        "target=",
        "evil.example",
        "alert(1)</",
    ]:
        assert bad not in lowered, (attack, html)
    assert "<p>Intro.</p>" in html and "End." in html


def test_allowed_markup_is_kept() -> None:
    html = str(
        render(
            "## Heading\n\n### Sub\n\n*em* **strong** `code`\n\n> quoted\n\n    pre block\n\n1. one\n2. two\n\n- a\n- b"
        )
    )
    for tag in [
        "<h2>",
        "<h3>",
        "<em>",
        "<strong>",
        "<code>",
        "<blockquote>",
        "<ol>",
        "<ul>",
        "<li>",
        "<pre>",
    ]:
        assert tag in html, tag


def test_links_keep_safe_schemes_and_get_rel() -> None:
    html = str(render("[a](https://example.org/x) [b](http://example.org) [c](mailto:press@example.org)"))
    assert html.count('rel="nofollow noopener"') == 3
    assert 'href="https://example.org/x"' in html and 'href="mailto:press@example.org"' in html


def test_h1_and_tables_are_not_allowed() -> None:
    html = str(render("# Big\n\n<table><tr><td>x</td></tr></table>"))
    assert "<h1" not in html and "<table" not in html and "Big" in html


def test_contributed_text_is_escaped_into_paragraphs() -> None:
    html = str(paragraphs("Line one\nline two\n\n<script>alert(1)</script>"))
    assert html == "<p>Line one<br>\nline two</p>\n<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"


def test_plain_summary() -> None:
    assert plain("Some *very* [linked](https://x.example) words & more", 20) == "Some very linked…"
