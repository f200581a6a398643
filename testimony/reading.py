"""What the reading pages show, as plain values: a digest's contributions with their words,
themes, numbers, responses and what each answers.

The public pages and the editors' preview both build a digest's page here, so the desk never
imports a public view. Published contributions carry their words and themes in plain columns;
a preview opens them from their seals (testimony/approved.py) here, once, so templates never
decrypt anything: they are handed text.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import func, select

from testimony import approved, publishing
from testimony.db import db
from testimony.models import Contribution, Digest, Theme


@dataclass
class DigestPage:
    """Everything the digest template needs, opened (for a preview) or read (once published)."""

    digest: Digest
    contributions: list[Contribution]
    texts: dict[int, str] = field(default_factory=dict)  # contribution id -> its words
    themes: dict[int, list[Theme]] = field(default_factory=dict)  # contribution id -> its themes
    numbers: dict[int, int] = field(default_factory=dict)  # contribution id -> "No. n" in its digest
    replies: dict[int, list[Contribution]] = field(default_factory=dict)
    parents: dict[int, Contribution | None] = field(default_factory=dict)
    preview: bool = False

    @property
    def live(self) -> int:
        return sum(1 for c in self.contributions if not c.withdrawn)

    def text(self, contribution: Contribution) -> str:
        return self.texts.get(contribution.id, contribution.text)

    def themes_of(self, contribution: Contribution) -> list[Theme]:
        return self.themes.get(contribution.id, list(contribution.themes))


def numbers(contributions: list[Contribution]) -> dict[int, int]:
    """Each contribution's number in its digest: its place in the digest's order, 1, 2, 3...
    (withdrawn ones keep their number, so the others' citations stay true)."""
    ordered = sorted(contributions, key=lambda c: (c.position, c.public_id))
    return {c.id: n for n, c in enumerate(ordered, start=1)}


def number_of(contribution: Contribution) -> int:
    """A published contribution's number in its digest ("No. 3")."""
    digest = contribution.digest
    if digest is None:
        return 0
    return numbers(list(digest.contributions)).get(contribution.id, 0)


def digest_page(digest: Digest, *, preview: bool = False) -> DigestPage:
    """A digest as its page shows it. With `preview` (the editors' desk, before publication) the
    words, themes and reply targets are opened from their seals."""
    contributions = list(digest.contributions)
    page = DigestPage(digest=digest, contributions=contributions, preview=preview)
    page.numbers = numbers(contributions)
    for c in contributions:
        if c.withdrawn:
            continue
        if preview:
            page.texts[c.id] = approved.text_of(c)
            page.themes[c.id] = approved.themes_of(c)
        else:
            page.texts[c.id] = c.text
            page.themes[c.id] = list(c.themes)
    page.replies = publishing.thread([c for c in contributions if not c.withdrawn])
    page.parents = parents(contributions, opened=preview)
    return page


def contribution_page(contribution: Contribution) -> DigestPage:
    """One published contribution, as its permalink page shows it."""
    assert contribution.digest is not None  # noqa: S101 - only published contributions get here
    page = DigestPage(digest=contribution.digest, contributions=[contribution])
    page.texts[contribution.id] = contribution.text
    page.themes[contribution.id] = list(contribution.themes)
    page.numbers[contribution.id] = number_of(contribution)
    page.replies = publishing.thread([contribution])
    page.parents = parents([contribution])
    return page


def parents(contributions: list[Contribution], *, opened: bool = False) -> dict[int, Contribution | None]:
    """For responses: the contribution each answers, if it is public (None if not). `opened`
    reads reply targets still sealed (the editors' preview)."""
    found: dict[int, Contribution | None] = {}
    for c in contributions:
        parent = approved.parent_of(c) if opened else c.in_reply_to
        if parent is not None:
            found[c.id] = (
                parent
                if publishing.is_public(parent) or (parent.withdrawn and parent.digest_id is not None)
                else None
            )
    return found


def theme_counts(when: dt.datetime | None = None) -> Counter[str]:
    """Public contributions per theme slug."""
    query = (
        select(Theme.slug, func.count(Contribution.id))
        .select_from(Contribution)
        .join(Digest, Contribution.digest_id == Digest.id)
        .join(Contribution.themes)
        .where(publishing.contribution_is_public(when or publishing.now()))
        .group_by(Theme.slug)
    )
    return Counter({slug: int(n) for slug, n in db.session.execute(query)})


def live_counts(digest_ids: list[int]) -> dict[int, int]:
    """Contributions not withdrawn, per digest id."""
    if not digest_ids:
        return {}
    rows = db.session.execute(
        select(Contribution.digest_id, func.count())
        .where(Contribution.digest_id.in_(digest_ids), Contribution.withdrawn.is_(False))
        .group_by(Contribution.digest_id)
    )
    return {digest_id: int(n) for digest_id, n in rows if digest_id is not None}
