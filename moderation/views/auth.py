"""Logging in to the desk: password, then TOTP (or a recovery code), then the desk.

A new account's first login: the one-time password, then the holder's own password (which makes
their key pair: /desk/first-password), then setting up their authenticator app (/desk/enrol),
then the desk. Later logins: password, then code.

The login form is throttled before any password is hashed (moderation/throttle.py). Once too many
attempts failed for a name, from one address or from everywhere, the account is not locked: the
form asks for the password and the code together, and only both together let anyone in.

Also the guard every desk view wears: `role_required(...)`.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
from collections.abc import Callable
from typing import Any, TypeVar

import pyotp
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from itsdangerous import BadData, URLSafeTimedSerializer
from sqlalchemy import select
from werkzeug.wrappers import Response

from moderation import accounts, sessions, throttle
from moderation import second_factor as factor
from moderation.session_store import SessionRecord
from testimony import audit, crypto
from testimony.db import db
from testimony.models import Moderator, Role

bp = Blueprint("desk_auth", __name__, url_prefix="/desk")

# Verifying against this when the account does not exist keeps timing the same either way.
_DUMMY_HASH: str | None = None

F = TypeVar("F", bound=Callable[..., Any])

NO_MATCH = "That name and password do not match an account."
NEEDS_BOTH = (
    "There have been many failed attempts to log in to this account, so for safety it now needs "
    "your password and the six-digit code from your authenticator app together."
)


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
            if user.must_change_password:  # only a session from before this version can be here
                return redirect(url_for("desk_auth.first_password"))
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


# ---- logging in ------------------------------------------------------------------------------


@bp.route("/login", methods=["GET", "POST"])
def login() -> str | Response | tuple[str, int]:
    if request.method == "GET":
        return render_template("desk/login.html")
    name = request.form.get("name", "").strip()[:64]
    password = request.form.get("password", "")[:1024]
    code = request.form.get("code", "")[:64]
    # Everything below is counted before any password is hashed.
    for count in (
        throttle.hit(throttle.everyone_bucket(), throttle.everyone_limit()),
        throttle.hit(throttle.address_bucket(), throttle.address_limit()),
    ):
        if count.over:
            db.session.commit()
            return _busy_page(count)
    pair = throttle.hit(throttle.pair_bucket(name), throttle.PAIR)
    account = throttle.hit(throttle.account_bucket(name), throttle.ACCOUNT)
    db.session.commit()
    user = db.session.scalar(select(Moderator).where(Moderator.name == name, Moderator.active.is_(True)))
    if pair.over or account.over:
        return _login_with_both(user, name, password, code, from_here=pair.over)
    # The password is checked (or a dummy, for no account) before `user` is looked at, so an
    # unknown name costs the same time as a known one.
    if not _password_ok(user, password) or user is None:
        return _login_failed(user, name)
    return _password_step_done(user, password, pair)


def _password_ok(user: Moderator | None, password: str) -> bool:
    """Check the password; for no account, spend the same time on a dummy hash."""
    if user is None:
        _dummy_verify(password)
        return False
    try:
        accounts.verify_password(user, password)
    except accounts.WrongPassword:
        return False
    return True


def _login_failed(
    user: Moderator | None, name: str, *, both: bool = False, detail: str = ""
) -> tuple[str, int]:
    # A name that matches no account is kept only as a keyed hash: people type passwords there.
    audit.record(user.name if user is not None else audit.keyed_name(name), "login_failed", detail=detail)
    db.session.commit()
    error = f"{NEEDS_BOTH} {NO_MATCH[:-1]}, or the code was not right." if both else NO_MATCH
    return render_template("desk/login.html", error=error, needs_code=both), 401


def _login_with_both(
    user: Moderator | None, name: str, password: str, code: str, *, from_here: bool
) -> str | Response | tuple[str, int]:
    """Too many attempts failed for this name (`from_here`: from this address; otherwise from
    everywhere together). The password alone opens nothing now: only the password and the code
    together. Every answer below is the same for every name, known or not, whatever the
    password, unless the password was right and a code was given.

    From this address, nothing more is hashed without a code. From everywhere together, passwords
    are still checked (this address has attempts left), so a new account's one-time password
    (about 120 random bits, which no one can guess) still lets its holder in: they have no
    authenticator app yet."""
    if from_here and not code.strip():
        return render_template("desk/login.html", error=NEEDS_BOTH, needs_code=True), 429
    right = _password_ok(user, password)
    if user is None or not right:
        return _login_failed(user, name, both=True)
    if user.must_change_password and not from_here:
        return _password_step_done(user, password, None)
    if not code.strip():
        # Answered exactly as a wrong password; the audit trail tells the admins the truth.
        return _login_failed(
            user, name, both=True, detail="right password without a code, after many failures"
        )
    if not user.totp_enrolled:
        message = (
            "There have been many failed attempts to log in to this account, and it has no authenticator "
            "app set up yet. Please wait a while and try again, from your usual connection, or ask an admin."
        )
        return render_template("desk/login.html", error=message), 429
    spent = _count_code_attempt(user)
    if spent is not None:
        return render_template("desk/login.html", error=_too_many_codes(spent)), 429
    if not factor.verify_totp(user, code):
        return _login_failed(user, name, both=True, detail="right password, wrong code")
    throttle.clear(throttle.code_bucket(user.id))
    private_key = accounts.unlock_private_key(user, password)
    sessions.start(user, private_key, second_factor_ok=True)
    target = _safe_next(request.args.get("next", "")) or _home_for(user)
    audit.record(user.name, "login", detail="password and code together, after many failed attempts")
    audit.record(user.name, "unlock")
    db.session.commit()
    return redirect(target)


def _password_step_done(user: Moderator, password: str, pair: throttle.Count | None) -> Response:
    """The password was right: the holder's attempts are given back, and the next step begins."""
    if pair is not None:
        throttle.clear(pair.bucket)
        throttle.give_back(throttle.account_bucket(user.name))
    if user.must_change_password:
        sessions.start(user, None, second_factor_ok=False)
        next_step = "desk_auth.first_password"
    else:
        try:
            private_key = accounts.unlock_private_key(user, password)
        except crypto.CryptoError:
            # The hash matched but the key did not open: the row was tampered with.
            abort(500)
        sessions.start(user, private_key, second_factor_ok=False)
        next_step = "desk_auth.second_factor" if user.totp_enrolled else "desk_auth.enrol"
    session["desk_next"] = _safe_next(request.args.get("next", ""))
    audit.record(user.name, "password_ok")
    db.session.commit()
    return redirect(url_for(next_step))


