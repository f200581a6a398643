"""Properties of Markdown cleaning (hypothesis): whatever an editor (or someone who has taken
over an editor's session) types as a digest introduction, the HTML that reaches pages, feeds
and the API carries no script, no event handler, no style and no link a browser would follow
to a javascript:, vbscript: or data: URL.

The output is parsed back the way a browser parses it (html5lib, the parser bleach itself
vendors) and each href is resolved the way the URL standard does (tabs and newlines removed,
leading control characters and spaces stripped, backslashes read as slashes), so an
obfuscated scheme cannot slip past a string search.
"""

from __future__ import annotations

import re

from bleach._vendor import html5lib  # the HTML5 parsing algorithm browsers use
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from testimony.markdown import ALLOWED_TAGS, paragraphs, render

PROPS = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# ---- a grammar of hostile Markdown -----------------------------------------------------------

SCHEMES = ["javascript", "vbscript", "data", "JaVaScRiPt", "jav\tascript", "java\nscript", "java\x00script"]


@st.composite
def scheme_spelling(draw: st.DrawFn) -> str:
    """A dangerous scheme, spelt the ways filters are known to miss."""
    scheme = draw(st.sampled_from(SCHEMES))
    style = draw(st.integers(0, 5))
    if style == 1:  # decimal entities
        scheme = "".join(f"&#{ord(c)};" for c in scheme)
    elif style == 2:  # hex entities, zero padded, no semicolon
        scheme = "".join(f"&#x0{ord(c):x}" for c in scheme)
    elif style == 3:  # percent-encoded: browsers do not decode before the scheme, so a relative link
        scheme = "".join(f"%{ord(c):02x}" for c in scheme)
    colon = draw(st.sampled_from([":", "&colon;", "&#58;", "&#x3a;", "%3a", "\t:"]))
    lead = draw(st.sampled_from(["", " ", "\x01", "\u00a0", "\n", "&#32;"]))
    body = draw(st.sampled_from(["alert(1)", "alert`1`", "text/html;base64,PHNjcmlwdD4=", "//%0aalert(1)"]))
    return lead + scheme + colon + body


urls = st.one_of(
    scheme_spelling(),
    st.sampled_from(
        [
            "https://example.org/a?b=c",
            "http://example.org",
            "mailto:press@example.org",
            "/relative/path",
            "#fragment",
            "//evil.example/x",
            "\\\\evil.example",
            'https://example.org/" onmouseover="alert(1)',
            "https://example.org/'><script>alert(1)</script>",
        ]
    ),
)

EVENT = st.sampled_from(
    ["onerror", "onload", "onclick", "ONMOUSEOVER", "onfocus", "onbegin", "onanimationstart"]
)
ATTR_VALUE = st.one_of(
    urls, st.sampled_from(["alert(1)", "x", "", "color:red;background:url(javascript:alert(1))"])
)
TAGS = st.sampled_from(
    [
        "a",
        "p",
        "img",
        "script",
        "SCRIPT",
        "svg",
        "math",
        "iframe",
        "object",
        "embed",
        "style",
        "link",
        "meta",
        "base",
        "form",
        "input",
        "button",
        "textarea",
        "template",
        "noscript",
        "xmp",
        "title",
        "body",
        "details",
        "video",
        "audio",
        "source",
        "marquee",
        "em",
        "strong",
        "code",
        "pre",
        "h2",
    ]
)
ATTR_NAMES = st.one_of(
    EVENT,
    st.sampled_from(
        [
            "href",
            "src",
            "style",
            "formaction",
            "action",
            "xlink:href",
            "srcdoc",
            "background",
            "target",
            "rel",
            "id",
            "class",
        ]
    ),
)


@st.composite
def raw_tag(draw: st.DrawFn) -> str:
    tag = draw(TAGS)
    attrs = draw(st.lists(st.tuples(ATTR_NAMES, ATTR_VALUE), max_size=3))
    quote = draw(st.sampled_from(['"', "'", ""]))
    sep = draw(st.sampled_from([" ", "/", "\n", "\t"]))
    rendered = "".join(f"{sep}{name}={quote}{value}{quote}" for name, value in attrs)
    inner = draw(st.sampled_from(["alert(1)", "x", "", "<script>alert(1)</script>", "]]>", "-->"]))
    close = draw(st.sampled_from([f"</{tag}>", "", f"</{tag} >", f"</{tag}\n>"]))
    return f"<{tag}{rendered}>{inner}{close}"


