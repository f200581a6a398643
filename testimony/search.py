"""Full-text search over published contributions.

Two engines, one results page:
- SQLite (the default database): an FTS5 table `contribution_fts` (rowid = contribution id,
  porter stemming), created by migration 3f9c2a7d1b40. Rows go in when a digest is published
  (`index`) and come out when a contribution is withdrawn (a flush listener, so the
  submitter's withdrawal path needs no change here), then the index is merged so the words do
  not linger in old segments.
- PostgreSQL: `search_vector @@ websearch_to_tsquery('english', q)`, ranked by ts_rank, with
  ts_headline snippets. `search_vector` is a stored generated column, to_tsvector('english',
  text), with a GIN index (migration 9e4b7c1d2f60): ranking reads it instead of parsing every
  matching text again.

Either way the hits are joined back to contributions and filtered with the publication rule
(testimony.publishing), so unpublished or withdrawn text can never appear, even if the index
were stale. Hits come newest first unless best match is asked for (bm25 or ts_rank), and
counting stops at COUNT_LIMIT, so a search does not slow down as the archive grows.

Both accept the same small query language: words (all must match), "quoted phrases",
`or` between alternatives, and -word to exclude.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import click
from flask import Flask
from flask.cli import AppGroup
from markupsafe import Markup, escape
from sqlalchemy import ColumnElement, Float, Integer, String, event, func, literal_column, select, text
from sqlalchemy.orm import Session, selectinload

from testimony.db import count_up_to, db
from testimony.models import Contribution, Digest, Theme

FTS_TABLE = "contribution_fts"
MAX_QUERY = 200
MAX_TERMS = 12
# Private-use characters mark highlights inside the engine's snippet, so the text around them
# can be escaped before the marks become <mark> elements. A published text could hold these
# characters itself: they are taken out of what the engines make snippets from (the SQLite index,
# the text given to ts_headline), and highlight() pairs whatever marks remain.
START, STOP = "\ue000", "\ue001"
_MARKERS = re.compile(f"([{START}{STOP}])")
_NO_MARKERS = str.maketrans("", "", START + STOP)
PG_CONFIG: ColumnElement[Any] = literal_column("'english'::regconfig")


@dataclass(frozen=True)
class Hit:
    contribution: Contribution
    snippet: Markup


# Counting every match of a broad word reads every matching row, so a search would slow down as
# the archive grows (make bench: 3.6x slower at 100,000 contributions than at 1,000). Counting
# stops here instead, and the page says "more than".
COUNT_LIMIT = 200


class Order(enum.StrEnum):
    # Newest first is the default: the database walks the newest digests and stops after one
    # page, however many contributions match. Best match must rank every match first.
    NEWEST = "newest"
    RELEVANCE = "relevance"


@dataclass(frozen=True)
class Results:
    query: str
    hits: list[Hit]
    total: int  # at most COUNT_LIMIT
    more: bool = False  # there are more than `total` matches
    order: Order = Order.NEWEST


# ---- the query language ----------------------------------------------------------------------

_TOKEN = re.compile(r'"([^"]*)"?|(\S+)')
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Parsed:
    groups: list[list[str]]  # OR of AND-groups; each item a phrase (words separated by spaces)
    excluded: list[str]

    @property
    def empty(self) -> bool:
        return not any(self.groups)


def parse(query: str) -> Parsed:
    groups: list[list[str]] = [[]]
    excluded: list[str] = []
    count = 0
    for match in _TOKEN.finditer((query or "")[:MAX_QUERY]):
        phrase, bare = match.group(1), match.group(2)
        negative = False
        if bare is not None:
            if bare.lower() == "or" and groups[-1]:
                groups.append([])
                continue
            if bare.startswith("-") and len(bare) > 1:
                negative, bare = True, bare[1:]
        words = _WORD.findall((phrase if phrase is not None else bare or "").lower())
        if not words or count >= MAX_TERMS:
            continue
        count += 1
        (excluded if negative else groups[-1]).append(" ".join(w[:64] for w in words))
    return Parsed([g for g in groups if g], excluded)


def fts5_query(parsed: Parsed) -> str:
    def quote(phrase: str) -> str:
        return '"' + phrase.replace('"', "") + '"'

    ors = [" AND ".join(quote(p) for p in group) for group in parsed.groups]
    expression = " OR ".join(f"({o})" for o in ors)
    for phrase in parsed.excluded:
        expression = f"({expression}) NOT {quote(phrase)}"
    return expression


def websearch_text(parsed: Parsed) -> str:
    """The parsed query back in websearch_to_tsquery's syntax (which it never rejects)."""

    def part(phrase: str) -> str:
        return f'"{phrase}"' if " " in phrase else phrase

    ors = [" ".join(part(p) for p in group) for group in parsed.groups]
    return " or ".join(ors) + "".join(f" -{part(p)}" for p in parsed.excluded)