def _count_code_attempt(user: Moderator) -> throttle.Count | None:
    """Count a code attempt, for someone who has shown the account's password. Returns the
    count when the allowance is spent (refuse without checking the code), else None."""
    count = throttle.hit(throttle.code_bucket(user.id), throttle.CODE)
    db.session.commit()
    return count if count.over else None


def _too_many_codes(count: throttle.Count) -> str:
    minutes = count.minutes_left()
    return (
        f"There have been too many wrong codes for this account. For safety, please wait {minutes} "
        f"minute{'s' if minutes != 1 else ''} before trying again."
    )


def _dummy_verify(password: str) -> None:
    global _DUMMY_HASH
    if _DUMMY_HASH is None:
        _DUMMY_HASH = accounts.password_hasher().hash("not a real password, only for timing")
    # The result is meant to be ignored: this only spends the same time as a real check.
    with contextlib.suppress(Exception):
        accounts.password_hasher().verify(_DUMMY_HASH, password)


def _pending() -> tuple[SessionRecord, Moderator] | None:
    row, user = _load_session()
    if row is None or user is None:
        return None
    return row, user


@bp.route("/first-password", methods=["GET", "POST"])
def first_password() -> str | Response | tuple[str, int]:
    """The holder of a new account replaces its one-time password; their key pair is made now."""
    pending = _pending()
    if pending is None:
        return redirect(url_for("desk_auth.login"))
    row, user = pending
    if not user.must_change_password:
        return redirect(url_for("desk_auth.second_factor" if user.totp_enrolled else "desk_auth.enrol"))
    if request.method == "GET":
        return render_template("desk/password.html", first=True)
    old, new = request.form.get("old", "")[:1024], request.form.get("new", "")[:1024]
    if new != request.form.get("again", "")[:1024]:
        return render_template(
            "desk/password.html", first=True, error="The two new passwords are not the same."
        ), 400
    try:
        private_key = accounts.set_first_password(user, old, new)
    except accounts.AccountError as exc:
        return render_template("desk/password.html", first=True, error=str(exc)), 400
    except accounts.WrongPassword:
        return render_template(
            "desk/password.html", first=True, error="The one-time password you were given is not right."
        ), 400
    target = session.get("desk_next", "")
    sessions.after_password_change(row, user, private_key)
    session["desk_next"] = target
    audit.record(user.name, "password_changed", detail="first password; key pair made")
    db.session.commit()
    return redirect(url_for("desk_auth.enrol"))


