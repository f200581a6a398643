"""Composing digests: drafts, their slugs, the contributions they hold and in what order.

The editors' desk (moderation/views/digests.py) and the demo data call these; publication itself
is `testimony/publishing.py`. Like every domain module, nothing here commits: the caller owns the
transaction.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from sqlalchemy import select

from testimony.db import db
from testimony.models import Contribution, Digest, DigestKind, Theme

MAX_SLUG = 48


def slugify(title: str) -> str:
    """A slug for a digest title that no other digest has."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    words = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-") or "digest"
    base = words[:MAX_SLUG].rstrip("-")
    slug, n = base, 2
    while db.session.scalar(select(Digest.id).where(Digest.slug == slug)) is not None:
        slug = f"{base[: MAX_SLUG - 4]}-{n}"
        n += 1
    return slug


def themes_named(slugs: Sequence[str]) -> list[Theme]:
    if not slugs:
        return []
    return list(db.session.scalars(select(Theme).where(Theme.slug.in_(list(slugs)))))


def create_draft(
    title: str,
    contributions: Sequence[Contribution] = (),
    *,
    intro: str = "",
    themes: Sequence[str] = (),
    kind: DigestKind = DigestKind.DIGEST,
    created_by: str,
) -> Digest:
    """A draft digest holding `contributions`, numbered in the given order."""
    digest = Digest(
        slug=slugify(title),
        title=title,
        intro_markdown=intro.strip(),
        kind=kind,
        created_by=created_by,
        themes=themes_named(themes),
    )
    db.session.add(digest)
    db.session.flush()
    for position, contribution in enumerate(contributions, start=1):
        contribution.digest_id = digest.id
        contribution.position = position
    db.session.flush()
    db.session.refresh(digest)
    return digest
