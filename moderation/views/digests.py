"""The editors' desk: compose digests, order contributions, preview, publish or schedule.

A digest is a draft until it is published (now) or its scheduled time comes
(`flask digests publish-due`, also run by the background job runner). Editors choose from
approved contributions that are in no digest yet, filtered and suggested by theme, and order
them by hand (numbers, or up and down buttons: no script needed). A single contribution can go
out on its own ("In case you missed it"). Published digests are not edited here.

Every change is audited. Audit rows carry the digest's slug, never contributed text.

Every change first moves the digest's version on in one conditional statement
(testimony/publishing.py: lock_draft), so nothing is changed in a digest published meanwhile. The
publish and schedule forms carry the version the editor saw: a digest that changed since is not
published (or scheduled) but shown again, with what happened. Changing a scheduled digest
cancels its schedule, so what publishes itself is what the editor who scheduled it saw.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Callable
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from sqlalchemy import func, select, update
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response

from moderation.views.auth import current_user, role_required
from testimony import approved, audit, digests, lifecycle, publishing
from testimony.db import db
from testimony.models import Contribution, Digest, DigestKind, Role, Theme, utcnow
from testimony.text import clean

bp = Blueprint("desk_digests", __name__, url_prefix="/desk/digests")

MAX_TITLE = 200
MAX_INTRO = 20_000
SINGLE_TITLE = "In case you missed it"
try:
    LONDON: dt.tzinfo = zoneinfo.ZoneInfo("Europe/London")
except zoneinfo.ZoneInfoNotFoundError:  # pragma: no cover
    LONDON = dt.UTC


class FormProblem(Exception):
    pass


# ---- helpers ---------------------------------------------------------------------------------


def _digest(digest_id: int) -> Digest:
    digest = db.session.scalar(
        select(Digest)
        .where(Digest.id == digest_id)
        .options(selectinload(Digest.themes), selectinload(Digest.contributions))
    )
    if digest is None:
        abort(404)
    return digest


def _record(action: str, digest: Digest, detail: str = "") -> None:
    audit.record(current_user().name, action, item=digest.slug[:32], detail=detail[:255])


def _themes_from_form() -> list[Theme]:
    slugs = set(request.form.getlist("theme"))
    if not slugs:
        return []
    return list(db.session.scalars(select(Theme).where(Theme.slug.in_(slugs)).order_by(Theme.name)))


def _title_and_intro() -> tuple[str, str]:
    title = " ".join(clean(request.form.get("title", "")).split())[:MAX_TITLE]
    intro = clean(request.form.get("intro", ""))[:MAX_INTRO].strip()
    if not title:
        raise FormProblem("Give the digest a title.")
    return title, intro


def parse_local_time(text: str) -> dt.datetime:
    """A datetime-local value, read as UK time, as naive UTC."""
    try:
        local = dt.datetime.fromisoformat(text.strip())
    except ValueError as exc:
        raise FormProblem("Give the date and time as the form asks (for example 2026-05-01T08:00).") from exc
    if local.tzinfo is None:
        local = local.replace(tzinfo=LONDON)
    return local.astimezone(dt.UTC).replace(tzinfo=None)


def local_input_value(moment: dt.datetime | None) -> str:
    if moment is None:
        return ""
    return moment.replace(tzinfo=dt.UTC).astimezone(LONDON).strftime("%Y-%m-%dT%H:%M")


def _renumber(digest: Digest, ordered: list[Contribution]) -> None:
    for position, contribution in enumerate(ordered, start=1):
        contribution.position = position
    digest.updated_at = utcnow()


def _change(digest: Digest) -> str:
    """Start changing a draft (refused if it was published meanwhile). Returns what to add to
    the editor's message."""
    if publishing.change_draft(digest):
        return " It was scheduled: changing it cancelled the schedule. Schedule it again when it is ready."
    return ""


def _seen_version() -> int:
    """The digest version the editor's form showed; 0 (never a version) if it did not say."""
    return lifecycle.parse_version(request.form.get("version")) or 0


# ---- views -----------------------------------------------------------------------------------


@bp.get("/")
@role_required(Role.EDITOR)
def index() -> str:
    digests = list(
        db.session.scalars(
            select(Digest).order_by(Digest.updated_at.desc()).options(selectinload(Digest.contributions))
        )
    )
    drafts = [d for d in digests if d.published_at is None and d.scheduled_for is None]
    scheduled = sorted(
        (d for d in digests if d.published_at is None and d.scheduled_for is not None),
        key=lambda d: d.scheduled_for or utcnow(),
    )
    published = sorted(
        (d for d in digests if d.published_at is not None),
        key=lambda d: d.published_at or utcnow(),
        reverse=True,
    )
    waiting = db.session.scalar(
        select(func.count()).select_from(publishing.available_contributions().subquery())
    )
    return render_template(
        "desk/digests/index.html",
        drafts=drafts,
        scheduled=scheduled,
        published=published[:50],
        waiting=waiting or 0,
        now=utcnow(),
    )


