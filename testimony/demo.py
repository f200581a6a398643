"""`flask seed-demo`: fill a fresh database with demo digests, so a new user sees the reading
room working after `make run`. The texts are written for this project (composites in the voice
of front-line staff, not real testimony). Also the small builders the tests use.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Sequence

import click
from flask import Flask
from flask.cli import with_appcontext
from sqlalchemy import func, select

from testimony import publishing, search
from testimony.db import db
from testimony.models import Contribution, Digest, DigestKind, Theme, utcnow
from testimony.themes import sync_themes

MAX_SLUG = 48


# ---- builders --------------------------------------------------------------------------------


def slugify(title: str) -> str:
    """A unique slug for a digest title."""
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


def add_contribution(
    text: str, themes: Sequence[str] = (), *, in_reply_to: Contribution | None = None
) -> Contribution:
    """An approved contribution in no digest yet (as the desk's approve step leaves it)."""
    contribution = Contribution(
        text=text.strip(),
        themes=themes_named(themes),
        in_reply_to_id=in_reply_to.id if in_reply_to else None,
    )
    db.session.add(contribution)
    db.session.flush()
    return contribution


def add_digest(
    title: str,
    contributions: Sequence[Contribution],
    *,
    intro: str = "",
    themes: Sequence[str] = (),
    kind: str = DigestKind.DIGEST,
    created_by: str = "demo",
) -> Digest:
    """A draft digest holding `contributions` in the given order."""
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


def init_app(app: Flask) -> None:
    app.cli.add_command(seed_demo)


# ---- the demo content ------------------------------------------------------------------------
# Each digest: (title, days ago, themes, intro, [(text, themes, reply-to index or None)]).

DemoItem = tuple[str, Sequence[str], int | None]

DEMO: list[tuple[str, int, Sequence[str], str, list[DemoItem]]] = []


@click.command("seed-demo")
@click.option("--force", is_flag=True, help="Add the demo digests even if digests exist already.")
@with_appcontext
def seed_demo(force: bool) -> None:
    """Fill the database with demo digests and contributions (for trying the site out)."""
    existing = db.session.scalar(select(func.count()).select_from(Digest)) or 0
    if existing and not force:
        raise click.ClickException(
            f"There are {existing} digests already; seed-demo fills a fresh database only (--force to add anyway)."
        )
    sync_themes()
    made = seed(utcnow())
    click.echo(f"Added {made['digests']} digests with {made['contributions']} contributions.")
    click.echo("One is scheduled for tomorrow: `flask digests publish-due` publishes it when its time comes.")


def seed(now: dt.datetime) -> dict[str, int]:
    digests = contributions = 0
    made: list[Contribution] = []
    for title, days_ago, themes, intro, items in DEMO:
        batch = []
        for text, item_themes, reply_to in items:
            batch.append(
                add_contribution(
                    text, item_themes, in_reply_to=made[reply_to] if reply_to is not None else None
                )
            )
        made.extend(batch)
        kind = DigestKind.SINGLE if len(batch) == 1 else DigestKind.DIGEST
        digest = add_digest(title, batch, intro=intro, themes=themes, kind=kind)
        when = now - dt.timedelta(days=days_ago)
        if days_ago < 0:
            publishing.schedule(digest, when)
        else:
            publishing.publish(digest, when)
        digests += 1
        contributions += len(batch)
    db.session.commit()
    search.rebuild()
    return {"digests": digests, "contributions": contributions}
