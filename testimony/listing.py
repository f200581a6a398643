"""Theme pages at scale: the ordered ids of a theme's public contributions, kept per process
until the public set changes.

Why: a theme page shows 20 contributions and "page N of M". Counting and ordering all of a
theme's public contributions on every request costs time in proportion to the theme (about
20 ms of PostgreSQL for 10,000 contributions, whatever the indexes; `make bench`), yet that set
changes only when a digest becomes public or a contribution is withdrawn. So each process keeps
the ordered ids of each theme with a version read on every request (one cheap statement) that
changes whenever the set can: the number and latest time of public digests (published digests
are never unpublished, changed or given new contributions) and the number of withdrawn
contributions (a partial index keeps that count small). Withdrawal also removes a
contribution's themes.

The rows of a page are then loaded by id with the publication rule applied again, so even a
stale list could never show a contribution that is not public.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from flask import current_app
from sqlalchemy import func, select

from testimony import publishing
from testimony.db import db
from testimony.models import Contribution, Digest

CACHE_KEY = "theme_listings"


@dataclass(frozen=True)
class ThemePage:
    contributions: list[Contribution]
    total: int


def public_version(when: dt.datetime) -> tuple[Any, ...]:
    """Changes whenever the set or order of public contributions can change (see above)."""
    withdrawn = select(func.count()).select_from(Contribution).where(Contribution.withdrawn).scalar_subquery()
    query = select(func.count(), func.max(Digest.published_at), withdrawn).where(
        publishing.digest_is_public(when)
    )
    digests, latest, gone = db.session.execute(query).one()
    return (int(digests), latest, int(gone or 0))


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


def theme_page(slug: str, page: int, per_page: int) -> ThemePage:
    when = publishing.now()
    ids = theme_ids(slug, when)
    wanted = ids[(page - 1) * per_page : page * per_page]
    rows = list(
        db.session.scalars(publishing.published_contributions(when).where(Contribution.id.in_(wanted)))
    )
    return ThemePage(rows, len(ids))
