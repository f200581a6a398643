"""Trends: published contributions per theme per month, as data and as a chart's geometry.

The chart is small multiples (one small bar chart per theme, all on the same scale), drawn by
the template `templates/public/trends_chart.svg` as plain SVG with presentation attributes only:
no script, no inline style, so it works under the site's Content Security Policy and without
JavaScript. The page puts the same numbers in a table beside it.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import select

from testimony import publishing
from testimony.db import db
from testimony.models import Contribution, Digest, Theme

try:
    LONDON: dt.tzinfo = zoneinfo.ZoneInfo("Europe/London")
except zoneinfo.ZoneInfoNotFoundError:  # pragma: no cover
    LONDON = dt.UTC
SHORT_MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

Month = tuple[int, int]
Cache = Callable[[str, Callable[[], dict[str, dict[Month, int]]]], dict[str, dict[Month, int]]]


@dataclass
class TrendData:
    months: list[Month]
    themes: list[Theme]
    counts: dict[str, dict[Month, int]] = field(default_factory=dict)

    def count(self, slug: str, month: Month) -> int:
        return self.counts.get(slug, {}).get(month, 0)

    def theme_total(self, slug: str) -> int:
        return sum(self.count(slug, m) for m in self.months)

    def month_total(self, month: Month) -> int:
        return sum(self.count(t.slug, month) for t in self.themes)

    @property
    def peak(self) -> int:
        return max((self.count(t.slug, m) for t in self.themes for m in self.months), default=0)

    @property
    def total(self) -> int:
        return sum(self.theme_total(t.slug) for t in self.themes)


def month_label(month: Month) -> str:
    return f"{SHORT_MONTHS[month[1] - 1]} {month[0]}"


def _month_of(moment: dt.datetime) -> Month:
    local = moment.replace(tzinfo=dt.UTC).astimezone(LONDON)
    return (local.year, local.month)


def _months_back(last: Month, n: int) -> list[Month]:
    year, month = last
    out: list[Month] = []
    for _ in range(n):
        out.append((year, month))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return list(reversed(out))


def monthly_counts(
    months: int = 12, when: dt.datetime | None = None, *, cache: Cache | None = None
) -> TrendData:
    """Counts for the `months` months up to and including the current one (London time).
    A contribution counts in the month its digest was published, once per theme it carries.
    `cache(key, compute)` may keep the counts (plain numbers) while the public set is unchanged
    (testimony/web/page_cache.py: figures): counting reads every public contribution."""
    when = when or publishing.now()
    span = _months_back(_month_of(when), months)
    first = dt.datetime(span[0][0], span[0][1], 1, tzinfo=LONDON).astimezone(dt.UTC).replace(tzinfo=None)

    def count() -> dict[str, dict[Month, int]]:
        rows = db.session.execute(
            select(Digest.published_at, Theme.slug)
            .select_from(Contribution)
            .join(Digest, Contribution.digest_id == Digest.id)
            .join(Contribution.themes)
            .where(publishing.contribution_is_public(when), Digest.published_at >= first)
        )
        counts: dict[str, dict[Month, int]] = {}
        for published_at, slug in rows:
            if published_at is None:
                continue
            month = _month_of(published_at)
            per_theme = counts.setdefault(slug, {})
            per_theme[month] = per_theme.get(month, 0) + 1
        return counts

    counts = cache(f"trends:{first.isoformat()}", count) if cache else count()
    return TrendData(span, list(db.session.scalars(select(Theme).order_by(Theme.name))), counts)


# ---- chart layout ----------------------------------------------------------------------------
# Geometry only: templates/public/trends_chart.svg draws it (no markup is built in Python).

COLUMNS = 3
PANEL_W, PANEL_H = 240, 132
PLOT_TOP, PLOT_H = 44, 60
PAD = 12


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str


@dataclass(frozen=True)
class Panel:
    x: int
    y: int
    name: str
    total: int
    bars: list[Bar]


@dataclass(frozen=True)
class Chart:
    """One chart's geometry. `ident` prefixes its element ids, so two charts on one page
    (wide and narrow) each label themselves for screen readers."""

    ident: str
    columns: int
    width: int
    height: int
    span: str
    first_month: str
    last_month: str
    peak: int
    total: int
    panels: list[Panel]
    baseline: int = PLOT_TOP + PLOT_H
    pad: int = PAD
    panel_width: int = PANEL_W


def chart(data: TrendData, *, columns: int = COLUMNS, ident: str = "trends") -> Chart:
    """Small multiples: one bar chart per theme, `columns` across, all on the same scale."""
    rows = max(1, -(-len(data.themes) // columns))
    peak = max(1, data.peak)
    slot = (PANEL_W - 2 * PAD) / max(1, len(data.months))
    bar_w = round(max(1.0, slot * 0.7), 1)
    baseline = PLOT_TOP + PLOT_H
    panels = []
    for index, theme in enumerate(data.themes):
        bars = []
        for m_index, month in enumerate(data.months):
            value = data.count(theme.slug, month)
            height = round(PLOT_H * value / peak, 1)
            bars.append(
                Bar(
                    x=round(PAD + m_index * slot + (slot - bar_w) / 2, 1),
                    y=round(baseline - height, 1),
                    width=bar_w,
                    height=height,
                    label=f"{theme.name}, {month_label(month)}: {value}",
                )
            )
        panels.append(
            Panel(
                x=(index % columns) * PANEL_W,
                y=(index // columns) * PANEL_H,
                name=theme.name,
                total=data.theme_total(theme.slug),
                bars=bars,
            )
        )
    first = month_label(data.months[0]) if data.months else ""
    last = month_label(data.months[-1]) if data.months else ""
    return Chart(
        ident=ident,
        columns=columns,
        width=columns * PANEL_W,
        height=rows * PANEL_H + 8,
        span=f"{first} to {last}" if data.months else "",
        first_month=first,
        last_month=last,
        peak=data.peak,
        total=data.total,
        panels=panels,
    )
