"""Logging in to the desk: password, then TOTP (or a recovery code), then the desk.

Also the guard every desk view wears: `role_required(...)`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Blueprint, abort, current_app, g, redirect, render_template, request, session, url_for
from sqlalchemy import delete, func, select
from werkzeug.wrappers import Response

from moderation import second_factor as factor
from moderation import sessions
from moderation.session_store import SessionRecord
from testimony import accounts, audit, crypto
from testimony.db import db
from testimony.models import LoginFailure, Moderator, Role, utcnow

bp = Blueprint("desk_auth", __name__, url_prefix="/desk")

MAX_FAILURES = 5
FAILURE_WINDOW = dt.timedelta(minutes=10)
# Verifying against this when the account does not exist keeps timing the same either way.
_DUMMY_HASH: str | None = None

F = TypeVar("F", bound=Callable[..., Any])


class Throttled(Exception):
    def __init__(self, minutes: int) -> None:
        super().__init__(f"wait {minutes} minutes")
        self.minutes = minutes


# ---- the guard -------------------------------------------------------------------------------


def current_user() -> Moderator:
    """The logged-in, second-factor-verified user (only inside a guarded view)."""
    return g.desk_user


def unlocked_private_key() -> bytes:
    return sessions.private_key_of(g.desk_session)


def role_required(*roles: Role) -> Callable[[F], F]:
    """Require a logged-in user who passed the second factor and holds one of `roles`.
    Admins hold every role."""

    def decorate(view: F) -> F:
        @functools.wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            row, user = _load_session()
            if row is None or user is None or not row.second_factor_ok:
                return redirect(url_for("desk_auth.login", next=request.path))
            if user.must_change_password and request.endpoint != "desk_auth.password":
                return redirect(url_for("desk_auth.password"))
            if user.role != Role.ADMIN and user.role not in roles:
                abort(403)
            g.desk_user, g.desk_session = user, row
            return view(*args, **kwargs)

        guarded.required_roles = roles  # type: ignore[attr-defined]  # read by the route-guard test
        return guarded  # type: ignore[return-value]

    return decorate


ANY_ROLE = (Role.ADMIN, Role.MODERATOR, Role.EDITOR)


def _load_session() -> tuple[SessionRecord | None, Moderator | None]:
    try:
        row = sessions.current()
    except sessions.SessionExpired:
        return None, None
    if row is None:
        return None, None
    user = db.session.get(Moderator, row.moderator_id)
    if user is None or not user.active:
        return None, None
    return row, user


# ---- throttling ------------------------------------------------------------------------------


def _check_throttle(name: str) -> None:
    since = utcnow() - FAILURE_WINDOW
    failures = db.session.scalars(
        select(LoginFailure.at)
        .where(LoginFailure.account == name, LoginFailure.at >= since)
        .order_by(LoginFailure.at)
    ).all()
    if len(failures) >= MAX_FAILURES:
        wait = failures[-MAX_FAILURES] + FAILURE_WINDOW - utcnow()
        raise Throttled(max(1, int(wait.total_seconds() // 60) + 1))


def _fail(name: str, action: str) -> None:
    db.session.add(LoginFailure(account=name[:64]))
    audit.record(name or "(unknown)", action)
    db.session.execute(delete(LoginFailure).where(LoginFailure.at < utcnow() - dt.timedelta(days=1)))
    db.session.commit()


def _dummy_verify(password: str) -> None:
    global _DUMMY_HASH
    if _DUMMY_HASH is None:
        _DUMMY_HASH = accounts.password_hasher().hash("not a real password, only for timing")
    # The result is meant to be ignored: this only spends the same time as a real check.
    with contextlib.suppress(Exception):
        accounts.password_hasher().verify(_DUMMY_HASH, password)


# ---- views -----------------------------------------------------------------------------------


@bp.route("/login", methods=["GET", "POST"])
def login() -> str | Response | tuple[str, int]:
    if request.method == "GET":
        return render_template("desk/login.html")
    name = request.form.get("name", "").strip()[:64]
    password = request.form.get("password", "")[:1024]
    try:
        _check_throttle(name)
    except Throttled as exc:
        return _throttled_page(exc)
    user = db.session.scalar(select(Moderator).where(Moderator.name == name, Moderator.active.is_(True)))
    if user is None:
        _dummy_verify(password)
        _fail(name, "login_failed")
        return render_template(
            "desk/login.html", error="That name and password do not match an account."
        ), 401
    try:
        accounts.verify_password(user, password)
        private_key = accounts.unlock_private_key(user, password)
    except (accounts.WrongPassword, crypto.CryptoError):
        _fail(name, "login_failed")
        return render_template(
            "desk/login.html", error="That name and password do not match an account."
        ), 401
    sessions.start(user, private_key, second_factor_ok=False)
    session["desk_next"] = _safe_next(request.args.get("next", ""))
    audit.record(user.name, "password_ok")
    db.session.commit()
    return redirect(url_for("desk_auth.second_factor" if user.totp_enrolled else "desk_auth.enrol"))


def _pending() -> tuple[SessionRecord, Moderator] | None:
    row, user = _load_session()
    if row is None or user is None:
        return None
    return row, user


@bp.route("/second-factor", methods=["GET", "POST"])
def second_factor() -> str | Response | tuple[str, int]:
    pending = _pending()
    if pending is None:
        return redirect(url_for("desk_auth.login"))
    row, user = pending
    if not user.totp_enrolled:
        return redirect(url_for("desk_auth.enrol"))
    if request.method == "GET":
        return render_template("desk/second_factor.html")
    try:
        _check_throttle(user.name)
    except Throttled as exc:
        return _throttled_page(exc)
    code = request.form.get("code", "")[:64]
    used_recovery = False
    ok = factor.verify_totp(user, code)
    if not ok and "-" in code:
        ok = used_recovery = factor.use_recovery_code(user, code)
    if not ok:
        _fail(user.name, "second_factor_failed")
        return render_template(
            "desk/second_factor.html",
            error="That code did not work. Codes change every 30 seconds, and each can be used once.",
        ), 401
    target = session.get("desk_next") or _home_for(user)
    sessions.promote(row, user)
    audit.record(user.name, "login", detail="recovery code used" if used_recovery else "")
    audit.record(user.name, "unlock")
    db.session.commit()
    return redirect(target)


@bp.route("/enrol", methods=["GET", "POST"])
def enrol() -> str | Response | tuple[str, int]:
    pending = _pending()
    if pending is None:
        return redirect(url_for("desk_auth.login"))
    row, user = pending
    if user.totp_enrolled:
        return redirect(url_for("desk_auth.second_factor"))
    uri = accounts.totp_uri(user)
    page = {"qr": factor.qr_svg(uri), "secret": accounts.totp_secret(user), "uri": uri}
    if request.method == "GET":
        return render_template("desk/enrol.html", **page)
    if not factor.verify_totp(user, request.form.get("code", "")[:64]):
        _fail(user.name, "enrol_failed")
        return render_template(
            "desk/enrol.html",
            error="That code did not match. Check the time on your phone and try the next code.",
            **page,
        ), 401
    user.totp_enrolled = True
    codes = factor.new_recovery_codes(user)
    sessions.promote(row, user)
    audit.record(user.name, "totp_enrolled")
    audit.record(user.name, "unlock")
    db.session.commit()
    return render_template("desk/recovery_codes.html", codes=codes)


@bp.route("/password", methods=["GET", "POST"])
@role_required(*ANY_ROLE)
def password() -> str | Response | tuple[str, int]:
    user = current_user()
    if request.method == "GET":
        return render_template("desk/password.html")
    old, new = request.form.get("old", "")[:1024], request.form.get("new", "")[:1024]
    if new != request.form.get("again", "")[:1024]:
        return render_template("desk/password.html", error="The two new passwords are not the same."), 400
    try:
        accounts.change_password(user, old, new)
    except accounts.AccountError as exc:
        return render_template("desk/password.html", error=str(exc)), 400
    except (accounts.WrongPassword, crypto.CryptoError):
        return render_template("desk/password.html", error="Your current password is not right."), 400
    audit.record(user.name, "password_changed")
    db.session.commit()
    return redirect(_home_for(user))


def _home_for(user: Moderator) -> str:
    """Where a login ends: the queue, or the digests for an editor (who may not see the queue)."""
    if user.role == Role.EDITOR and "desk_digests.index" in current_app.view_functions:
        return url_for("desk_digests.index")
    return url_for("desk_queue.index")


@bp.post("/logout")
def logout() -> Response:
    _row, user = _load_session()
    if user is not None:
        audit.record(user.name, "logout")
        sessions.end_everywhere(user.id)
        db.session.commit()
    return redirect(url_for("desk_auth.login", out=1))


def _safe_next(target: str) -> str:
    # Only our own desk paths: never an open redirect to another site.
    if target.startswith("/desk/") and "//" not in target and "\\" not in target and ":" not in target:
        return target[:200]
    return ""


def _throttled_page(exc: Throttled) -> tuple[str, int]:
    message = (
        f"There have been too many failed attempts for this account. For safety, please wait "
        f"{exc.minutes} minute{'s' if exc.minutes != 1 else ''} before trying again."
    )
    return render_template("desk/login.html", error=message), 429


def failures_for(name: str) -> int:
    return int(
        db.session.scalar(select(func.count()).select_from(LoginFailure).where(LoginFailure.account == name))
        or 0
    )
