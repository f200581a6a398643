"""The ceiling for any page: a bare Flask app (no database, no ORM, no extensions) whose one
view renders, through a Jinja template with autoescaping, an HTML page of the number of bytes
asked for, made of paragraphs of text:

    gunicorn -c gunicorn.conf.py --pythonpath bench pages_ceiling:app     GET /bytes/<n>

bench/pages_run.py asks it for a page of the same size as each public page it measures, so a
page's requests a second divided by the ceiling's says how close the page comes to the cost of
just rendering and serving that many bytes under the same gunicorn.
"""

from __future__ import annotations

import functools

from flask import Flask, render_template_string

PAGE = """<!doctype html>
<html lang="en-GB"><head><meta charset="utf-8"><title>{{ title }}</title></head>
<body><main>{% for p in paragraphs %}<p>{{ p }}</p>
{% endfor %}</main></body></html>"""
SENTENCE = "The rota had three names on it for a month & nobody said why. "
OVERHEAD = 140  # the template's own bytes, near enough

app = Flask(__name__)


@functools.lru_cache(maxsize=256)
def _paragraphs(size: int) -> tuple[str, ...]:
    paragraph = SENTENCE * 8
    # Each paragraph renders with <p></p>, a newline and "&amp;" for each "&" (4 more bytes each).
    rendered = len(paragraph) + 8 + 4 * paragraph.count("&")
    count, rest = divmod(max(0, size - OVERHEAD), rendered)
    return (paragraph,) * count + ((paragraph[: max(0, rest - 8)],) if rest > 8 else ())


@app.get("/bytes/<int:size>")
def page(size: int) -> str:
    return render_template_string(PAGE, title="ceiling", paragraphs=_paragraphs(min(size, 5_000_000)))
