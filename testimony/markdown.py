"""Editors' introductions: Markdown rendered, then cleaned to a small allow-list.

Markdown lets raw HTML through, so the cleaning is what keeps pages safe: only the tags below
survive, links keep only an http, https or mailto `href`, and every link gets
rel="nofollow noopener". Anything else (script, style, event attributes, javascript: URLs,
images, iframes) is removed.
"""

from __future__ import annotations

import functools
import re
import threading

import bleach
import markdown as md
from bleach.linkifier import LinkifyFilter
from markupsafe import Markup, escape

ALLOWED_TAGS = frozenset(
    {"p", "em", "strong", "a", "ul", "ol", "li", "blockquote", "h2", "h3", "code", "pre", "br"}
)
ALLOWED_ATTRIBUTES = {"a": ["href"]}
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})
REL = "nofollow noopener"


def _set_rel(attrs: dict, new: bool = False) -> dict | None:
    href = attrs.get((None, "href"), "").strip()
    # A link whose address was removed (a bad scheme), or that points at another host without
    # saying which scheme ("//host"), is no link: its words stay, the link goes.
    if not href or href.startswith("//") or href.startswith("\\"):
        return None
    attrs[(None, "rel")] = REL
    return attrs


_local = threading.local()


def _cleaner() -> bleach.sanitizer.Cleaner:
    """This thread's Cleaner. A Cleaner keeps its html5lib parser's state between calls and is
    not thread-safe (bleach's documentation says so); gunicorn's gthread workers render in
    several threads, and one shared Cleaner failed under load with IndexError and ValueError
    (make bench: the Atom feed and the digest page, 500s)."""
    cleaner = getattr(_local, "cleaner", None)
    if cleaner is None:
        cleaner = _local.cleaner = bleach.sanitizer.Cleaner(
            tags=ALLOWED_TAGS,
            attributes=ALLOWED_ATTRIBUTES,
            protocols=ALLOWED_PROTOCOLS,
            strip=True,
            strip_comments=True,
            filters=[lambda source: LinkifyFilter(source, callbacks=[_set_rel], skip_tags={"pre", "code"})],
        )
    return cleaner


# Contents of these are not text a reader should see, even with the tags stripped.
_DROP_WHOLE = re.compile(r"<(script|style|iframe|object|template|textarea)\b[^>]*>.*?</\1\s*>", re.I | re.S)


# Editors' introductions are the only Markdown (contributed words are escaped into paragraphs,
# cheaply, and are not kept here: a withdrawn contribution's words must not linger in a cache).
# An introduction is rendered once per process and kept, keyed by its content: pages, feeds and
# the API never run Markdown or bleach again for a text already seen (make bench: that was most
# of the home page's time). What is kept is an editor's published or previewed introduction.
RENDERED = 4096


@functools.lru_cache(maxsize=RENDERED)
def render(text: str) -> Markup:
    """Markdown to clean HTML, safe to put in a page, a feed or the API (cached by content)."""
    return _render(text)


def _render(text: str) -> Markup:
    raw = md.markdown(_DROP_WHOLE.sub("", text or ""), extensions=["sane_lists"], output_format="html")
    return Markup(_cleaner().clean(raw))  # noqa: S704 - cleaned to the allow-list just above


def paragraphs(text: str) -> Markup:
    """Plain contributed text as HTML paragraphs: escaped, blank lines split paragraphs,
    single line breaks kept."""
    blocks = [b.strip() for b in re.split(r"\n\s*\n", (text or "").replace("\r\n", "\n")) if b.strip()]
    return Markup("\n").join(
        Markup("<p>{}</p>").format(Markup("<br>\n").join(escape(line) for line in block.split("\n")))
        for block in blocks
    )


@functools.lru_cache(maxsize=RENDERED)
def plain(text: str, limit: int | None = None) -> str:
    """Markdown to plain text (for summaries and meta descriptions)."""
    html = md.markdown(_DROP_WHOLE.sub("", text or ""))
    words = " ".join(bleach.clean(html, tags=set(), strip=True).split())
    words = words.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"')
    if limit and len(words) > limit:
        words = words[: limit - 1].rsplit(" ", 1)[0] + "…"
    return words
