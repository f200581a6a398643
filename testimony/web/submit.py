"""Writing, previewing and sending testimony. Works with plain form posts; no JavaScript."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from werkzeug.exceptions import TooManyRequests

import nlp
from testimony import codename_check, crowd, highlight, publishing, send_tokens, submissions
from testimony.db import db
from testimony.models import Contribution, KeepTerm
from testimony.text import clean
from testimony.web import ratelimit

bp = Blueprint("submit", __name__)

# The codename is shown only after the commit succeeded (submissions.store), so when the
# database fails in a send, nothing was stored and this is true; the one exception, a commit
# whose answer was lost, store() resolves by asking again or reports as StoreInDoubt.
NOT_STORED = (
    "We could not store your testimony just now, so nothing was sent. "
    "Your text is still in the box: please try again in a few minutes."
)
# Only when the database went away during the commit and did not come back to say (rare): a
# second copy is harmless to moderators, a promise that nothing was stored could be false.
IN_DOUBT = (
    "We lost touch with our database while storing your testimony, so we cannot tell whether it "
    "arrived and cannot give you a codename for it. Your text is still in the box: please send it "
    "again in a few minutes (if the first copy arrived, moderators will see two and that is fine)."
)
# A send whose token was spent already: the browser's Resend on the codename page, a double
# click, or the Back button and Send again (testimony/send_tokens.py).
ALREADY_SENT = (
    "This testimony was already sent. It was stored the first time you pressed Send, and its "
    "codename was shown once, on the page that followed; we cannot show it again, because we never "
    "store it. Nothing new was stored just now. If you meant to send something new, your text is "
    "still in the box below."
)
EXPIRED = "The form had expired, so nothing was sent. Your text is still here: please press the button again."


def _per_address_limit() -> str:
    return str(current_app.config["RATELIMIT_PER_ADDRESS"])


def _global_send_limit() -> str:
    return str(current_app.config["RATELIMIT_SEND_GLOBAL"])


def _global_preview_limit() -> str:
    return str(current_app.config["RATELIMIT_PREVIEW_GLOBAL"])


def _not_sending() -> bool:
    return "send" not in request.form


def _sending() -> bool:
    return not _not_sending()


def keep_terms() -> list[str]:
    """Admin-maintained additions to the redactor's built-in keep list."""
    return list(db.session.scalars(select(KeepTerm.term)))


def _reply_target() -> Contribution | None:
    """The published contribution this testimony responds to, if any ("Respond anonymously")."""
    public_id = (request.values.get("in_reply_to") or "").strip()[:16]
    if not public_id:
        return None
    # The reading room's own rule: an id that is not public (approved but waiting for a digest)
    # must look exactly like one that does not exist, or the form would confirm it.
    contribution = publishing.find_contribution(public_id)
    if contribution is None or contribution.withdrawn:
        return None
    return contribution


def _page_token() -> str:
    """The send token for the page being answered: the one the form posted while it is still
    good (a preview, or an error, keeps the writer's token, so Back and Send again is still one
    send), else a new one."""
    posted = request.form.get("send_token")
    return posted if posted and send_tokens.nonce_of(posted) is not None else send_tokens.issue()


@bp.get("/submit")
def form() -> str:
    return render_template(
        "submit/form.html", body="", reply_to=_reply_target(), send_token=send_tokens.issue()
    )


@bp.post("/submit")
@ratelimit.per_address(_per_address_limit, methods=["POST"])
@ratelimit.everyone(_global_send_limit, methods=["POST"], exempt_when=_not_sending)
@ratelimit.everyone(_global_preview_limit, methods=["POST"], exempt_when=_sending, scope="preview")
def post() -> tuple[str, int] | str:
    body = clean(request.form.get("body", ""))
    if "send" not in request.form and "preview" not in request.form:
        return _form_again(body, "Please use the Preview or Send button.", 400)
    if not body:
        return _form_again(
            body, "There is no text yet. Write your testimony in the box, then preview or send it.", 400
        )
    limit = current_app.config["MAX_TESTIMONY_CHARS"]
    if len(body) > limit:
        return _form_again(
            body,
            f"Your text has {len(body):,} characters; the limit is {limit:,}. "
            "Please shorten it (your text is still in the box), or send it in two parts.",
            413,
        )
    nonce: bytes | None = None
    if "preview" not in request.form:
        # Checked before the costly redaction; the check that counts is the spent token's row,
        # committed with the submission in _send.
        nonce = send_tokens.nonce_of(request.form.get("send_token"))
        if nonce is None:
            return _form_again(body, EXPIRED, 400)
        if send_tokens.is_spent(nonce):
            return _already_sent(body)
    redaction = nlp.redact(body, keep_extra=keep_terms())
    reply_to = _reply_target()
    if nonce is None:  # a preview
        return render_template(
            "submit/form.html",
            body=body,
            redaction=redaction,
            pieces=highlight.marked(redaction),
            numbered=highlight.numbered_warnings(redaction),
            # Read from the struck-out text: what would be published, not what was typed.
            crowd=crowd.estimate(redaction.redacted),
            reply_to=reply_to,
            send_token=_page_token(),
        )
    return _send(body, redaction, reply_to, nonce)


