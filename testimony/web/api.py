"""Read-only JSON API for journalists and researchers: /api/v1.

- Stable ids: a digest is its slug, a contribution its public id (the same as in /c/<id>).
- Keyset pagination: each list returns `meta.next_cursor` (opaque) and `links.next`. Lists are
  ordered newest digest first, then in the digest's own order; a digest published while a
  client is paging arrives at the front, so the pages already fetched and the ones to come
  neither repeat nor skip an item.
- Every response carries an ETag; a request with a matching If-None-Match gets 304.
- Only public content: withdrawn contributions are not listed; inside a digest they appear as
  a note without text; asked for directly they answer 410 Gone.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import functools
import hashlib
import json
from collections.abc import Callable
from typing import Any

from flask import (
    Blueprint,
    Response,
    current_app,
    g,
    jsonify,
    request,
    send_from_directory,
    url_for,
)
from flask.globals import request_ctx
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import selectinload
from werkzeug.exceptions import HTTPException

from testimony import corrections, export, publishing, reading, search, transparency
from testimony.db import db
from testimony.markdown import render
from testimony.models import Contribution, Digest, Theme
from testimony.web import page_cache

bp = Blueprint("api", __name__, url_prefix="/api/v1")

DEFAULT_LIMIT = 20
MAX_LIMIT = 100


class ApiError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


@bp.errorhandler(ApiError)
def _api_error(error: ApiError) -> Response:
    return _json({"error": {"status": error.status, "message": error.message}}, error.status)


def _json(payload: Any, status: int = 200) -> Response:
    response = jsonify(payload)
    response.status_code = status
    if status == 200 and not g.get("api_keeping"):
        response.add_etag()
        response.make_conditional(request)
    return response


class _NotKept(Exception):
    def __init__(self, response: Response) -> None:
        super().__init__("not kept")
        self.response = response


def _kept(view: Callable[..., Response]) -> Callable[..., Response]:
    """Answers that depend only on the public set are kept per process until it changes, like
    the reading pages (testimony/web/page_cache.py), keyed on the whole query. Searches (`q`) are
    not kept: any words can be asked, and each would push a page out. Only 200s are kept."""

    @functools.wraps(view)
    def wrapper(**kwargs: Any) -> Response:
        if "q" in request.args:
            return view(**kwargs)
        key = "api:" + json.dumps([request.endpoint, kwargs, sorted(request.args.items(multi=True))])

        def render() -> str:
            g.api_keeping = True
            try:
                response = view(**kwargs)
            finally:
                g.api_keeping = False
            if response.status_code != 200:
                raise _NotKept(response)
            return response.get_data(as_text=True)

        try:
            body = page_cache.cached_page(key, render)
        except _NotKept as refused:
            return refused.response
        response = Response(body, mimetype="application/json")
        response.add_etag()
        response.make_conditional(request)
        return response

    return wrapper


def _iso(moment: dt.datetime | None) -> str | None:
    return moment.replace(tzinfo=dt.UTC).isoformat().replace("+00:00", "Z") if moment else None


# ---- cursors ---------------------------------------------------------------------------------


def encode_cursor(values: list[Any]) -> str:
    raw = json.dumps(values, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(text: str, shape: tuple[type, ...]) -> list[Any]:
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        values = json.loads(raw)
        if not isinstance(values, list) or len(values) != len(shape):
            raise ValueError("shape")
        out: list[Any] = []
        for value, kind in zip(values, shape, strict=True):
            if kind is dt.datetime:
                moment = dt.datetime.fromisoformat(value)
                if moment.tzinfo is not None:
                    moment = moment.astimezone(dt.UTC).replace(tzinfo=None)
                out.append(moment)
            elif not isinstance(value, kind) or isinstance(value, bool):
                raise ValueError("type")
            # Here value is an instance of kind: isinstance (not `kind is ...`) lets mypy see which.
            elif isinstance(value, str) and not publishing.valid_key(value):
                raise ValueError("key")
            elif isinstance(value, int) and not -(2**31) < value < 2**31:
                raise ValueError("range")
            else:
                out.append(value)
        return out
    except (ValueError, TypeError, binascii.Error, json.JSONDecodeError) as exc:
        raise ApiError(400, "The cursor is not valid; start again without one.") from exc


def _limit() -> int:
    try:
        limit = int(request.args.get("limit", DEFAULT_LIMIT))
    except ValueError as exc:
        raise ApiError(400, "limit must be a whole number.") from exc
    if not 1 <= limit <= MAX_LIMIT:
        raise ApiError(400, f"limit must be between 1 and {MAX_LIMIT}.")
    return limit


def _page(items: list[Any], limit: int, cursor_of: Any, endpoint: str, **args: Any) -> dict[str, Any]:
    more = len(items) > limit
    items = items[:limit]
    next_cursor = cursor_of(items[-1]) if more and items else None
    args = {k: v for k, v in args.items() if v}
    links = {"self": url_for(endpoint, _external=True, limit=limit, **args, **_current_cursor())}
    if next_cursor:
        links["next"] = url_for(endpoint, _external=True, limit=limit, cursor=next_cursor, **args)
    return {"meta": {"limit": limit, "count": len(items), "next_cursor": next_cursor}, "links": links}


def _current_cursor() -> dict[str, str]:
    cursor = request.args.get("cursor")
    return {"cursor": cursor} if cursor else {}


# ---- shapes ----------------------------------------------------------------------------------


def theme_json(theme: Theme) -> dict[str, Any]:
    return {
        "slug": theme.slug,
        "name": theme.name,
        "url": url_for("public.theme", slug=theme.slug, _external=True),
    }


def contribution_json(c: Contribution) -> dict[str, Any]:
    if c.withdrawn:
        return {
            "id": c.public_id,
            "withdrawn": True,
            "note": corrections.note_text(c),
            "removed_at": _iso(c.removed_at),
            "text": None,
        }
    digest = c.digest
    assert digest is not None  # noqa: S101 - only published contributions get here
    parent = c.in_reply_to
    return {
        "id": c.public_id,
        "withdrawn": False,
        "url": url_for("public.contribution", public_id=c.public_id, _external=True),
        "text": c.text,
        "themes": [theme_json(t) for t in c.themes],
        "digest": {
            "id": digest.slug,
            "title": digest.title,
            "url": url_for("public.digest", slug=digest.slug, _external=True),
        },
        "published_at": _iso(digest.published_at),
        "position": c.position,
        "in_reply_to": parent.public_id
        if parent is not None and (parent.withdrawn or publishing.is_public(parent))
        else None,
        "respond_url": url_for("submit.form", in_reply_to=c.public_id, _external=True),
        "amended_at": _iso(c.amended_at),
        "note": corrections.note_text(c),
    }


def digest_json(d: Digest, *, full: bool = False, live: int | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": d.slug,
        "title": d.title,
        "kind": d.kind,
        "url": url_for("public.digest", slug=d.slug, _external=True),
        "api_url": url_for("api.digest", slug=d.slug, _external=True),
        "published_at": _iso(d.published_at),
        "intro_markdown": d.intro_markdown,
        "intro_html": str(render(d.intro_markdown)),
        "themes": [theme_json(t) for t in d.themes],
    }
    if full:
        out["contributions"] = [contribution_json(c) for c in d.contributions]
        out["contribution_count"] = sum(1 for c in d.contributions if not c.withdrawn)
    else:
        out["contribution_count"] = live if live is not None else 0
    return out


# ---- endpoints -------------------------------------------------------------------------------


@bp.get("/")
def index() -> Response:
    return _json(
        {
            "name": "testimony API",
            "version": "1",
            "openapi": url_for("api.openapi", _external=True),
            "endpoints": {
                "digests": url_for("api.digests", _external=True),
                "contributions": url_for("api.contributions", _external=True),
                "themes": url_for("api.themes", _external=True),
            },
        }
    )


@bp.get("/digests")
@_kept
def digests() -> Response:
    limit = _limit()
    query = publishing.published_digests()
    theme = request.args.get("theme", "").strip()
    if theme:
        _known_theme(theme)
        query = publishing.digest_with_theme(query, theme)
    if cursor := request.args.get("cursor"):
        published_at, ident = decode_cursor(cursor, (dt.datetime, int))
        query = query.where(
            or_(
                Digest.published_at < published_at,
                and_(Digest.published_at == published_at, Digest.id < ident),
            )
        )
    rows = list(db.session.scalars(query.limit(limit + 1)))
    counts = _live_counts([d.id for d in rows])
    page = _page(
        rows,
        limit,
        lambda d: encode_cursor([d.published_at.isoformat(), d.id]),
        "api.digests",
        theme=theme,
    )
    return _json({"data": [digest_json(d, live=counts.get(d.id, 0)) for d in rows[:limit]], **page})


def _live_counts(ids: list[int]) -> dict[int, int]:
    if not ids:
        return {}
    rows = db.session.execute(
        select(Contribution.digest_id, func.count())
        .where(Contribution.digest_id.in_(ids), Contribution.withdrawn.is_(False))
        .group_by(Contribution.digest_id)
    )
    return {ident: int(n) for ident, n in rows if ident is not None}


@bp.get("/digests/<slug>")
@_kept
def digest(slug: str) -> Response:
    found = publishing.find_digest(slug)
    if found is None:
        raise ApiError(404, "No published digest has that id.")
    return _json({"data": digest_json(found, full=True)})


def _known_theme(slug: str) -> None:
    if publishing.find_theme(slug) is None:
        raise ApiError(400, "Unknown theme; see /api/v1/themes.")


@bp.get("/contributions")
@_kept
def contributions() -> Response:
    limit = _limit()
    query = publishing.published_contributions().options(selectinload(Contribution.in_reply_to))
    theme = request.args.get("theme", "").strip()
    q = request.args.get("q", "").strip()
    if len(q) > search.MAX_QUERY:
        raise ApiError(400, f"q can be at most {search.MAX_QUERY} characters.")
    if theme:
        _known_theme(theme)
        query = publishing.with_theme(query, theme)
    if q:
        clause = search.matching_ids(q)
        query = query.where(clause) if clause is not None else query.where(Contribution.id.is_(None))
    if cursor := request.args.get("cursor"):
        published_at, digest_id, position, public_id = decode_cursor(cursor, (dt.datetime, int, int, str))
        same_digest = and_(Digest.published_at == published_at, Digest.id == digest_id)
        query = query.where(
            or_(
                Digest.published_at < published_at,
                and_(Digest.published_at == published_at, Digest.id < digest_id),
                and_(same_digest, Contribution.position > position),
                and_(same_digest, Contribution.position == position, Contribution.public_id > public_id),
            )
        )
    rows = list(db.session.scalars(query.limit(limit + 1)))
    page = _page(
        rows,
        limit,
        lambda c: encode_cursor([c.digest.published_at.isoformat(), c.digest.id, c.position, c.public_id]),
        "api.contributions",
        theme=theme,
        q=q,
    )
    return _json({"data": [contribution_json(c) for c in rows[:limit]], **page})


@bp.get("/contributions/<public_id>")
@_kept
def contribution(public_id: str) -> Response:
    found = publishing.find_contribution(public_id)
    if found is None:
        raise ApiError(404, "No published contribution has that id.")
    if found.withdrawn:
        return _json({"error": {"status": 410, "message": corrections.note_text(found)}}, 410)
    return _json({"data": contribution_json(found)})


@bp.get("/themes")
@_kept
def themes() -> Response:
    counts = reading.theme_counts()
    rows = db.session.scalars(select(Theme).order_by(Theme.name))
    return _json(
        {
            "data": [
                {
                    **theme_json(t),
                    "description": t.description,
                    "contribution_count": counts.get(t.slug, 0),
                    "feed": url_for("public.theme_feed", slug=t.slug, _external=True),
                }
                for t in rows
            ]
        }
    )


@bp.get("/transparency")
def transparency_counts() -> Response:
    """Monthly counts of testimony received, published, declined (by reason) and withdrawn, for
    months that have ended; counts under 5 are given as "fewer than 5"."""
    return _json(
        {
            "data": [
                {
                    "month": m.month,
                    "received": m.received,
                    "published": m.published,
                    "withdrawn": m.withdrawn,
                    "declined": m.declined,
                }
                for m in transparency.months()
            ],
            "meta": {
                "suppressed_below": transparency.SUPPRESS,
                "suppressed_as": transparency.FEWER,
                "reasons": transparency.DECLINE_REASONS,
                "page": url_for("public.transparency_page", _external=True),
            },
        }
    )


# ---- the research dataset ----------------------------------------------------------------------

EXPORTS = {
    "jsonl": ("application/x-ndjson", export.jsonl),
    "csv": ("text/csv", export.csv_lines),
}


@bp.get("/export/contributions.jsonl")
def export_jsonl() -> Response:
    """Every published contribution as JSON Lines (testimony/export.py)."""
    return _export("jsonl")


@bp.get("/export/contributions.csv")
def export_csv() -> Response:
    """Every published contribution as CSV (testimony/export.py)."""
    return _export("csv")


def _export(fmt: str) -> Response:
    """The dataset, streamed. The ETag is the public set's version, so a client that has the
    current file gets 304 without anything being read."""
    version = page_cache.public_version(publishing.now())
    tag = hashlib.sha256(f"{fmt}:{version!r}".encode()).hexdigest()[:32]
    if request.if_none_match.contains(tag):
        response = Response(status=304)
        response.set_etag(tag)
        return response
    mimetype, lines = EXPORTS[fmt]
    # The stream runs after this view returns: each batch in an app context of its own
    # (testimony/export.py: stream), so a client that reads slowly, or never, holds nothing open.
    address = url_for("public.contribution", public_id="PUBLIC-ID", _external=True)
    app, when = current_app._get_current_object(), publishing.now()  # type: ignore[attr-defined]
    records = export.stream(app, lambda public_id: address.replace("PUBLIC-ID", public_id), when)
    response = Response(lines(records), mimetype=mimetype)
    response.set_etag(tag)
    response.headers["Content-Disposition"] = f'attachment; filename="testimony-contributions.{fmt}"'
    return response


# The API's description is a file, kept by hand beside the code and served exactly as written;
# tests/test_api_schema.py holds every answer of the API to it.
OPENAPI_FILE = "api/openapi.json"


@bp.get("/openapi.json")
def openapi() -> Response:
    response = send_from_directory(current_app.static_folder or "static", OPENAPI_FILE, max_age=3600)
    response.headers["Content-Type"] = "application/json"
    return response


@bp.before_request
def _no_credentials() -> None:
    """The API is public and read-only: no credential is ever accepted. A request that brings
    one (Authorization) is refused, so no tool comes to believe it means something; cookies
    (a reader of the site may hold the submitter's or the desk's) are set aside unread: the
    session is replaced by an empty one that is never saved, so the API neither reads nor sets
    a cookie, whatever a browser sends."""
    request_ctx._session = current_app.session_interface.make_null_session(current_app)
    if "Authorization" in request.headers or "Proxy-Authorization" in request.headers:
        raise ApiError(400, "This API is public and takes no credentials: send the request without them.")


@bp.after_request
def _read_only_allow(response: Response) -> Response:
    # Flask's automatic OPTIONS answer would also list the methods of the fallback route.
    if request.method == "OPTIONS":
        response.headers["Allow"] = "GET, HEAD, OPTIONS"
        response.headers["Access-Control-Allow-Methods"] = "GET, HEAD, OPTIONS"
        response.headers["Access-Control-Allow-Headers"] = "If-None-Match"
        response.headers["Access-Control-Max-Age"] = "86400"
    # Any site's scripts may read the API's public answers (newsroom tools run in browsers).
    # Never with credentials: no Allow-Credentials, and no cookie is set or read here.
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Access-Control-Expose-Headers"] = "ETag, Link"
    response.headers.pop("Access-Control-Allow-Credentials", None)
    response.headers.pop("Set-Cookie", None)
    response.vary.discard("Cookie")
    return response


OTHER_METHODS = ["POST", "PUT", "PATCH", "DELETE", "TRACE", "QUERY"]


@bp.route("/", defaults={"_rest": ""}, methods=OTHER_METHODS)
@bp.route("/<path:_rest>", methods=["GET", *OTHER_METHODS])
def fallback(_rest: str) -> Response:
    """JSON answers for addresses and methods the API does not have (the site's error pages
    are HTML, and would drop the Allow header)."""
    if request.method != "GET":
        try:
            endpoint, _args = current_app.url_map.bind_to_environ(request.environ).match(
                request.path, method="GET"
            )
        except HTTPException:
            endpoint = None
        if endpoint and endpoint != "api.fallback":
            response = _json({"error": {"status": 405, "message": "This API is read-only: use GET."}}, 405)
            response.headers["Allow"] = "GET"
            return response
    raise ApiError(404, "There is nothing at this address; see /api/v1/openapi.json.")
