"""Public pages at scale: what depends only on the public set is kept per process until that
set changes: the ordered ids of each theme's public contributions, figures (counts per theme and
month), and the HTML of every reading page.

Why: a theme page shows 20 contributions and "page N of M". Counting and ordering all of a
theme's public contributions on every request costs time in proportion to the theme (about
20 ms of PostgreSQL for 10,000 contributions, whatever the indexes; `make bench`), yet that set
changes only when a digest becomes public or a contribution is withdrawn. So each process keeps
the ordered ids of each theme with a version read on every request (one cheap statement) that
changes whenever the set can: the newest entry of the publication log (every publication,
correction, takedown and withdrawal appends one: testimony/publication_log.py), the latest time
of public digests, and the number of withdrawn contributions (a partial index keeps that count
small). Withdrawal also removes a contribution's themes.

The rows of a page are then loaded by id with the publication rule applied again, so even a
stale list could never show a contribution that is not public.

A reading page (digest, contribution, home, themes, archive, trends, feeds...) is the same for
every reader and changes only with the public set (a response published, a contribution
withdrawn or corrected): its HTML is kept for the current version, for the PAGE_CACHE most
recently read pages. Loading and rendering a digest cost about four times the rendering alone
(make bench, bench/pages.sh).
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from flask import current_app, g, has_request_context, request
from sqlalchemy import func, select

from testimony import publishing
from testimony.db import db
from testimony.models import Contribution, Digest, PublicationLogEntry
from testimony.web import security

CACHE_KEY = "theme_listings"
FIGURES_KEY = "public_figures"
PAGES_KEY = "public_pages"
PAGE_CACHE = 256  # pages of about 30 kB: under 10 MB per worker
_pages_lock = threading.Lock()
T = TypeVar("T")


@dataclass(frozen=True)
class ThemePage:
    contributions: list[Contribution]
    total: int


def public_version(when: dt.datetime) -> tuple[Any, ...]:
    """Changes whenever the set or order of public contributions can change (see above). Read
    once per request however many caches ask."""
    if has_request_context():
        found: tuple[Any, ...] | None = g.get("public_version")
        if found is None:
            found = g.public_version = _read_public_version(when)
        return found
    return _read_public_version(when)


def _read_public_version(when: dt.datetime) -> tuple[Any, ...]:
    # Every publication, correction, takedown and withdrawal appends to the publication log, so
    # its newest entry moves on with every change to the public set; the latest public digest
    # and the withdrawn count (a partial index) also catch what reached the database without the
    # log (rows from before it, `flask generate`). All three are index lookups: no count of the
    # archive on every request (the count of public digests was, and grew with it).
    withdrawn = select(func.count()).select_from(Contribution).where(Contribution.withdrawn).scalar_subquery()
    logged = select(func.max(PublicationLogEntry.seq)).scalar_subquery()
    query = select(func.max(Digest.published_at), withdrawn, logged).where(publishing.digest_is_public(when))
    latest, gone, last_entry = db.session.execute(query).one()
    return (latest, int(gone or 0), int(last_entry or 0))


def _ordered_ids(slug: str, when: dt.datetime) -> list[int]:
    query = (
        select(Contribution.id)
        .join(Digest, Contribution.digest_id == Digest.id)
        .where(publishing.contribution_is_public(when))
        .order_by(*publishing.contribution_order())
    )
    return list(db.session.scalars(publishing.with_theme(query, slug)))  # type: ignore[arg-type]


def theme_ids(slug: str, when: dt.datetime) -> list[int]:
    """A theme's public contribution ids in reading order, from this process's cache if the
    public set has not changed since they were read."""
    cache: dict[str, tuple[tuple[Any, ...], list[int]]] = current_app.extensions.setdefault(CACHE_KEY, {})
    version = public_version(when)
    cached = cache.get(slug)
    if cached is not None and cached[0] == version:
        return cached[1]
    ids = _ordered_ids(slug, when)
    cache[slug] = (version, ids)  # one entry per theme: the cache cannot grow beyond the taxonomy
    return ids


def figures(key: str, compute: Callable[[], T]) -> T:
    """Figures that depend only on the public set (counts per theme, per month, the archive's
    months), computed once per process while it is unchanged. Plain values only (numbers,
    slugs, dates): never rows, and never any contributed words. Unlike `cached_page`, this is
    not turned off with the page cache: it is data, like the theme listings above, and every
    page reading it renders afresh."""
    cache: dict[str, tuple[tuple[Any, ...], Any]] = current_app.extensions.setdefault(FIGURES_KEY, {})
    version = public_version(publishing.now())
    hit = cache.get(key)
    if hit is not None and hit[0] == version:
        return hit[1]
    value = compute()
    if len(cache) > PAGE_CACHE:
        cache.clear()  # keys are few and fixed (a handful per page); this is only a backstop
    cache[key] = (version, value)
    return value


def theme_page(slug: str, page: int, per_page: int) -> ThemePage:
    when = publishing.now()
    ids = theme_ids(slug, when)
    wanted = ids[(page - 1) * per_page : page * per_page]
    rows = list(
        db.session.scalars(publishing.published_contributions(when).where(Contribution.id.in_(wanted)))
    )
    return ThemePage(rows, len(ids))


def cached_page(key: str, render: Callable[[], str]) -> str:
    """The HTML `render` makes for `key` (a page that depends only on what is public), from this
    process's cache while the public set is unchanged. Nothing is kept if `render` raises (a 404).
    FLASK_PUBLIC_PAGE_CACHE=false turns it off (make bench measures the page both ways)."""
    if not current_app.config.get("PUBLIC_PAGE_CACHE", True):
        return render()
    # Pages hold absolute addresses (permalinks, feed links): a page made for the onion address
    # must never be served on the clear-web name, or the other way round. Entries are keyed on
    # the TRUSTED_HOSTS entry the Host matched (never on the Host as sent), and each keeps the
    # exact address it was made for: another port of a trusted name gets its own page and at most
    # replaces that one entry, so no Host can make the cache grow or push other pages out.
    name = security.trusted_name(request.host)
    if name is None:
        return render()
    key = f"{request.scheme}://{name}|{key}"
    address = request.host_url
    version = public_version(publishing.now())
    pages: OrderedDict[str, tuple[tuple[Any, ...], str, str]] = current_app.extensions.setdefault(
        PAGES_KEY, OrderedDict()
    )
    with _pages_lock:
        hit = pages.get(key)
        if hit is not None and hit[0] == version and hit[1] == address:
            pages.move_to_end(key)
            return hit[2]
    html = render()
    with _pages_lock:
        pages[key] = (version, address, html)
        pages.move_to_end(key)
        while len(pages) > PAGE_CACHE:
            pages.popitem(last=False)  # the least recently read
    return html
