"""Admin pages: accounts (create, change role, grant access, deactivate), the keep list, the audit
log."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from moderation import accounts, grants, sessions
from moderation.views.auth import current_user, role_required, unlocked_private_key
from testimony import audit
from testimony.db import MAX_ID, db
from testimony.models import AuditEvent, KeepTerm, Moderator, Role

bp = Blueprint("desk_admin", __name__, url_prefix="/desk/admin")

AUDIT_PAGE = 100


@bp.get("/accounts")
@role_required(Role.ADMIN)
def accounts_page() -> str:
    people = list(db.session.scalars(select(Moderator).order_by(Moderator.name)))
    readable = {m.id: grants.readable_count(m) for m in people}
    return render_template("desk/accounts.html", people=people, readable=readable, roles=list(Role))


# A short endpoint name for the nav.
bp.add_url_rule("/accounts", "accounts", accounts_page)


@bp.post("/accounts")
@role_required(Role.ADMIN)
def create_account() -> Any:
    name, role = request.form.get("name", ""), request.form.get("role", "")
    try:
        user, password = accounts.create_moderator(name, role)
    except accounts.AccountError as exc:
        flash(str(exc))
        return redirect(url_for("desk_admin.accounts"))
    audit.record(current_user().name, "account_created", item=user.name, detail=role)
    db.session.commit()
    # The one-time password only: the key pair and the second factor are made later, by the
    # account's holder, and shown to no one else.
    return render_template("desk/account_created.html", user=user, password=password)


@bp.post("/accounts/<int:user_id>/grant")
@role_required(Role.ADMIN)
def grant(user_id: int) -> Any:
    target = _account(user_id)
    try:
        granted, skipped = grants.grant(current_user(), unlocked_private_key(), target)
    except grants.GrantRefused as exc:
        flash(str(exc))
        return redirect(url_for("desk_admin.accounts"))
    audit.record(
        current_user().name, "grant", item=target.name, detail=f"{granted} keys wrapped, {skipped} skipped"
    )
    db.session.commit()
    flash(
        f"{target.name} can now read {granted} more sealed pieces (testimony, drafts and messages)."
        + (f" {skipped} could not be opened with your key." if skipped else "")
    )
    return redirect(url_for("desk_admin.accounts"))


@bp.post("/accounts/<int:user_id>/deactivate")
@role_required(Role.ADMIN)
def deactivate(user_id: int) -> Any:
    target = _account(user_id)
    if target.id == current_user().id:
        flash("You cannot deactivate your own account.")
        return redirect(url_for("desk_admin.accounts"))
    target.active = False
    removed = grants.revoke(target)
    sessions.end_all_of(target.id)
    audit.record(
        current_user().name, "account_deactivated", item=target.name, detail=f"{removed} keys revoked"
    )
    db.session.commit()
    flash(f"{target.name} is deactivated; {removed} wrapped keys were deleted and their sessions ended.")
    return redirect(url_for("desk_admin.accounts"))


@bp.post("/accounts/<int:user_id>/role")
@role_required(Role.ADMIN)
def change_role(user_id: int) -> Any:
    target = _account(user_id)
    if target.id == current_user().id:
        flash("You cannot change your own role. Ask another admin.")
        return redirect(url_for("desk_admin.accounts"))
    try:
        change = grants.change_role(
            current_user(), unlocked_private_key(), target, request.form.get("role", "")
        )
    except grants.GrantRefused as exc:
        flash(str(exc))
        return redirect(url_for("desk_admin.accounts"))
    if change.before == change.after:
        flash(f"{target.name} is already {change.after}.")
        return redirect(url_for("desk_admin.accounts"))
    audit.record(
        current_user().name,
        "role_changed",
        item=target.name,
        detail=f"{change.before} to {change.after}; {change.revoked} keys revoked, "
        f"{change.granted} granted, {change.skipped} skipped",
    )
    db.session.commit()
    flash(_role_message(target.name, change))
    return redirect(url_for("desk_admin.accounts"))


def _role_message(name: str, change: grants.RoleChange) -> str:
    said = f"{name} is now {change.after}."
    if change.revoked:
        return f"{said} They can no longer open any sealed item: {change.revoked} wrapped keys were deleted."
    if change.waiting_for_key:
        return (
            f'{said} They have not chosen their own password yet, so have no key: use "Grant access to '
            'older items" after their first login.'
        )
    if change.granted or change.skipped:
        return f"{said} They can now read {change.granted} sealed pieces you can read." + (
            f" {change.skipped} could not be opened with your key." if change.skipped else ""
        )
    return said


def _account(user_id: int) -> Moderator:
    target = db.session.get(Moderator, user_id)
    if target is None:
        abort(404)
    return target


@bp.route("/keep-list", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def keep_list() -> Any:
    if request.method == "POST":
        term = " ".join(request.form.get("term", "").split())[:120]
        remove = request.form.get("remove")
        if remove:
            row = db.session.get(KeepTerm, int(remove)) if remove.isdigit() else None
            if row is not None:
                audit.record(current_user().name, "keep_term_removed", detail=row.term)
                db.session.delete(row)
        elif term and db.session.scalar(select(KeepTerm).where(KeepTerm.term == term)) is None:
            db.session.add(KeepTerm(term=term, added_by=current_user().name))
            audit.record(current_user().name, "keep_term_added", detail=term)
        db.session.commit()
        return redirect(url_for("desk_admin.keep_list"))
    terms = list(db.session.scalars(select(KeepTerm).order_by(KeepTerm.term)))
    return render_template("desk/keep_list.html", terms=terms)


@bp.get("/audit")
@role_required(Role.ADMIN)
def audit_log() -> str:
    # Viewing the log does not walk the whole chain (that reads every row ever written): the
    # check runs when asked for, with the button on the page or `flask audit verify`.
    return _audit_page(report=None)


@bp.post("/audit/verify")
@role_required(Role.ADMIN)
def audit_verify() -> str:
    report = audit.check()
    audit.record(
        current_user().name,
        "audit_verified",
        detail=f"{report.events} events, {len(report.problems)} problems",
    )
    db.session.commit()
    return _audit_page(report=report)


def _audit_page(report: audit.ChainReport | None) -> str:
    before = request.args.get("before", type=int)
    if before is not None and not 0 < before <= MAX_ID:
        before = None  # no id can be that number: the newest page, not a database error
    query = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(AUDIT_PAGE)
    if before:
        query = query.where(AuditEvent.id < before)
    events = list(db.session.scalars(query))
    return render_template("desk/audit.html", events=events, report=report, page=AUDIT_PAGE)