@st.composite
def markdown_link(draw: st.DrawFn) -> str:
    url = draw(urls)
    text = draw(st.sampled_from(["click", "", "<b>x</b>", "`code`", "![i](x)"]))
    kind = draw(st.integers(0, 4))
    if kind == 0:
        return f"[{text}]({url})"
    if kind == 1:
        return f'[{text}](<{url}> "title")'
    if kind == 2:
        return f"[{text}][r]\n\n[r]: {url}\n"
    if kind == 3:
        return f"![{text}]({url})"
    return f"<{url}>"


NOISE = st.sampled_from(
    [
        "Some words.",
        "\n\n",
        "\n",
        "*",
        "**",
        "`",
        "```\n",
        "> ",
        "- ",
        "1. ",
        "## ",
        "    ",
        "<!--",
        "-->",
        "<![CDATA[",
        "]]>",
        "<scr",
        "ipt>",
        "&lt;script&gt;",
        "&#60;script&#62;",
        "\\",
        "<",
        ">",
        '"',
        "'",
        "=",
        "javascript:alert(1)",
        "<a href=",
        "</a>",
        "<",
        "/>",
        "\x00",
        "\ufeff",
        "\u202e",
    ]
)
fragment = st.one_of(raw_tag(), markdown_link(), NOISE, st.text(max_size=20))
documents = st.lists(fragment, min_size=1, max_size=12).map("".join)

# ---- what a browser would see ----------------------------------------------------------------

DANGEROUS_SCHEMES = {"javascript", "vbscript", "data", "file", "blob", "filesystem"}
SAFE_SCHEMES = {"http", "https", "mailto"}
SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.\-]*):")


def browser_scheme(href: str) -> str | None:
    """The scheme a browser would read from an href attribute (already entity-decoded by the
    parser): the URL standard strips leading and trailing C0 controls and spaces, and removes
    every tab and newline, before it looks for the scheme."""
    value = href.strip("".join(chr(c) for c in range(0x21)))
    value = re.sub(r"[\t\n\r]", "", value)
    match = SCHEME.match(value)
    return match.group(1).lower() if match else None


def elements(html: str) -> list[tuple[str, dict[str, str]]]:
    tree = html5lib.parseFragment(html, treebuilder="etree", namespaceHTMLElements=False)
    found = []
    for element in tree.iter():
        if not isinstance(element.tag, str) or element.tag == "DOCUMENT_FRAGMENT":
            continue
        found.append((element.tag, dict(element.attrib)))
    return found


def assert_inert(source: str, html: str) -> None:
    lowered = html.lower()
    for needle in [
        "<script",
        "<style",
        "<iframe",
        "<object",
        "<embed",
        "<svg",
        "<math",
        "<img",
        "<form",
        "<base",
        "<meta",
        "<link",
    ]:
        assert needle not in lowered, (source, html)
    for tag, attrs in elements(html):
        assert tag in ALLOWED_TAGS, (tag, source, html)
        for name, value in attrs.items():
            assert not name.lower().startswith("on"), (name, source, html)
            assert (tag, name) in {("a", "href"), ("a", "rel")}, (tag, name, source, html)
            if name == "href":
                scheme = browser_scheme(value)
                assert scheme is None or scheme in SAFE_SCHEMES, (value, source, html)
                assert scheme not in DANGEROUS_SCHEMES
            if name == "rel":
                assert value == "nofollow noopener"


# ---- properties ------------------------------------------------------------------------------


@PROPS
@given(source=documents)
def test_render_leaves_nothing_that_runs(source: str) -> None:
    assert_inert(source, str(render(source)))


@PROPS
@given(source=documents)
def test_render_is_stable_when_its_output_is_rendered_again(source: str) -> None:
    # The API publishes intro_html; a client that feeds it back through Markdown (or our own
    # feed builder, which nests it) must still get nothing that runs.
    once = str(render(source))
    assert_inert(once, str(render(once)))


@settings(max_examples=200, deadline=None)
@given(source=st.text(max_size=300))
def test_render_never_raises_on_any_text(source: str) -> None:
    assert_inert(source, str(render(source)))


@settings(max_examples=300, deadline=None)
@given(source=st.one_of(documents, st.text(max_size=300)))
def test_contributed_text_is_escaped_into_paragraphs_only(source: str) -> None:
    # Contributions are plain text, never Markdown: every character is text, no tag survives.
    html = str(paragraphs(source))
    for tag, attrs in elements(html):
        assert tag in {"p", "br"} and not attrs, (tag, attrs, source, html)
    assert "<script" not in html.lower()


@PROPS
@given(url=scheme_spelling(), style=st.integers(0, 3))
def test_no_spelling_of_a_dangerous_scheme_becomes_a_link(url: str, style: int) -> None:
    source = [f"[x]({url})", f"<{url}>", f'<a href="{url}">x</a>', f"[x][r]\n\n[r]: {url}\n"][style]
    html = str(render(source))
    assert_inert(source, html)