@bp.route("/new", methods=["GET", "POST"])
@role_required(Role.EDITOR)
def new() -> str | Response | tuple[str, int]:
    themes = list(db.session.scalars(select(Theme).order_by(Theme.name)))
    if request.method == "GET":
        return render_template("desk/digests/new.html", themes=themes, form={}, chosen=set())
    try:
        title, intro = _title_and_intro()
    except FormProblem as exc:
        return render_template(
            "desk/digests/new.html",
            themes=themes,
            form=request.form,
            chosen=set(request.form.getlist("theme")),
            error=str(exc),
        ), 400
    digest = digests.create_draft(
        title, intro=intro, themes=[t.slug for t in _themes_from_form()], created_by=current_user().name
    )
    _record("digest_created", digest, digest.slug)
    db.session.commit()
    flash("Digest created. Now add contributions.")
    return redirect(url_for("desk_digests.edit", digest_id=digest.id))


@bp.post("/single")
@role_required(Role.EDITOR)
def single() -> Response:
    """Put one approved contribution out on its own."""
    public_id = request.form.get("single", "")
    contribution = db.session.scalar(
        publishing.available_contributions().where(Contribution.public_id == public_id)
    )
    if contribution is None:
        flash("That contribution is not available any more.")
        return redirect(url_for("desk_digests.index"))
    digest = digests.create_draft(
        SINGLE_TITLE,
        kind=DigestKind.SINGLE,
        themes=[t.slug for t in approved.themes_of(contribution)],
        created_by=current_user().name,
    )
    if not _claim(contribution, digest, 1):
        db.session.rollback()
        flash("That contribution was just taken by another digest.")
        return redirect(url_for("desk_digests.index"))
    _record("digest_created", digest, f"single post: {digest.slug}")
    db.session.commit()
    flash("Single post created. Give it a title and an introduction if you like, then publish.")
    return redirect(url_for("desk_digests.edit", digest_id=digest.id))


def _claim(contribution: Contribution, digest: Digest, position: int) -> bool:
    """Put a contribution in `digest` unless another digest took it first (checked in SQL)."""
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


@bp.get("/<int:digest_id>")
@role_required(Role.EDITOR)
def edit(digest_id: int) -> str:
    return _edit_page(_digest(digest_id))


def _edit_page(digest: Digest, *, error: str | None = None, status: int = 200) -> Any:
    themes = list(db.session.scalars(select(Theme).order_by(Theme.name)))
    theme_filter = request.args.get("theme", "").strip()
    available = list(db.session.scalars(publishing.available_contributions()))
    if theme_filter:
        available = approved.with_theme(available, theme_filter)
    digest_themes = {t.slug for t in digest.themes}
    suggested = [c for c in available if digest_themes & {t.slug for t in approved.themes_of(c)}]
    others = [c for c in available if c not in suggested]
    page = render_template(
        "desk/digests/edit.html",
        digest=digest,
        themes=themes,
        chosen={t.slug for t in digest.themes},
        theme_filter=theme_filter,
        suggested=suggested,
        others=others,
        scheduled_value=local_input_value(digest.scheduled_for),
        error=error,
        now=utcnow(),
    )
    return (page, status) if status != 200 else page


def _act(digest_id: int, action: Callable[[Digest], str]) -> Any:
    digest = _digest(digest_id)
    try:
        message = action(digest)
    except publishing.DigestChanged as exc:
        db.session.rollback()
        return _edit_page(_digest(digest_id), error=str(exc), status=409)
    except (FormProblem, publishing.PublishError) as exc:
        db.session.rollback()
        return _edit_page(_digest(digest_id), error=str(exc), status=400)
    db.session.commit()
    flash(message)
    return redirect(url_for("desk_digests.edit", digest_id=digest_id))


@bp.post("/<int:digest_id>/details")
@role_required(Role.EDITOR)
def details(digest_id: int) -> Any:
    def change(digest: Digest) -> str:
        title, intro = _title_and_intro()
        cancelled = _change(digest)
        digest.title, digest.intro_markdown = title, intro
        digest.themes = _themes_from_form()
        digest.updated_at = utcnow()
        _record("digest_edited", digest, f"{len(digest.themes)} themes")
        return "Saved." + cancelled

    return _act(digest_id, change)


