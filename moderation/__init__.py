"""The moderation desk: accounts and second factor, queue, review, decisions, digests.

`init_app` is the one way in: the app factory (testimony.create_app) calls it, and the desk
registers its own blueprints and command-line tasks. Nothing in `testimony` imports `moderation`
otherwise (checked by the import contracts in pyproject.toml, `make lint`).

Every desk blueprint's name starts with "desk" (security headers and the route-guard test rely
on it) and every view is wrapped in `moderation.views.auth.role_required`.
"""

from __future__ import annotations

from flask import Flask

from testimony.text import day_text


def init_app(app: Flask) -> None:
    from moderation import cli
    from moderation.views import accounts, auth, digests, queue, review

    for blueprint in (auth.bp, queue.bp, review.bp, accounts.bp, digests.bp):
        app.register_blueprint(blueprint)
    cli.init_app(app)
    # Days as the rest of the site writes them: "30 November 2026".
    app.jinja_env.filters["day"] = day_text
    _register_source_markers(app)


def _register_source_markers(app: Flask) -> None:
    """The editors' "waiting for the source's OK" markers (issue 15): a filter giving the day a
    contribution's wait ends (None when it waits for nobody), and the count of those that may
    not be published yet. Read from testimony/approved.py; no view needs to pass them."""
    from testimony import approved
    from testimony.models import today

    app.jinja_env.filters["source_wait"] = approved.source_wait_of
    app.jinja_env.globals["still_waiting_for_source"] = lambda: approved.still_waiting_count(today())
