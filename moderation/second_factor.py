"""TOTP (with replay refusal) and one-time recovery codes."""

from __future__ import annotations

import hmac
import io
import secrets
import time

import pyotp
import segno
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select, update

from moderation import accounts
from testimony.db import db
from testimony.models import Moderator, RecoveryCode, utcnow

RECOVERY_CODES = 10
STEP_SECONDS = 30


def verify_totp(moderator: Moderator, code: str, *, now: float | None = None) -> bool:
    """Accept a code for the current step or one either side, once: a code whose step is not
    newer than the last accepted one is a replay and is refused."""
    code = "".join(ch for ch in code if ch.isdigit())
    if len(code) != 6:
        return False
    totp = pyotp.TOTP(accounts.totp_secret(moderator))
    current_step = int((now if now is not None else time.time()) // STEP_SECONDS)
    for step in (current_step - 1, current_step, current_step + 1):
        if hmac.compare_digest(totp.at(step * STEP_SECONDS), code):
            if step <= moderator.totp_last_step:
                return False
            return _use_step(moderator, step)
    return False


def _use_step(moderator: Moderator, step: int) -> bool:
    """Record `step` as used, in one conditional UPDATE. Checking the loaded row alone let two
    logins racing with the same code (two sessions, two workers) both pass: each read the old
    step before either committed. The database now lets exactly one of them change the row."""
    result = db.session.execute(
        update(Moderator)
        .where(Moderator.id == moderator.id, Moderator.totp_last_step < step)
        .values(totp_last_step=step)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]  # a CursorResult for UPDATE
        return False
    moderator.totp_last_step = step
    return True


def qr_svg(uri: str) -> str:
    """The enrolment QR code as inline SVG, drawn on the server (no script, no third party)."""
    buffer = io.BytesIO()
    segno.make(uri, error="m").save(
        buffer, kind="svg", scale=5, xmldecl=False, svgns=True, title="TOTP enrolment code", border=2
    )
    return buffer.getvalue().decode("utf-8")


def _hasher() -> PasswordHasher:
    # Recovery codes are random (60 bits): a light Argon2id is plenty.
    return PasswordHasher(time_cost=1, memory_cost=8 * 1024)


def new_recovery_codes(moderator: Moderator) -> list[str]:
    """Replace the account's recovery codes; returns the plain codes to show once."""
    for old in db.session.scalars(select(RecoveryCode).where(RecoveryCode.moderator_id == moderator.id)):
        db.session.delete(old)
    codes = ["-".join(secrets.token_hex(2) for _ in range(4)) for _ in range(RECOVERY_CODES)]
    for code in codes:
        db.session.add(RecoveryCode(moderator_id=moderator.id, code_hash=_hasher().hash(code)))
    return codes


def use_recovery_code(moderator: Moderator, code: str) -> bool:
    code = code.strip().lower()
    unused = db.session.scalars(
        select(RecoveryCode).where(RecoveryCode.moderator_id == moderator.id, RecoveryCode.used_at.is_(None))
    )
    for row in unused:
        try:
            _hasher().verify(row.code_hash, code)
        except (VerificationError, InvalidHashError):
            continue
        # Conditional, like _use_step: of two requests racing with one code, only one marks it.
        result = db.session.execute(
            update(RecoveryCode)
            .where(RecoveryCode.id == row.id, RecoveryCode.used_at.is_(None))
            .values(used_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]  # a CursorResult for UPDATE
    return False


def step_of_code(secret: str, code: str, *, now: float | None = None) -> int | None:
    """The time step (current or one either side) at which `code` is right for `secret`, else
    None. For confirming a new authenticator, before its secret replaces the old one."""
    code = "".join(ch for ch in code if ch.isdigit())
    if len(code) != 6:
        return None
    totp = pyotp.TOTP(secret)
    current_step = int((now if now is not None else time.time()) // STEP_SECONDS)
    for step in (current_step - 1, current_step, current_step + 1):
        if hmac.compare_digest(totp.at(step * STEP_SECONDS), code):
            return step
    return None


def replace_secret(moderator: Moderator, secret: str, code: str, *, now: float | None = None) -> bool:
    """Set up a new authenticator: `secret` replaces the account's TOTP secret if `code` is right
    for it. The step it used counts as used, so that code cannot log anyone in afterwards."""
    step = step_of_code(secret, code, now=now)
    if step is None:
        return False
    accounts.set_totp_secret(moderator, secret)
    moderator.totp_last_step = max(moderator.totp_last_step, step)
    return True