@bp.post("/<int:digest_id>/add")
@role_required(Role.EDITOR)
def add(digest_id: int) -> Any:
    def change(digest: Digest) -> str:
        wanted = request.form.getlist("contribution")
        if not wanted:
            raise FormProblem("Tick the contributions to add.")
        cancelled = _change(digest)
        if digest.kind == DigestKind.SINGLE and len(digest.contributions) + len(wanted) > 1:
            raise FormProblem("A single post carries exactly one contribution.")
        rows = list(
            db.session.scalars(publishing.available_contributions().where(Contribution.public_id.in_(wanted)))
        )
        position = max((c.position for c in digest.contributions), default=0)
        added = 0
        for contribution in sorted(rows, key=lambda c: wanted.index(c.public_id)):
            position += 1
            added += _claim(contribution, digest, position)
        digest.updated_at = utcnow()
        _record("digest_contributions_added", digest, f"{added} added")
        missed = len(wanted) - added
        return (
            f"Added {added}."
            + (f" {missed} had been taken or withdrawn meanwhile." if missed else "")
            + cancelled
        )

    return _act(digest_id, change)


@bp.post("/<int:digest_id>/order")
@role_required(Role.EDITOR)
def order(digest_id: int) -> Any:
    """One form, several buttons: save typed positions, move one up or down, or remove one."""

    def change(digest: Digest) -> str:
        cancelled = _change(digest)
        current = list(digest.contributions)
        by_id = {c.public_id: c for c in current}
        if (target := request.form.get("remove")) in by_id:
            publishing.remove_from_digest(by_id[target])
            _renumber(digest, [c for c in current if c.public_id != target])
            _record("digest_contribution_removed", digest)
            return "Removed; it is back among the approved contributions." + cancelled
        for button, step in (("up", -1), ("down", 1)):
            if (target := request.form.get(button)) in by_id:
                i = current.index(by_id[target])
                j = max(0, min(len(current) - 1, i + step))
                current[i], current[j] = current[j], current[i]
                _renumber(digest, current)
                _record("digest_reordered", digest)
                return "Moved." + cancelled
        keyed = []
        for index, c in enumerate(current):
            try:
                wanted = float(request.form.get(f"position-{c.public_id}", index + 1))
            except ValueError as exc:
                raise FormProblem("Positions must be numbers.") from exc
            keyed.append((wanted, index, c))
        _renumber(digest, [c for _, _, c in sorted(keyed, key=lambda k: (k[0], k[1]))])
        _record("digest_reordered", digest)
        return "Order saved." + cancelled

    return _act(digest_id, change)


@bp.post("/<int:digest_id>/publish")
@role_required(Role.EDITOR)
def publish(digest_id: int) -> Any:
    def change(digest: Digest) -> str:
        publishing.publish(digest, publishing.now(), seen_version=_seen_version())
        _record(
            "digest_published", digest, f"{sum(not c.withdrawn for c in digest.contributions)} contributions"
        )
        return "Published."

    return _act(digest_id, change)


@bp.post("/<int:digest_id>/schedule")
@role_required(Role.EDITOR)
def schedule(digest_id: int) -> Any:
    def change(digest: Digest) -> str:
        when = parse_local_time(request.form.get("when", ""))
        if when <= publishing.now():
            raise FormProblem("Choose a time in the future, or publish now.")
        publishing.schedule(digest, when, seen_version=_seen_version())
        _record("digest_scheduled", digest, f"for {when.isoformat(timespec='minutes')} UTC")
        return f"Scheduled for {local_input_value(when).replace('T', ' at ')} (UK time)."

    return _act(digest_id, change)


@bp.post("/<int:digest_id>/unschedule")
@role_required(Role.EDITOR)
def unschedule(digest_id: int) -> Any:
    def change(digest: Digest) -> str:
        publishing.schedule(digest, None)
        _record("digest_unscheduled", digest)
        return "No longer scheduled; it is a draft again."

    return _act(digest_id, change)


@bp.post("/<int:digest_id>/delete")
@role_required(Role.EDITOR)
def delete(digest_id: int) -> Any:
    digest = _digest(digest_id)
    try:
        publishing.lock_draft(digest)
    except publishing.PublishError:
        db.session.rollback()
        return _edit_page(_digest(digest_id), error="Published digests cannot be deleted.", status=400)
    for contribution in list(digest.contributions):
        publishing.remove_from_digest(contribution)
    _record("digest_deleted", digest, digest.slug)
    db.session.delete(digest)
    db.session.commit()
    flash("Draft deleted; its contributions are back among the approved ones.")
    return redirect(url_for("desk_digests.index"))


@bp.get("/<int:digest_id>/preview")
@role_required(Role.EDITOR)
def preview(digest_id: int) -> str:
    from testimony.web.public import render_digest

    return render_digest(_digest(digest_id), preview=True, template="desk/digests/preview.html")
