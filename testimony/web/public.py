"""Public reading pages: home, digests, contribution permalinks, themes, archive, search,
trends and feeds. Everything shown here passes the publication rule in testimony.publishing."""

from __future__ import annotations

import datetime as dt
import json
import math
from collections import Counter

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    render_template,
    request,
    send_from_directory,
    url_for,
)
from sqlalchemy import select

from testimony import (
    citations,
    feeds,
    instance_keys,
    publication_log,
    publishing,
    reading,
    search,
    transparency,
    trends,
)
from testimony.db import db
from testimony.models import Contribution, Digest, Theme, digest_themes
from testimony.web import api_doc, page_cache
from testimony.web.filters import LONDON, local

bp = Blueprint("public", __name__)

PER_PAGE = 20
HOME_DIGESTS = 10
THEME_DIGESTS = 20  # the latest on a theme's first page; the archive has them all


def _page_number() -> int:
    try:
        return max(1, min(10_000, int(request.args.get("page", "1"))))
    except ValueError:
        return 1


def _pages(total: int, per_page: int = PER_PAGE) -> int:
    return max(1, math.ceil(total / per_page))


# ---- pages -----------------------------------------------------------------------------------


@bp.get("/")
def home() -> str:
    def render() -> str:
        digests = list(db.session.scalars(publishing.published_digests().limit(HOME_DIGESTS)))
        counts = reading.live_counts([d.id for d in digests])
        return render_template("public/home.html", digests=digests, counts=counts)

    # Every reading page depends only on the public set: kept per process until it changes
    # (testimony/web/page_cache.py), keyed on what the view reads from the request.
    return page_cache.cached_page("home", render)


@bp.get("/about")
def about() -> str:
    try:
        key = {"pem": publication_log.public_key_pem(), "fingerprint": publication_log.fingerprint()}
    except instance_keys.InstanceNotInitialised:
        key = None
    return render_template("public/about.html", publication_key=key)


@bp.get("/d/<slug>")
def digest(slug: str) -> str:
    def render() -> str:
        found = publishing.find_digest(slug)
        if found is None:
            abort(404)
        return render_digest(found)

    # The same for every reader until the public set changes (testimony/web/page_cache.py).
    return page_cache.cached_page(f"digest:{slug}", render)


def render_digest(digest: Digest) -> str:
    page = reading.digest_page(digest)
    return render_template("public/digest.html", page=page, digest=digest)


@bp.get("/c/<public_id>")
def contribution(public_id: str) -> tuple[str, int] | str:
    def render() -> str:
        found = publishing.find_contribution(public_id)
        if found is None:
            abort(404)
        if found.withdrawn:
            raise _Gone(render_template("public/withdrawn.html", contribution=found))
        page = reading.contribution_page(found)
        return render_template(
            "public/contribution.html",
            c=found,
            page=page,
            citation=_citation(found, page.numbers[found.id]),
            summary=_summary(found.text),
        )

    try:
        return page_cache.cached_page(f"contribution:{public_id}", render)
    except _Gone as gone:
        return gone.page, 410


class _Gone(Exception):
    """A withdrawn contribution's page: answered 410, never kept."""

    def __init__(self, page: str) -> None:
        super().__init__("withdrawn")
        self.page = page


def _citation(found: Contribution, number: int) -> citations.Citation:
    assert found.digest is not None  # noqa: S101 - only published contributions get here
    return citations.of(
        found,
        number,
        url=url_for("public.contribution", public_id=found.public_id, _external=True),
        digest_url=url_for("public.digest", slug=found.digest.slug, _external=True),
    )


def _summary(text: str, limit: int = 200) -> str:
    words = " ".join(text.split())
    return words if len(words) <= limit else words[: limit - 1].rsplit(" ", 1)[0] + "…"


CITATION_FORMATS = {
    "csl.json": ("application/vnd.citationstyles.csl+json", "json"),
    "bib": ("application/x-bibtex", "bib"),
    "txt": ("text/plain", "txt"),
}


@bp.get("/c/<public_id>/cite.<fmt>")
def citation(public_id: str, fmt: str) -> Response:
    """A contribution's citation as a file for a reference manager."""
    found = publishing.find_contribution(public_id)
    if found is None or fmt not in CITATION_FORMATS:
        abort(404)
    if found.withdrawn:
        abort(410)
    cite = _citation(found, reading.number_of(found))
    body = {"csl.json": cite.csl_json, "bib": cite.bibtex, "txt": lambda: cite.plain() + "\n"}[fmt]()
    mimetype, extension = CITATION_FORMATS[fmt]
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = (
        f'attachment; filename="testimony-{found.public_id}.{extension}"'
    )
    return response


@bp.get("/themes")
def themes() -> str:
    def render() -> str:
        all_themes = list(db.session.scalars(select(Theme).order_by(Theme.name)))
        counts = page_cache.figures("theme_counts", reading.theme_counts)
        return render_template("public/themes.html", themes=all_themes, counts=counts)

    return page_cache.cached_page("themes", render)