# ---- engines ---------------------------------------------------------------------------------


def _dialect(session: Session | None = None) -> str:
    return (session or db.session).get_bind().dialect.name


def _fts_exists(connection: Any) -> bool:
    return (
        connection.execute(
            text("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = :name"), {"name": FTS_TABLE}
        ).first()
        is not None
    )


def pg_vector() -> ColumnElement:
    """The stored tsvector of a contribution's text (PostgreSQL only; not in the models, as
    SQLite has no such column)."""
    return literal_column("contributions.search_vector")


def matching_ids(query: str) -> ColumnElement[bool] | None:
    """A WHERE clause on Contribution for `query`, or None if the query has no words."""
    parsed = parse(query)
    if parsed.empty:
        return None
    if _dialect() == "postgresql":
        return pg_vector().op("@@")(func.websearch_to_tsquery(PG_CONFIG, websearch_text(parsed)))
    matches = text(f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH :q").bindparams(  # noqa: S608 - constant table name
        q=fts5_query(parsed)
    )
    return Contribution.id.in_(matches)


def without_markers(text: str) -> str:
    """`text` without the characters that mark hits in snippets."""
    return text.translate(_NO_MARKERS)


def highlight(snippet: str) -> Markup:
    """The snippet escaped, with its hits as <mark> elements: always balanced, never nested,
    whatever markers it holds (a stray closer is dropped, an open mark closed at the end)."""
    pieces: list[str] = []
    marking = False
    for piece in _MARKERS.split(snippet or ""):
        if piece in (START, STOP):
            if marking != (piece == START):
                pieces.append("<mark>" if piece == START else "</mark>")
                marking = not marking
        else:
            pieces.append(str(escape(piece)))
    if marking:
        pieces.append("</mark>")
    return Markup("".join(pieces))  # noqa: S704 - every piece of text was escaped above


def search(
    query: str,
    *,
    when: dt.datetime | None = None,
    theme: str | None = None,
    page: int = 1,
    per_page: int = 20,
    order: Order = Order.NEWEST,
) -> Results:
    """Hits among public contributions, newest or best first, with highlighted snippets."""
    from testimony import publishing  # publishing imports this module

    parsed = parse(query)
    if parsed.empty:
        return Results(query, [], 0, order=order)
    when = when or publishing.now()
    if _dialect() == "postgresql":
        tsquery = func.websearch_to_tsquery(PG_CONFIG, websearch_text(parsed))
        rank = func.ts_rank(pg_vector(), tsquery).label("rank")
        snippet = func.ts_headline(
            PG_CONFIG,
            func.translate(Contribution.text, START + STOP, ""),
            tsquery,
            f"StartSel={START}, StopSel={STOP}, MaxWords=40, MinWords=15, MaxFragments=2, "
            'FragmentDelimiter=" … "',
        ).label("snippet")
        base = select(Contribution, rank, snippet).where(pg_vector().op("@@")(tsquery))
        ranking: list[Any] = [rank.desc()]
    else:
        fts = (
            text(
                f"SELECT rowid AS id, bm25({FTS_TABLE}) AS rank, "  # noqa: S608 - constant table name
                f"snippet({FTS_TABLE}, 0, :start, :stop, '…', 32) AS snippet "
                f"FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH :q"
            )
            .bindparams(q=fts5_query(parsed), start=START, stop=STOP)
            .columns(id=Integer, rank=Float, snippet=String)
            .subquery("fts")
        )
        base = select(Contribution, fts.c.rank, fts.c.snippet).join(fts, fts.c.id == Contribution.id)
        ranking = [fts.c.rank]
    base = base.join(Digest, Contribution.digest_id == Digest.id).where(
        publishing.contribution_is_public(when)
    )
    if theme:
        base = base.where(Contribution.themes.any(Theme.slug == theme))
    total = int(db.session.scalar(count_up_to(base.with_only_columns(Contribution.id), COUNT_LIMIT)) or 0)
    newest = publishing.contribution_order()
    rows = db.session.execute(
        base.order_by(*(newest if order == Order.NEWEST else [*ranking, *newest]))
        .limit(per_page)
        .offset(max(0, page - 1) * per_page)
        .options(selectinload(Contribution.themes), selectinload(Contribution.digest))
    ).all()
    hits = [Hit(row[0], highlight(row[2])) for row in rows]
    return Results(query, hits, min(total, COUNT_LIMIT), more=total > COUNT_LIMIT, order=order)


