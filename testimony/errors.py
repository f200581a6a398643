"""Error pages that say what happened and what to do next, in plain words."""

from __future__ import annotations

from flask import Flask, render_template, request
from flask_wtf.csrf import CSRFError
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

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> tuple[str, int]:
        # Log the type only: a message or traceback could quote what a submitter wrote.
        # Tracebacks are logged only in debug and testing, where no real testimony flows.
        endpoint = request.endpoint or "unknown endpoint"
        app.logger.error(
            "unhandled %s on %s", type(error).__name__, endpoint, exc_info=app.debug or app.testing
        )
        return render_error(500)