@bp.get("/themes/<slug>")
def theme(slug: str) -> str:
    page = _page_number()
    return page_cache.cached_page(f"theme:{slug}:{page}", lambda: _theme_page(slug, page))


def _theme_page(slug: str, page: int) -> str:
    found = publishing.find_theme(slug)
    if found is None:
        abort(404)
    # Counting and ordering the whole theme on each request grew with the data; page_cache.py
    # keeps the ordered ids until the public set changes (make bench, capacity_scale).
    listed = page_cache.theme_page(slug, page, PER_PAGE)
    digests: list[Digest] = []
    if page == 1:  # only the first page shows them, and only the latest: a theme can have thousands
        # By the theme's id, not its slug: PostgreSQL then knows how many digests carry it and
        # walks the newest digests in order instead of sorting them all (4 ms -> 0.4 ms at 5,560).
        filed = select(digest_themes.c.digest_id).where(digest_themes.c.theme_id == found.id)
        query = publishing.published_digests().where(Digest.id.in_(filed)).limit(THEME_DIGESTS + 1)
        digests = list(db.session.scalars(query))
    return render_template(
        "public/theme.html",
        theme=found,
        digests=digests[:THEME_DIGESTS],
        more_digests=len(digests) > THEME_DIGESTS,
        contributions=listed.contributions,
        page=page,
        pages=_pages(listed.total),
        total=listed.total,
    )


@bp.get("/archive")
def archive() -> str:
    return page_cache.cached_page("archive", _archive_page)


def _archive_page() -> str:
    months = page_cache.figures("archive_months", _archive_months)
    years: dict[int, list[tuple[int, int]]] = {}
    for (year, month), n in sorted(months.items(), reverse=True):
        years.setdefault(year, []).append((month, n))
    return render_template("public/archive.html", years=years)


def _archive_months() -> Counter[tuple[int, int]]:
    return Counter(
        (local(moment).year, local(moment).month)
        for moment in db.session.scalars(
            select(Digest.published_at).where(publishing.digest_is_public(publishing.now()))
        )
        if moment is not None
    )


@bp.get("/archive/<int:year>/<int:month>")
def archive_month(year: int, month: int) -> str:
    if not (1 <= month <= 12 and 2000 <= year <= 2200):
        abort(404)
    return page_cache.cached_page(f"archive:{year}:{month}", lambda: _archive_month_page(year, month))


def _archive_month_page(year: int, month: int) -> str:
    start = dt.datetime(year, month, 1, tzinfo=LONDON)
    end = dt.datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=LONDON)
    to_utc = lambda moment: moment.astimezone(dt.UTC).replace(tzinfo=None)  # noqa: E731
    digests = list(
        db.session.scalars(
            publishing.published_digests().where(
                Digest.published_at >= to_utc(start), Digest.published_at < to_utc(end)
            )
        )
    )
    if not digests:
        abort(404)
    return render_template(
        "public/archive_month.html",
        digests=digests,
        year=year,
        month=month,
        counts=reading.live_counts([d.id for d in digests]),
    )


@bp.get("/search")
def search_page() -> str:
    query = request.args.get("q", "")[: search.MAX_QUERY].strip()
    theme_slug = request.args.get("theme", "").strip() or None
    if theme_slug and publishing.find_theme(theme_slug) is None:
        theme_slug = None
    page = _page_number()
    order = search.Order.RELEVANCE if request.args.get("order") == "relevance" else search.Order.NEWEST
    results = (
        search.search(query, theme=theme_slug, page=page, per_page=PER_PAGE, order=order) if query else None
    )
    all_themes = list(db.session.scalars(select(Theme).order_by(Theme.name)))
    return render_template(
        "public/search.html",
        q=query,
        theme=theme_slug,
        themes=all_themes,
        results=results,
        order=order,
        page=page,
        pages=_pages(results.total) if results else 1,
    )


@bp.get("/trends")
def trends_page() -> str:
    months = _months_arg()

    def render() -> str:
        data = trends.monthly_counts(months=months, cache=page_cache.figures)
        return render_template(
            "public/trends.html",
            data=data,
            charts=[trends.chart(data), trends.chart(data, columns=1, ident="trends-narrow")],
        )

    # The months shown end with the current one: a new month is a new page.
    this_month = local(publishing.now()).strftime("%Y-%m")
    return page_cache.cached_page(f"trends:{months}:{this_month}", render)


@bp.get("/trends.svg")
def trends_svg() -> Response:
    data = trends.monthly_counts(months=_months_arg(), cache=page_cache.figures)
    svg = render_template("public/trends_chart.svg", chart=trends.chart(data), standalone=True)
    return Response(svg, mimetype="image/svg+xml")


def _months_arg() -> int:
    try:
        return max(1, min(60, int(request.args.get("months", "12"))))
    except ValueError:
        return 12


