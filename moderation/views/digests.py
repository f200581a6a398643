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
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response

from moderation.views.auth import current_user, role_required
from testimony import approved, audit, corrections, digests, lifecycle, publishing, reading
from testimony.db import db
from testimony.models import Contribution, Digest, Role, Theme, utcnow
from testimony.text import clean

bp = Blueprint("desk_digests", __name__, url_prefix="/desk/digests")

MAX_TITLE = 200
MAX_INTRO = 20_000
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


def _change(digest: Digest) -> str:
    """Start changing a draft (refused if it was published meanwhile, or changed since the
    editor's form was made: two editors saving one draft, the second is shown the conflict).
    Returns what to add to the editor's message."""
    if publishing.change_draft(digest, seen_version=lifecycle.parse_version(request.form.get("version"))):
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
    digest = digests.create_single(
        contribution,
        themes=[t.slug for t in approved.themes_of(contribution)],
        created_by=current_user().name,
    )
    if digest is None:
        db.session.rollback()
        flash("That contribution was just taken by another digest.")
        return redirect(url_for("desk_digests.index"))
    _record("digest_created", digest, f"single post: {digest.slug}")
    db.session.commit()
    flash("Single post created. Give it a title and an introduction if you like, then publish.")
    return redirect(url_for("desk_digests.edit", digest_id=digest.id))


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
        # Wording and themes opened here, for the draft's contributions and the pool alike.
        opened=approved.opened([*digest.contributions, *available]),
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
        return render_template("desk/digests/conflict.html", digest=_digest(digest_id), reason=str(exc)), 409
    except (FormProblem, digests.CompositionProblem, publishing.PublishError) as exc:
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
        added, missed = digests.add(digest, wanted)
        _record("digest_contributions_added", digest, f"{added} added")
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
        if (target := request.form.get("remove")) and digests.remove(digest, target):
            _record("digest_contribution_removed", digest)
            return "Removed; it is back among the approved contributions." + cancelled
        for button, step in (("up", -1), ("down", 1)):
            if (target := request.form.get(button)) and digests.move(digest, target, step):
                _record("digest_reordered", digest)
                return "Moved." + cancelled
        wanted: dict[str, float] = {}
        for key, value in request.form.items():
            if key.startswith("position-"):
                try:
                    wanted[key.removeprefix("position-")] = float(value)
                except ValueError as exc:
                    raise FormProblem("Positions must be numbers.") from exc
        digests.reorder(digest, wanted)
        _record("digest_reordered", digest)
        return "Order saved." + cancelled

    return _act(digest_id, change)


@bp.post("/<int:digest_id>/publish")
@role_required(Role.EDITOR)
def publish(digest_id: int) -> Any:
    if request.form.get("confirm") != "yes":
        # "Publish now" asks first: publication cannot be undone (only corrected, with a note).
        digest = _digest(digest_id)
        if digest.published_at is not None:
            return _edit_page(digest, error="This digest is already published.", status=400)
        return render_template(
            "desk/digests/confirm_publish.html",
            digest=digest,
            version=_seen_version(),
            live=sum(1 for c in digest.contributions if not c.withdrawn),
        )

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
    page = reading.digest_page(_digest(digest_id), preview=True)
    return render_template("desk/digests/preview.html", page=page, digest=page.digest, preview=True)


# ---- after publication: corrections and takedowns ----------------------------------------------


def _published_contribution(digest_id: int, public_id: str) -> tuple[Digest, Contribution]:
    digest = _digest(digest_id)
    found = next((c for c in digest.contributions if c.public_id == public_id), None)
    if found is None or digest.published_at is None:
        abort(404)
    return digest, found


def _after_publication(
    digest_id: int, public_id: str, action: Callable[[Contribution, str], None], audited: str, done: str
) -> Any:
    digest, contribution = _published_contribution(digest_id, public_id)
    note = clean(request.form.get("note", ""))
    try:
        action(contribution, note)
    except corrections.CorrectionRefused as exc:
        db.session.rollback()
        return _edit_page(_digest(digest_id), error=str(exc), status=400)
    # Who and why, in the audit trail; the note is the editors' own words, never contributed text.
    audit.record(
        current_user().name, audited, item=contribution.public_id, detail=f"{digest.slug}: {note}"[:255]
    )
    db.session.commit()
    flash(done)
    return redirect(url_for("desk_digests.edit", digest_id=digest_id))


@bp.post("/<int:digest_id>/contributions/<public_id>/correct")
@role_required(Role.EDITOR)
def correct(digest_id: int, public_id: str) -> Any:
    """Replace a published contribution's text; the public page shows "Amended on ..." and why."""
    text = clean(request.form.get("text", ""))
    return _after_publication(
        digest_id,
        public_id,
        lambda c, note: corrections.correct(c, text, note),
        "contribution_corrected",
        "Corrected. The public page, feeds and API show the new text with your note, and the publication log records it.",
    )


@bp.post("/<int:digest_id>/contributions/<public_id>/take-down")
@role_required(Role.EDITOR)
def take_down(digest_id: int, public_id: str) -> Any:
    """Remove a published contribution; the public page shows "Removed on ..." and why."""
    if request.form.get("confirm") != "yes":
        digest, _contribution = _published_contribution(digest_id, public_id)
        return _edit_page(
            digest, error="Tick the box to confirm the takedown: it cannot be undone.", status=400
        )
    return _after_publication(
        digest_id,
        public_id,
        corrections.take_down,
        "contribution_taken_down",
        "Taken down. Its text is gone from every page, feed and the API; the note says when and why.",
    )