# ---- keeping the SQLite index in step --------------------------------------------------------


def index(contributions: Iterable[Contribution]) -> None:
    """Put published contributions in the index (SQLite; PostgreSQL needs nothing)."""
    if _dialect() != "sqlite":
        return
    connection = db.session.connection()
    if not _fts_exists(connection):
        return
    for contribution in contributions:
        if contribution.withdrawn or not contribution.text:
            continue
        connection.execute(text(f"DELETE FROM {FTS_TABLE} WHERE rowid = :id"), {"id": contribution.id})  # noqa: S608
        connection.execute(
            text(f"INSERT INTO {FTS_TABLE} (rowid, text) VALUES (:id, :text)"),  # noqa: S608
            {"id": contribution.id, "text": without_markers(contribution.text)},
        )


def _unindex(connection: Any, ids: list[int]) -> None:
    if not ids or not _fts_exists(connection):
        return
    for ident in ids:
        connection.execute(text(f"DELETE FROM {FTS_TABLE} WHERE rowid = :id"), {"id": ident})  # noqa: S608
    # Merge the index so the removed words do not survive in older segments.
    connection.execute(text(f"INSERT INTO {FTS_TABLE} ({FTS_TABLE}) VALUES ('optimize')"))  # noqa: S608


def rebuild() -> int:
    """Rebuild the SQLite index from the published contributions. Returns the row count."""
    from testimony import publishing

    if _dialect() != "sqlite":
        return 0
    connection = db.session.connection()
    if not _fts_exists(connection):
        return 0
    connection.execute(text(f"DELETE FROM {FTS_TABLE}"))  # noqa: S608
    rows = list(db.session.scalars(publishing.published_contributions()))
    index(rows)
    connection.execute(text(f"INSERT INTO {FTS_TABLE} ({FTS_TABLE}) VALUES ('optimize')"))  # noqa: S608
    return len(rows)


@event.listens_for(Session, "after_flush")
def _withdrawn_leave_the_index(session: Session, _context: Any) -> None:
    """Whoever withdraws or deletes a contribution, its words leave the search index."""
    gone = [
        obj.id
        for obj in list(session.dirty) + list(session.deleted)
        if isinstance(obj, Contribution)
        and obj.id is not None
        and (obj.withdrawn or obj in session.deleted or not obj.text)
    ]
    if not gone:
        return
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        return
    _unindex(connection, gone)


def init_app(app: Flask) -> None:
    app.cli.add_command(search_group)


@click.group("search", cls=AppGroup)
def search_group() -> None:
    """The full-text search index."""


@search_group.command("rebuild")
def rebuild_command() -> None:
    """Rebuild the SQLite search index from the published contributions."""
    n = rebuild()
    db.session.commit()
    click.echo(
        f"Indexed {n} published contributions."
        if _dialect() == "sqlite"
        else "PostgreSQL needs no index rebuild."
    )
