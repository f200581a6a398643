"""Error pages that say what happened and what to do next, in plain words."""

from __future__ import annotations

from flask import Flask, Response, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, OperationalError
from werkzeug.exceptions import HTTPException

from testimony.instance_keys import InstanceNotInitialised
from testimony.text import UnreadableInput

PAGES: dict[int, tuple[str, str]] = {
    400: (
        "We could not read that",
        "Something in the request was not as we expected. Go back, check what you entered and try again.",
    ),
    403: ("Not allowed", "You do not have permission to see this page."),
    404: (
        "Page not found",
        "There is nothing at this address. Check the link, or start again from the home page.",
    ),
    405: ("That did not work", "This page cannot be used that way. Start again from the home page."),
    413: ("Too long", "What you sent is longer than we can take. Shorten it and try again."),
    429: (
        "Please wait a little",
        "There have been many requests from your connection in a short time. Nothing has been lost; please wait a few minutes and try again.",
    ),
    500: (
        "Something went wrong on our side",
        "We could not finish that. Nothing you sent was acknowledged unless you saw a codename. Please try again in a few minutes.",
    ),
    503: (
        "Not ready yet",
        "This site is not fully set up. If you run it, follow the set-up steps in README.md.",
    ),
}


# A database that does not answer (restarting, failing over, connections exhausted) is not a bug
# in the page: say so, and say that trying again is safe. (Sending has its own page, which keeps
# the text: testimony/web/submit.py.)
DATABASE_UNAVAILABLE = (
    "The site cannot reach its database just now",
    "This usually passes within a minute. If you were saving something, check whether it was saved, then try again.",
)


def render_error(code: int, detail: str | None = None) -> tuple[str, int]:
    title, advice = PAGES.get(code, PAGES[500])
    return render_template("errors/error.html", title=title, advice=advice, detail=detail, code=code), code


def init_app(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def _http(error: HTTPException) -> tuple[str, int]:
        return render_error(error.code or 500)

    @app.errorhandler(CSRFError)
    def _csrf(_error: CSRFError) -> tuple[str, int]:
        return render_error(
            400,
            "The form had expired or was sent from somewhere else. Go back, reload the page and send it again.",
        )

    @app.errorhandler(UnreadableInput)
    def _encoding(_error: UnreadableInput) -> tuple[str, int]:
        return render_error(
            400,
            "Your browser sent text in an encoding we cannot read. Please use a current browser and try again.",
        )

    @app.errorhandler(InstanceNotInitialised)
    def _not_initialised(_error: InstanceNotInitialised) -> tuple[str, int]:
        return render_error(503)

    @app.errorhandler(DBAPIError)
    def _database(error: DBAPIError) -> tuple[str, int] | tuple[Response, int]:
        # OperationalError: lost or refused connections on both drivers, and a locked SQLite
        # database; all pass by themselves. Any other database error is a bug.
        if not (error.connection_invalidated or isinstance(error, OperationalError)):
            return _unexpected(error)
        app.logger.warning("database unavailable on %s", request.endpoint or "unknown endpoint")
        title, advice = DATABASE_UNAVAILABLE
        if request.blueprint == "api":
            return jsonify({"error": {"status": 503, "message": f"{title}. {advice}"}}), 503
        return render_template("errors/error.html", title=title, advice=advice, detail=None, code=503), 503

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> tuple[str, int]:
        # Log the type only: a message or traceback could quote what a submitter wrote.
        # Tracebacks are logged only in debug and testing, where no real testimony flows.
        endpoint = request.endpoint or "unknown endpoint"
        app.logger.error(
            "unhandled %s on %s", type(error).__name__, endpoint, exc_info=app.debug or app.testing
        )
        return render_error(500)
