"""Transparency: how the channel itself is used, month by month, without identifying anyone.

Counted as it happens (testimony/lifecycle.py and testimony/submissions.py call `tally`):
testimony received, published, declined (by the moderators' reason) and withdrawn, per calendar
month (UK time), as plain counts in `monthly_tallies`. Shown only for months that have ended (a
count that moves during the month would date a submission), and any count under SUPPRESS is
shown as "fewer than 5", so a small number cannot point at a person. Counting began when this
version was installed; earlier months are not shown.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from testimony.db import db
from testimony.models import MonthlyTally, utcnow

try:
    LONDON: dt.tzinfo = zoneinfo.ZoneInfo("Europe/London")
except zoneinfo.ZoneInfoNotFoundError:  # pragma: no cover
    LONDON = dt.UTC
SUPPRESS = 5
FEWER = "fewer than 5"
RECEIVED, PUBLISHED, WITHDRAWN = "received", "published", "withdrawn"
DECLINED = "declined:"  # + the reason's key
# The moderators' reasons for declining (moderation/views/review.py), in plain words.
DECLINE_REASONS = {
    "identifying": "would identify someone",
    "out_of_scope": "not about working in the service",
    "unverifiable": "allegations that cannot be published",
    "duplicate": "a repeat",
    "other": "another reason",
}


def month_of(moment: dt.datetime | dt.date | None = None) -> str:
    if moment is None:
        moment = utcnow()
    if isinstance(moment, dt.datetime):
        moment = moment.replace(tzinfo=dt.UTC).astimezone(LONDON).date()
    return f"{moment.year:04d}-{moment.month:02d}"


def tally(measure: str, n: int = 1, *, on: dt.date | dt.datetime | None = None) -> None:
    """Add `n` to this month's count of `measure`, in the caller's transaction (one atomic upsert)."""
    if n <= 0:
        return
    values = {"month": month_of(on), "measure": measure[:48], "count": n}
    dialect = db.session.get_bind().dialect.name
    module = postgresql if dialect == "postgresql" else sqlite
    statement = module.insert(MonthlyTally).values(**values)
    statement = statement.on_conflict_do_update(
        index_elements=["month", "measure"], set_={"count": MonthlyTally.count + statement.excluded.count}
    )
    db.session.execute(statement)


def declined(reason: str) -> str:
    return DECLINED + (reason if reason in DECLINE_REASONS else "other")


Shown = int | str  # a count, or FEWER


def shown(count: int) -> Shown:
    return count if count >= SUPPRESS else FEWER


@dataclass
class Month:
    month: str
    received: Shown
    published: Shown
    withdrawn: Shown
    declined: dict[str, Shown] = field(default_factory=dict)  # reason key -> count

    @property
    def label(self) -> str:
        year, month = self.month.split("-")
        return dt.date(int(year), int(month), 1).strftime("%B %Y")


def months(count: int = 12, now: dt.datetime | None = None) -> list[Month]:
    """The last `count` months that have ended (newest first) with at least one count, small
    counts suppressed."""
    current = month_of(now)
    rows = db.session.execute(
        select(MonthlyTally.month, MonthlyTally.measure, MonthlyTally.count).where(
            MonthlyTally.month < current
        )
    ).all()
    by_month: dict[str, dict[str, int]] = {}
    for month, measure, n in rows:
        by_month.setdefault(month, {})[measure] = int(n)
    out = []
    for month in sorted(by_month, reverse=True)[:count]:
        counts = by_month[month]
        out.append(
            Month(
                month=month,
                received=shown(counts.get(RECEIVED, 0)),
                published=shown(counts.get(PUBLISHED, 0)),
                withdrawn=shown(counts.get(WITHDRAWN, 0)),
                declined={key: shown(counts.get(DECLINED + key, 0)) for key in DECLINE_REASONS},
            )
        )
    return out
