"""Trends: published contributions per theme per month, as data and as a server-side SVG.

The chart is small multiples (one small bar chart per theme, all on the same scale), drawn
here as plain SVG with presentation attributes only: no script, no inline style, so it works
under the site's Content Security Policy and without JavaScript. The page puts the same
numbers in a table beside it.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass, field

from markupsafe import Markup, escape
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


def monthly_counts(months: int = 12, when: dt.datetime | None = None) -> TrendData:
    """Counts for the `months` months up to and including the current one (London time).
    A contribution counts in the month its digest was published, once per theme it carries."""
    when = when or publishing.now()
    span = _months_back(_month_of(when), months)
    first = dt.datetime(span[0][0], span[0][1], 1, tzinfo=LONDON).astimezone(dt.UTC).replace(tzinfo=None)
    rows = db.session.execute(
        select(Digest.published_at, Theme.slug)
        .select_from(Contribution)
        .join(Digest, Contribution.digest_id == Digest.id)
        .join(Contribution.themes)
        .where(publishing.contribution_is_public(when), Digest.published_at >= first)
    )
    data = TrendData(span, list(db.session.scalars(select(Theme).order_by(Theme.name))))
    for published_at, slug in rows:
        if published_at is None:
            continue
        month = _month_of(published_at)
        per_theme = data.counts.setdefault(slug, {})
        per_theme[month] = per_theme.get(month, 0) + 1
    return data


# ---- drawing ---------------------------------------------------------------------------------

COLUMNS = 3
PANEL_W, PANEL_H = 240, 132
PLOT_TOP, PLOT_H = 44, 60
PAD = 12
BAR = "#1f4e79"
EMPTY = "#d9d5cc"
INK = "#1d1d1f"
MUTED = "#555555"


def svg(
    data: TrendData, *, standalone: bool = False, columns: int = COLUMNS, ident: str = "trends"
) -> Markup:
    """The chart; `columns` panels across (the page draws 3 for wide screens, 1 for phones)."""
    rows = max(1, -(-len(data.themes) // columns))
    width, height = columns * PANEL_W, rows * PANEL_H + 8
    peak = max(1, data.peak)
    n = max(1, len(data.months))
    slot = (PANEL_W - 2 * PAD) / n
    bar_w = max(1.0, slot * 0.7)
    span = f"{month_label(data.months[0])} to {month_label(data.months[-1])}" if data.months else ""
    out: list[str] = []
    ns = ' xmlns="http://www.w3.org/2000/svg"' if standalone else ""
    out.append(
        f'<svg{ns} class="trends-chart trends-{columns}" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        'role="img" aria-labelledby="{ident}-title {ident}-desc" font-family="system-ui, sans-serif">'
    )
    out.append(
        f'<title id="trends-title">Published contributions per theme per month, {escape(span)}</title>'
    )
    out.append(
        f'<desc id="{ident}-desc">One small bar chart per theme, all on the same scale (tallest bar: {data.peak}). '
        f"{data.total} theme filings in all. The table on the page gives every number.</desc>"
    )
    for index, theme in enumerate(data.themes):
        x0 = (index % columns) * PANEL_W
        y0 = (index // columns) * PANEL_H
        total = data.theme_total(theme.slug)
        out.append(f'<g transform="translate({x0},{y0})">')
        out.append(
            f'<text x="{PAD}" y="18" font-size="13" font-weight="600" fill="{INK}">{escape(theme.name)}</text>'
        )
        out.append(f'<text x="{PAD}" y="34" font-size="11" fill="{MUTED}">{total} in all</text>')
        baseline = PLOT_TOP + PLOT_H
        out.append(
            f'<line x1="{PAD}" y1="{baseline}" x2="{PANEL_W - PAD}" y2="{baseline}" stroke="{EMPTY}" stroke-width="1"/>'
        )
        for m_index, month in enumerate(data.months):
            value = data.count(theme.slug, month)
            h = round(PLOT_H * value / peak, 1)
            x = round(PAD + m_index * slot + (slot - bar_w) / 2, 1)
            y = round(baseline - h, 1)
            label = f"{theme.name}, {month_label(month)}: {value}"
            out.append(
                f'<rect x="{x}" y="{y}" width="{round(bar_w, 1)}" height="{h}" fill="{BAR}">'
                f"<title>{escape(label)}</title></rect>"
            )
        if data.months:
            out.append(
                f'<text x="{PAD}" y="{baseline + 16}" font-size="11" fill="{MUTED}">{month_label(data.months[0])}</text>'
            )
            out.append(
                f'<text x="{PANEL_W - PAD}" y="{baseline + 16}" font-size="11" fill="{MUTED}" text-anchor="end">'
                f"{month_label(data.months[-1])}</text>"
            )
        out.append("</g>")
    out.append("</svg>")
    return Markup("".join(out))  # noqa: S704 - every piece of text is escaped above