@bp.get("/feed.atom")
def feed() -> Response:
    # Feed readers poll: the same document for everyone until the public set changes, and a
    # reader that already has it gets 304 (feeds of 100,000 contributions took 0.4 s to build).
    atom = page_cache.cached_page("feed:site", lambda: feeds.site_feed().decode("utf-8"))
    return _atom(atom)


@bp.get("/themes/<slug>/feed.atom")
def theme_feed(slug: str) -> Response:
    found = publishing.find_theme(slug)
    if found is None:
        abort(404)

    def render() -> str:
        ids = page_cache.theme_ids(slug, publishing.now())
        return feeds.theme_feed(found, ids=ids).decode("utf-8")

    atom = page_cache.cached_page(f"feed:theme:{slug}", render)
    return _atom(atom)


def _atom(document: str) -> Response:
    response = Response(document, mimetype="application/atom+xml")
    response.add_etag()
    response.make_conditional(request)  # in place: 304 when the reader's copy is current
    return response


def permalink(contribution: Contribution) -> str:
    return url_for("public.contribution", public_id=contribution.public_id)


def respond_url(contribution: Contribution) -> str:
    return url_for("submit.form", in_reply_to=contribution.public_id)


bp.add_app_template_global(respond_url, "respond_url")


# ---- for journalists -------------------------------------------------------------------------


@bp.get("/journalists")
def journalists() -> str:
    return page_cache.cached_page("journalists", _journalists_page)


def _journalists_page() -> str:
    latest = db.session.scalar(publishing.published_digests().limit(1))
    example = next((c for c in latest.contributions if not c.withdrawn), None) if latest else None
    cite = _citation(example, reading.number_of(example)) if example is not None else None
    return render_template(
        "public/journalists.html",
        example=example,
        citation=cite,
        themes=list(db.session.scalars(select(Theme).order_by(Theme.name))),
    )


@bp.get("/feeds")
def feeds_page() -> str:
    return page_cache.cached_page(
        "feeds",
        lambda: render_template(
            "public/feeds.html", themes=list(db.session.scalars(select(Theme).order_by(Theme.name)))
        ),
    )


@bp.get("/api")
def api_reference() -> str:
    return render_template("public/api_reference.html", api=api_doc.reference())


@bp.get("/favicon.ico")
def favicon() -> Response:
    return send_from_directory(current_app.static_folder or "static", "favicon.ico", max_age=86400)


# ---- publication that can be verified --------------------------------------------------------

LOG_PAGE = 200


@bp.get("/.well-known/testimony-publication-key.pem")
def publication_key() -> Response:
    """The public half of the key that signs the publication log (testimony/publication_log.py)."""
    try:
        pem = publication_log.public_key_pem()
    except instance_keys.InstanceNotInitialised:
        abort(404)  # keys from before the signing key: `flask init` adds it
    response = Response(pem, mimetype="application/x-pem-file")
    response.headers["Content-Disposition"] = 'inline; filename="testimony-publication-key.pem"'
    return _conditional(response)


@bp.get("/d/<slug>/manifest.json")
def manifest(slug: str) -> Response:
    """A published digest's signed manifest: its entry in the publication log."""
    entry = publication_log.publication_of(slug) if publishing.valid_key(slug) else None
    if entry is None or publishing.find_digest(slug) is None:
        abort(404)
    body = {
        **publication_log.public_entry(entry),
        "entry_json": entry.entry,
        "public_key": url_for("public.publication_key", _external=True),
        "log": url_for("public.publication_log_lines", _external=True),
    }
    return _conditional(Response(json.dumps(body, ensure_ascii=False, indent=1), mimetype="application/json"))


@bp.get("/publication-log.jsonl")
def publication_log_lines() -> Response:
    """The publication log as JSON Lines, oldest first, LOG_PAGE entries a request; the `Link`
    header names the next page (`?after=` the last entry's number)."""
    try:
        after = max(0, min(2**31 - 1, int(request.args.get("after", "0"))))
    except ValueError:
        after = 0
    rows = publication_log.entries(after, LOG_PAGE + 1)
    lines = "".join(
        json.dumps(publication_log.public_entry(r), ensure_ascii=False) + "\n" for r in rows[:LOG_PAGE]
    )
    response = Response(lines, mimetype="application/x-ndjson")
    if len(rows) > LOG_PAGE:
        following = url_for("public.publication_log_lines", after=rows[LOG_PAGE - 1].seq, _external=True)
        response.headers["Link"] = f'<{following}>; rel="next"'
    return _conditional(response)


def _conditional(response: Response) -> Response:
    response.add_etag()
    response.make_conditional(request)
    return response


# ---- transparency ----------------------------------------------------------------------------


@bp.get("/transparency")
def transparency_page() -> str:
    return render_template(
        "public/transparency.html",
        months=transparency.months(),
        reasons=transparency.DECLINE_REASONS,
        fewer=transparency.FEWER,
    )
