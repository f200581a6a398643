"""Template filters and globals of the whole site, registered by the app factory: dates as the
site writes them (London time), Markdown and plain text. None of them decrypts anything: views
hand templates text already opened."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

from flask import Flask

from testimony import publishing
from testimony.markdown import paragraphs, plain, render

try:
    LONDON: dt.tzinfo = zoneinfo.ZoneInfo("Europe/London")
except zoneinfo.ZoneInfoNotFoundError:  # pragma: no cover - a system without tz data
    LONDON = dt.UTC
MONTHS = [
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
]  # fmt: skip


# ---- template helpers ------------------------------------------------------------------------


def local(moment: dt.datetime) -> dt.datetime:
    return moment.replace(tzinfo=dt.UTC).astimezone(LONDON)


def long_date(moment: dt.datetime | None) -> str:
    if moment is None:
        return ""
    day = local(moment)
    return f"{day:%A} {day.day} {MONTHS[day.month - 1]} {day.year}"


def iso(moment: dt.datetime | None) -> str:
    return local(moment).isoformat(timespec="minutes") if moment else ""


def markdown_filter(text: str) -> Any:
    return render(text)


def paragraphs_filter(text: str) -> Any:
    return paragraphs(text)


def plain_filter(text: str, limit: int | None = None) -> str:
    return plain(text, limit)


def month_name(month: int) -> str:
    return MONTHS[month - 1]


def init_app(app: Flask) -> None:
    app.add_template_filter(long_date, "long_date")
    app.add_template_filter(iso, "iso")
    app.add_template_filter(markdown_filter, "markdown")
    app.add_template_filter(paragraphs_filter, "paragraphs")
    app.add_template_filter(plain_filter, "plain")
    # Globals, not a context processor: imported macros see globals but not the context.
    app.jinja_env.globals.update(withdrawn_note=publishing.WITHDRAWN_NOTE, month_name=month_name)