@bp.route("/second-factor", methods=["GET", "POST"])
def second_factor() -> str | Response | tuple[str, int]:
    pending = _pending()
    if pending is None:
        return redirect(url_for("desk_auth.login"))
    row, user = pending
    if user.must_change_password:
        return redirect(url_for("desk_auth.first_password"))
    if not user.totp_enrolled:
        return redirect(url_for("desk_auth.enrol"))
    if request.method == "GET":
        return render_template("desk/second_factor.html")
    spent = _count_code_attempt(user)
    if spent is not None:
        return render_template("desk/second_factor.html", error=_too_many_codes(spent)), 429
    code = request.form.get("code", "")[:64]
    used_recovery = False
    ok = factor.verify_totp(user, code)
    if not ok and "-" in code:
        ok = used_recovery = factor.use_recovery_code(user, code)
    if not ok:
        audit.record(user.name, "second_factor_failed")
        db.session.commit()
        return render_template(
            "desk/second_factor.html",
            error="That code did not work. Codes change every 30 seconds, and each can be used once.",
        ), 401
    throttle.clear(throttle.code_bucket(user.id))
    target = session.get("desk_next") or _home_for(user)
    sessions.promote(row, user)
    audit.record(user.name, "login", detail="recovery code used" if used_recovery else "")
    audit.record(user.name, "unlock")
    db.session.commit()
    return redirect(target)


@bp.route("/enrol", methods=["GET", "POST"])
def enrol() -> str | Response | tuple[str, int]:
    """Setting up the authenticator app, after the holder chose their own password. The secret
    is made on the first visit to this page and shown here, to the holder alone."""
    pending = _pending()
    if pending is None:
        return redirect(url_for("desk_auth.login"))
    row, user = pending
    if user.must_change_password:
        return redirect(url_for("desk_auth.first_password"))
    if user.totp_enrolled:
        return redirect(url_for("desk_auth.second_factor"))
    fresh = not user.totp_secret_encrypted
    secret = accounts.start_enrolment(user)
    if fresh:
        db.session.commit()
    uri = accounts.totp_uri(user)
    page = {"qr": factor.qr_svg(uri), "secret": secret, "uri": uri}
    if request.method == "GET":
        return render_template("desk/enrol.html", **page)
    spent = _count_code_attempt(user)
    if spent is not None:
        return render_template("desk/enrol.html", error=_too_many_codes(spent), **page), 429
    if not factor.verify_totp(user, request.form.get("code", "")[:64]):
        audit.record(user.name, "enrol_failed")
        db.session.commit()
        return render_template(
            "desk/enrol.html",
            error="That code did not match. Check the time on your phone and try the next code.",
            **page,
        ), 401
    throttle.clear(throttle.code_bucket(user.id))
    user.totp_enrolled = True
    codes = factor.new_recovery_codes(user)
    target = session.get("desk_next") or _home_for(user)
    sessions.promote(row, user)
    audit.record(user.name, "totp_enrolled")
    audit.record(user.name, "unlock")
    db.session.commit()
    return render_template("desk/recovery_codes.html", codes=codes, next=target)


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
        private_key = accounts.unlock_private_key(user, new)
    except accounts.AccountError as exc:
        return render_template("desk/password.html", error=str(exc)), 400
    except (accounts.WrongPassword, crypto.CryptoError):
        return render_template("desk/password.html", error="Your current password is not right."), 400
    # Every other session of this account ends: whoever else was logged in with the old
    # password is logged out.
    sessions.after_password_change(g.desk_session, user, private_key)
    audit.record(user.name, "password_changed", detail="other sessions ended")
    db.session.commit()
    return redirect(_home_for(user))


