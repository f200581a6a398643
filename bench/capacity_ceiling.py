"""The ceiling for the digest page: a bare Flask app whose one view renders the same template
(public/digest.html, with the same filters) from constants: no database, no ORM, no extensions.

    CAPACITY_CEILING_DIGEST=digest.json gunicorn -c gunicorn.conf.py --pythonpath bench capacity_ceiling:app

The JSON file holds one digest as the real site shows it (capacity_run.py exports it from the
database the real site serves), so both render the same page. The template links to many of
the site's endpoints; they exist here as stubs so url_for builds the same links.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from flask import Blueprint, Flask, render_template, url_for

from testimony import approved, publishing
from testimony.markdown import paragraphs, plain, render
from testimony.web.filters import iso, long_date, month_name

ROOT = Path(__file__).resolve().parent.parent


def _stub() -> str:
    return ""


def _blueprint(name: str, routes: dict[str, str], prefix: str | None = None) -> Blueprint:
    bp = Blueprint(name, __name__, url_prefix=prefix)
    for endpoint, rule in routes.items():
        bp.add_url_rule(rule, endpoint, _stub)
    return bp


def _load(path: str) -> tuple[Any, list[Any]]:
    raw = json.loads(Path(path).read_text(encoding="utf-8"))
    themes = [SimpleNamespace(**t) for t in raw["themes"]]
    digest = SimpleNamespace(
        id=raw["id"],
        slug=raw["slug"],
        title=raw["title"],
        intro_markdown=raw["intro_markdown"],
        kind=raw["kind"],
        published_at=dt.datetime.fromisoformat(raw["published_at"]),
        themes=themes,
    )
    contributions = [
        SimpleNamespace(
            id=c["id"],
            public_id=c["public_id"],
            text=c["text"],
            withdrawn=c["withdrawn"],
            sealed=None,  # published: wording, themes and reply target are plain
            in_reply_to_id=None,
            themes=[SimpleNamespace(**t) for t in c["themes"]],
            digest=digest,
        )
        for c in raw["contributions"]
    ]
    return digest, contributions


app = Flask(__name__, template_folder=str(ROOT / "templates"), static_folder=str(ROOT / "static"))
app.register_blueprint(
    _blueprint(
        "public",
        {
            "home": "/",
            "about": "/about",
            "themes": "/themes",
            "theme": "/themes/<slug>",
            "theme_feed": "/themes/<slug>/feed.atom",
            "archive": "/archive",
            "trends_page": "/trends",
            "search_page": "/search",
            "feed": "/feed.atom",
            "contribution": "/c/<public_id>",
        },
    )
)
app.register_blueprint(_blueprint("api", {"index": "/"}, "/api/v1"))
app.register_blueprint(_blueprint("submit", {"form": "/submit"}))
app.register_blueprint(_blueprint("status", {"form": "/status"}))
app.add_template_filter(long_date, "long_date")
app.add_template_filter(iso, "iso")
app.add_template_filter(render, "markdown")
app.add_template_filter(paragraphs, "paragraphs")
app.add_template_filter(plain, "plain")
app.add_template_filter(approved.text_of, "wording")
app.add_template_filter(approved.themes_of, "themes_of")
app.jinja_env.globals.update(
    withdrawn_note=publishing.WITHDRAWN_NOTE,
    month_name=month_name,
    respond_url=lambda c: url_for("submit.form", in_reply_to=c.public_id),
)

DIGEST, CONTRIBUTIONS = _load(os.environ["CAPACITY_CEILING_DIGEST"])


@app.get("/d/<slug>")
def digest(slug: str) -> str:
    return render_template(
        "public/digest.html",
        digest=DIGEST,
        contributions=CONTRIBUTIONS,
        replies={},
        parents={},
        preview=False,
        live=sum(1 for c in CONTRIBUTIONS if not c.withdrawn),
    )
