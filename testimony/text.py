"""Cleaning what people type before anything else looks at it."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from urllib.parse import unquote_to_bytes

# C0 and C1 control characters other than tab, line feed and carriage return: invisible,
# never meant, and some (NUL) break databases and tools downstream.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


class UnreadableInput(ValueError):
    """The request body is not valid UTF-8."""


def clean(text: str) -> str:
    """NFC-normalise, unify line endings, drop control characters, trim outer whitespace."""
    text = unicodedata.normalize("NFC", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", text).strip()


def check_form_encoding(raw: bytes) -> None:
    """Refuse url-encoded bodies whose percent-decoded bytes are not UTF-8.

    Werkzeug would quietly replace bad bytes with U+FFFD, changing what someone wrote without
    telling them; we would rather say so.
    """
    for pair in raw.split(b"&"):
        for part in pair.split(b"=", 1):
            try:
                unquote_to_bytes(part.replace(b"+", b" ")).decode("utf-8")
            except UnicodeDecodeError as exc:
                raise UnreadableInput("form text is not UTF-8") from exc


MONTH_NAMES = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def day_text(day: dt.date) -> str:
    """A day as the site writes it everywhere: "30 November 2026" (whatever the server's locale)."""
    return f"{day.day} {MONTH_NAMES[day.month - 1]} {day.year}"