def _send(
    body: str, redaction: nlp.Redaction, reply_to: Contribution | None, nonce: bytes
) -> tuple[str, int]:
    try:
        # In the same transaction as the submission: both are stored or neither is, and of two
        # sends racing with one token only one can commit.
        send_tokens.spend(nonce)
        _submission, codename = submissions.store(
            redaction, in_reply_to=reply_to.public_id if reply_to else None
        )
    except submissions.StoreInDoubt:
        current_app.logger.error("could not learn whether a submission was stored (database down)")
        # A new token: if the first copy did arrive, sending again must store a second one and
        # show its codename, as IN_DOUBT promises, not answer "already sent".
        return _form_again(body, IN_DOUBT, 503, new_token=True)
    except IntegrityError:
        db.session.rollback()
        if send_tokens.is_spent(nonce):  # another send with this token committed first
            return _already_sent(body)
        current_app.logger.error("could not store a submission (database error)")
        return _form_again(body, NOT_STORED, 503)
    except SQLAlchemyError:
        db.session.rollback()
        current_app.logger.error("could not store a submission (database error)")
        return _form_again(body, NOT_STORED, 503)
    return _codename_page(codename)


def _codename_page(
    codename: str,
    *,
    positions: tuple[int, int] | None = None,
    error: str | None = None,
    code: int = 200,
) -> tuple[str, int]:
    token, check = codename_check.issue(codename, positions=positions)
    page = render_template(
        "submit/sent.html",
        codename=codename,
        words=codename.split(" "),
        check=check,
        check_token=token,
        error=error,
    )
    return page, code


@bp.post("/submit/check")
def check_written_down() -> tuple[str, int]:
    """The codename page's "check you wrote it down" step: two words typed back."""
    check = codename_check.open_token(request.form.get("check_token"))
    if check is None:
        return render_template("submit/checked.html", expired=True), 400
    typed = {p: request.form.get(f"word_{p}", "")[:100] for p in check.positions}
    wrong = codename_check.wrong_positions(check, typed)
    if wrong:
        named = " and ".join(f"word {p}" for p in wrong)
        error = (
            f"What you typed for {named} does not match. Look at your codename again below and "
            "correct what you wrote down, then check again."
        )
        return _codename_page(check.codename, positions=check.positions, error=error, code=400)
    return render_template("submit/checked.html", expired=False), 200


def _already_sent(body: str) -> tuple[str, int]:
    page = render_template(
        "submit/form.html",
        body=body,
        notice=ALREADY_SENT,
        reply_to=_reply_target(),
        send_token=send_tokens.issue(),
    )
    return page, 409


def _form_again(body: str, error: str, code: int, *, new_token: bool = False) -> tuple[str, int]:
    try:
        reply_to = _reply_target()
    except SQLAlchemyError:
        # The database is down (we may be answering because of that): give the text back
        # without the reply link rather than fail on it with a bare 500.
        db.session.rollback()
        reply_to = None
    token = send_tokens.issue() if new_token else _page_token()
    page = render_template("submit/form.html", body=body, error=error, reply_to=reply_to, send_token=token)
    return page, code


@bp.errorhandler(SQLAlchemyError)
def _database_unavailable(_error: SQLAlchemyError) -> tuple[str, int]:
    # The reads before a send (keep list, reply target) fail too while the database restarts
    # (tests/test_faults.py): answer like a failed store, a calm 503 with the text given back,
    # not the generic 500 that loses it. Nothing is stored before the commit in store().
    db.session.rollback()
    current_app.logger.error("could not reach the database for a submission")
    return _form_again(clean(request.form.get("body", "")), NOT_STORED, 503)


@bp.errorhandler(CSRFError)
def _expired_form(_error: CSRFError) -> tuple[str, int]:
    # Someone may have written for an hour: give their text back with a fresh form.
    body = clean(request.form.get("body", ""))
    return _form_again(body, EXPIRED, 400)


@bp.errorhandler(TooManyRequests)
def _too_many(_error: TooManyRequests) -> tuple[str, int]:
    body = clean(request.form.get("body", ""))
    return _form_again(
        body,
        "Many people are sending at the moment, or many requests came from your connection. Nothing was sent and your text is still here: please wait a few minutes and try again.",
        429,
    )