# ---- a new authenticator, for an account already enrolled ---------------------------------------
# Accounts enrolled by older versions had their secret printed where others could see it (the
# account-created page). The holder replaces it here: password and a current code first, then a
# new secret, shown to them alone, which replaces the old one once a code from it is confirmed.

NEW_AUTHENTICATOR_MINUTES = 15


def _authenticator_signer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(
        current_app.config["SECRET_KEY"], salt="testimony desk new authenticator v1"
    )


def _new_secret_form(user: Moderator, secret: str, *, error: str | None = None) -> str:
    # The new secret travels in the form, signed and bound to the account, to the secret it
    # replaces (so the form works once) and to the code step used to ask for it: any other use of
    # a code meanwhile (a login) makes the form stale.
    token = _authenticator_signer().dumps(
        {"m": user.id, "s": secret, "after": user.totp_last_step, "old": _secret_mark(user)}
    )
    uri = pyotp.TOTP(secret).provisioning_uri(name=user.name, issuer_name=accounts.ISSUER)
    return render_template(
        "desk/authenticator_new.html", qr=factor.qr_svg(uri), secret=secret, token=token, error=error
    )


def _secret_mark(user: Moderator) -> str:
    return hashlib.sha256(user.totp_secret_encrypted).hexdigest()[:32]


@bp.route("/authenticator", methods=["GET", "POST"])
@role_required(*ANY_ROLE)
def authenticator() -> str | Response | tuple[str, int]:
    user = current_user()
    if request.method == "GET":
        return render_template("desk/authenticator.html")
    spent = _count_code_attempt(user)
    if spent is not None:
        return render_template("desk/authenticator.html", error=_too_many_codes(spent)), 429
    if request.form.get("step") == "confirm":
        return _confirm_new_authenticator(user)
    try:
        accounts.verify_password(user, request.form.get("password", "")[:1024])
        right_code = factor.verify_totp(user, request.form.get("code", "")[:64])
    except accounts.WrongPassword:
        right_code = False
    if not right_code:
        audit.record(user.name, "authenticator_check_failed")
        db.session.commit()
        return render_template(
            "desk/authenticator.html",
            error="That password and code do not match. Codes change every 30 seconds, and each can be used once.",
        ), 401
    throttle.clear(throttle.code_bucket(user.id))
    db.session.commit()  # the code's step is used
    return _new_secret_form(user, pyotp.random_base32())


def _confirm_new_authenticator(user: Moderator) -> str | Response | tuple[str, int]:
    try:
        pending = _authenticator_signer().loads(
            request.form.get("token", ""), max_age=NEW_AUTHENTICATOR_MINUTES * 60
        )
    except BadData:
        pending = None
    if (
        not pending
        or pending.get("m") != user.id
        or pending.get("after") != user.totp_last_step
        or pending.get("old") != _secret_mark(user)
    ):
        return render_template(
            "desk/authenticator.html",
            error="That form has expired (or a code was used since). Please start again.",
        ), 400
    secret = str(pending["s"])
    if not factor.replace_secret(user, secret, request.form.get("code", "")[:64]):
        audit.record(user.name, "authenticator_confirm_failed")
        db.session.commit()
        return _new_secret_form(
            user, secret, error="That code did not match. Check the time on your phone and try the next code."
        ), 401
    throttle.clear(throttle.code_bucket(user.id))
    # Whoever was logged in elsewhere got past the old authenticator: they are logged out.
    sessions.after_password_change(g.desk_session, user, unlocked_private_key())
    audit.record(user.name, "authenticator_replaced", detail="other sessions ended")
    db.session.commit()
    flash(
        "Your new authenticator app is set up; the old one no longer works. You were logged out everywhere else."
    )
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


def _busy_page(count: throttle.Count) -> tuple[str, int]:
    minutes = count.minutes_left()
    where = "from your connection" if count.bucket.startswith("addr:") else "on the desk"
    message = (
        f"There have been too many login attempts {where} just now. For safety, please wait "
        f"{minutes} minute{'s' if minutes != 1 else ''} before trying again."
    )
    return render_template("desk/login.html", error=message), 429
