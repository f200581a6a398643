"""The research dataset: every published contribution, as JSON Lines or CSV.

One row per contribution in a published digest, oldest digest first, in digest order: its id,
number in the digest ("No. 3"), digest (id, title, date), themes, text, permalink, and whether
it was withdrawn by its author or removed or amended by the editors (with the note readers
see). Withdrawn and removed rows keep their place and number but carry no text. The files load
into pandas (`read_json(lines=True)`, `read_csv`), Datasette (`datasette insert` /
`csvs-to-sqlite`) or a spreadsheet unchanged: UTF-8, a header row, RFC 4180 quoting, themes
joined by "; " in the CSV (where a text that begins like a spreadsheet formula gets a leading
apostrophe, so opening the file runs nothing).

Rows are read in batches and written as they are read, so the dataset can be as large as the
archive without being held in memory.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Callable, Iterator
from typing import Any

from flask import Flask, current_app
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from testimony import corrections, publishing
from testimony.db import db
from testimony.models import Contribution, Digest

FIELDS = [
    "id",
    "number",
    "digest_id",
    "digest_title",
    "published_at",
    "themes",
    "text",
    "url",
    "withdrawn",
    "removed_at",
    "amended_at",
    "note",
    "in_reply_to",
]
BATCH = 1000


def _iso(moment: dt.datetime | None) -> str | None:
    return moment.replace(tzinfo=dt.UTC).isoformat().replace("+00:00", "Z") if moment else None


def stream(app: Flask, permalink: Callable[[str], str], when: dt.datetime) -> Iterator[dict[str, Any]]:
    """Every contribution of every published digest, as plain values, read in batches. Each
    batch is read in an app context (and database session) of its own, closed before its rows
    are handed on: a stream that is read slowly, or never to the end, holds no connection and
    leaves no context behind."""
    with app.app_context():
        digests = [
            tuple(row)
            for row in db.session.execute(
                select(Digest.id, Digest.slug, Digest.title, Digest.published_at)
                .where(publishing.digest_is_public(when))
                .order_by(Digest.published_at, Digest.id)
            )
        ]
    per_batch = max(1, BATCH // 20)  # digests hold about 20 contributions each
    for start in range(0, len(digests), per_batch):
        with app.app_context():
            records = _batch(digests[start : start + per_batch], permalink)
        yield from records


def rows(permalink: Callable[[str], str], when: dt.datetime | None = None) -> list[dict[str, Any]]:
    """The whole dataset at once (for tests and small archives), in the current app context."""
    return list(stream(current_app._get_current_object(), permalink, when or publishing.now()))  # type: ignore[attr-defined]


def _batch(chunk: list[tuple[Any, ...]], permalink: Callable[[str], str]) -> list[dict[str, Any]]:
    by_id = {ident: (slug, title, published_at) for ident, slug, title, published_at in chunk}
    contributions = db.session.scalars(
        select(Contribution)
        .where(Contribution.digest_id.in_(list(by_id)))
        .options(selectinload(Contribution.themes), selectinload(Contribution.in_reply_to))
    ).all()
    grouped: dict[int, list[Contribution]] = {}
    for c in contributions:
        grouped.setdefault(c.digest_id or 0, []).append(c)
    out: list[dict[str, Any]] = []
    for ident, (slug, title, published_at) in by_id.items():
        ordered = sorted(grouped.get(ident, []), key=lambda c: (c.position, c.public_id))
        for number, c in enumerate(ordered, start=1):
            parent = c.in_reply_to
            out.append(
                {
                    "id": c.public_id,
                    "number": number,
                    "digest_id": slug,
                    "digest_title": title,
                    "published_at": _iso(published_at),
                    "themes": [t.slug for t in c.themes] if not c.withdrawn else [],
                    "text": "" if c.withdrawn else c.text,
                    "url": permalink(c.public_id),
                    "withdrawn": c.withdrawn,
                    "removed_at": _iso(c.removed_at),
                    "amended_at": _iso(c.amended_at),
                    "note": corrections.note_text(c) or "",
                    "in_reply_to": parent.public_id
                    if parent is not None
                    and not c.withdrawn
                    and (parent.withdrawn or publishing.is_public(parent))
                    else None,
                }
            )
    return out


def jsonl(records: Iterator[dict[str, Any]]) -> Iterator[str]:
    for record in records:
        yield json.dumps(record, ensure_ascii=False) + "\n"


_FORMULA = ("=", "+", "@", "\t", "\r")


def _inert(value: str) -> str:
    """A cell a spreadsheet will not run as a formula: text that starts like one gets a leading
    apostrophe (the usual defence against CSV injection; pandas and Datasette keep it as text).
    The JSON Lines file is unchanged."""
    if value.startswith(_FORMULA) or (value.startswith("-") and value[1:2] not in ("", " ")):
        return "'" + value
    return value


def csv_lines(records: Iterator[dict[str, Any]]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=FIELDS, lineterminator="\r\n")
    writer.writeheader()
    yield buffer.getvalue()
    for record in records:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(
            {
                **record,
                "text": _inert(record["text"]),
                "digest_title": _inert(record["digest_title"]),
                "note": _inert(record["note"]),
                "themes": "; ".join(record["themes"]),
                "withdrawn": "true" if record["withdrawn"] else "false",
                "in_reply_to": record["in_reply_to"] or "",
                "removed_at": record["removed_at"] or "",
                "amended_at": record["amended_at"] or "",
            }
        )
        yield buffer.getvalue()
