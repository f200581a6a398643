"""Composing digests: drafts, their slugs, the contributions they hold and in what order.

The editors' desk (moderation/views/digests.py) and the demo data call these; publication itself
is `testimony/publishing.py`. Like every domain module, nothing here commits: the caller owns the
transaction.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence

from sqlalchemy import select, update

from testimony import publishing
from testimony.db import db
from testimony.models import Contribution, Digest, DigestKind, Theme, utcnow

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


SINGLE_TITLE = "In case you missed it"


class CompositionProblem(Exception):
    """The change asked for cannot be made as it stands (the message says why, for editors)."""


def claim(contribution: Contribution, digest: Digest, position: int) -> bool:
    """Put a contribution in `digest` unless another digest took it first or it was withdrawn
    meanwhile (checked in the one statement that moves it). Returns whether it was put there."""
    result = db.session.execute(
        update(Contribution)
        .where(
            Contribution.id == contribution.id,
            Contribution.digest_id.is_(None),
            Contribution.withdrawn.is_(False),
        )
        .values(digest_id=digest.id, position=position)
        .execution_options(synchronize_session=False)
    )
    db.session.expire(contribution)
    return bool(result.rowcount)  # type: ignore[attr-defined]


def renumber(digest: Digest, ordered: Sequence[Contribution]) -> None:
    """Number the digest's contributions 1, 2, 3... in the given order."""
    for position, contribution in enumerate(ordered, start=1):
        contribution.position = position
    digest.updated_at = utcnow()


def create_single(contribution: Contribution, *, themes: Sequence[str], created_by: str) -> Digest | None:
    """A single post ("In case you missed it") carrying `contribution`; None if another digest
    took it first (the caller rolls back)."""
    digest = create_draft(SINGLE_TITLE, kind=DigestKind.SINGLE, themes=themes, created_by=created_by)
    return digest if claim(contribution, digest, 1) else None


def add(digest: Digest, wanted: Sequence[str]) -> tuple[int, int]:
    """Add the available contributions with these public ids, in the order given, after the
    digest's last one. The caller has started the change (publishing.change_draft). Returns
    (added, missed): missed ones were taken by another digest or withdrawn meanwhile."""
    if not wanted:
        raise CompositionProblem("Tick the contributions to add.")
    if digest.kind == DigestKind.SINGLE and len(digest.contributions) + len(wanted) > 1:
        raise CompositionProblem("A single post carries exactly one contribution.")
    order = {public_id: i for i, public_id in reversed(list(enumerate(wanted)))}
    rows = list(
        db.session.scalars(
            publishing.available_contributions().where(Contribution.public_id.in_(list(wanted)))
        )
    )
    position = max((c.position for c in digest.contributions), default=0)
    added = 0
    for contribution in sorted(rows, key=lambda c: order[c.public_id]):
        position += 1
        added += claim(contribution, digest, position)
    digest.updated_at = utcnow()
    db.session.expire(digest, ["contributions"])
    return added, len(set(wanted)) - added


def remove(digest: Digest, public_id: str) -> bool:
    """Take one contribution out of a draft (back to the approved pool) and number the rest
    again. Returns whether it was in the digest."""
    current = list(digest.contributions)
    target = next((c for c in current if c.public_id == public_id), None)
    if target is None:
        return False
    publishing.remove_from_digest(target)
    renumber(digest, [c for c in current if c is not target])
    return True


def move(digest: Digest, public_id: str, step: int) -> bool:
    """Move one contribution `step` places (-1 up, 1 down), within the digest. Returns whether
    it was in the digest."""
    current = list(digest.contributions)
    target = next((c for c in current if c.public_id == public_id), None)
    if target is None:
        return False
    i = current.index(target)
    j = max(0, min(len(current) - 1, i + step))
    current[i], current[j] = current[j], current[i]
    renumber(digest, current)
    return True


def reorder(digest: Digest, wanted: Mapping[str, float]) -> None:
    """Order the contributions by the positions typed for them (public id -> number); ties and
    ones without a number keep their present order."""
    current = list(digest.contributions)
    keyed = [(wanted.get(c.public_id, float(index + 1)), index, c) for index, c in enumerate(current)]
    renumber(digest, [c for _, _, c in sorted(keyed, key=lambda k: (k[0], k[1]))])
