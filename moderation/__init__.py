"""The moderation desk: accounts and second factor, queue, review, decisions, audit, digests.

Every desk blueprint's name starts with "desk" (security headers and the route-guard test rely
on it) and every view is wrapped in `moderation.views.auth.role_required`.
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from moderation.views import accounts, auth, queue, review

    app.register_blueprint(auth.bp)
    app.register_blueprint(queue.bp)
    app.register_blueprint(review.bp)
    app.register_blueprint(accounts.bp)
    _register_optional(app)
    app.jinja_env.globals["has_endpoint"] = lambda endpoint: endpoint in app.view_functions
    _register_source_markers(app)


def _register_source_markers(app: Flask) -> None:
    """The editors' "waiting for the source's OK" markers (issue 15): a filter giving the day a
    contribution's wait ends (None when it waits for nobody), and the count of those that may
    not be published yet. Read from testimony/approved.py; no view needs to pass them."""
    from testimony import approved
    from testimony.models import today

    app.jinja_env.filters["source_wait"] = approved.source_wait_of
    app.jinja_env.globals["still_waiting_for_source"] = lambda: approved.still_waiting_count(today())


def _register_optional(app: Flask) -> None:
    """Blueprints built in their own modules (digests) register here once they exist."""
    try:
        from moderation.views import digests
    except ImportError:
        return
    app.register_blueprint(digests.bp)
