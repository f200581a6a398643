"""The theme taxonomy in the database, kept in step with the redactor's data file."""

from __future__ import annotations

from sqlalchemy import select

import nlp
from testimony.db import db
from testimony.models import Theme


def sync_themes() -> int:
    """Insert themes the taxonomy has and the database lacks; update names. Returns how many
    were added. Themes are never deleted here: published contributions may carry them."""
    existing = {t.slug: t for t in db.session.scalars(select(Theme))}
    added = 0
    for entry in nlp.THEMES:
        theme = existing.get(entry["slug"])
        if theme is None:
            db.session.add(
                Theme(slug=entry["slug"], name=entry["name"], description=entry.get("description", ""))
            )
            added += 1
        else:
            theme.name, theme.description = entry["name"], entry.get("description", "")
    return added
