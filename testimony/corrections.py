"""Editors' corrections and takedowns of published contributions.

A published contribution is never changed silently. A correction replaces its text and leaves a
dated note ("Amended on ..."); a takedown removes its text and themes and leaves a dated note
("Removed on ..."). Either appends a signed entry to the public publication log
(testimony/publication_log.py), and the pages, feeds and API show the note from then on. The
submission's status does not change (it stays published): only testimony/lifecycle.py writes
statuses. The caller (the editors' desk) audits who and why, and commits.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

from testimony import publication_log, publishing, search
from testimony.db import db
from testimony.models import Contribution, utcnow

try:
    LONDON: dt.tzinfo = zoneinfo.ZoneInfo("Europe/London")
except zoneinfo.ZoneInfoNotFoundError:  # pragma: no cover
    LONDON = dt.UTC
MAX_NOTE = 500
MAX_TEXT = 20_000


class CorrectionRefused(Exception):
    """The change cannot be made (the message says why, for editors)."""


def _number(contribution: Contribution) -> int:
    assert contribution.digest is not None  # noqa: S101 - checked by the callers
    ids = [c.id for c in publication_log.numbered(contribution.digest.contributions)]
    return ids.index(contribution.id) + 1


def _check(contribution: Contribution, note: str) -> str:
    if not publishing.is_public(contribution):
        raise CorrectionRefused(
            "Only a published contribution that is still shown can be corrected or taken down."
        )
    note = " ".join(note.split())[:MAX_NOTE]
    if not note:
        raise CorrectionRefused("Say why, in a sentence readers will see beside it.")
    return note


def correct(contribution: Contribution, text: str, note: str, when: dt.datetime | None = None) -> None:
    """Replace a published contribution's text, with a dated note readers see."""
    note = _check(contribution, note)
    text = text.replace("\r\n", "\n").strip()[:MAX_TEXT]
    if not text:
        raise CorrectionRefused("The corrected text is empty: to remove it, take it down instead.")
    if text == contribution.text:
        raise CorrectionRefused("The text is unchanged.")
    contribution.text = text
    contribution.amended_at = when or utcnow()
    contribution.public_note = note
    db.session.flush()
    search.index([contribution])
    publication_log.record_change(
        publication_log.Kind.CORRECTION, contribution, _number(contribution), note=note
    )


def take_down(contribution: Contribution, note: str, when: dt.datetime | None = None) -> None:
    """Remove a published contribution from every page, feed and the API, with a dated note."""
    note = _check(contribution, note)
    number = _number(contribution)
    contribution.withdrawn = True  # the publication rule, search and caches treat it as gone
    contribution.removed_at = when or utcnow()
    contribution.public_note = note
    contribution.text = ""
    contribution.themes = []
    db.session.flush()  # the search index drops it on flush (testimony/search.py)
    publication_log.record_change(publication_log.Kind.TAKEDOWN, contribution, number, note=note)


def _day(moment: dt.datetime) -> str:
    local = moment.replace(tzinfo=dt.UTC).astimezone(LONDON)
    return f"{local.day} {local:%B} {local.year}"


def note_text(contribution: Contribution) -> str | None:
    """The dated note readers see beside (or instead of) a contribution, as plain text; None if
    it has none. Feeds and the API carry it as the pages show it."""
    if contribution.removed_at is not None:
        return f"Removed on {_day(contribution.removed_at)} by the editors: {contribution.public_note}"
    if contribution.withdrawn:
        return publishing.WITHDRAWN_NOTE
    if contribution.amended_at is not None:
        return f"Amended on {_day(contribution.amended_at)}: {contribution.public_note}"
    return None
