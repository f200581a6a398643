"""The moderation desk: accounts and second factor, queue, review, decisions, audit, digests.

Every desk blueprint's name starts with "desk" (security headers and the route-guard test rely
on it) and every view is wrapped in `moderation.views.auth.role_required`.
"""

from __future__ import annotations

from flask import Flask

from testimony.text import day_text


def init_app(app: Flask) -> None:
    from moderation.views import accounts, auth, queue, review

    app.register_blueprint(auth.bp)
    app.register_blueprint(queue.bp)
    app.register_blueprint(review.bp)
    app.register_blueprint(accounts.bp)
    _register_optional(app)
    app.jinja_env.globals["has_endpoint"] = lambda endpoint: endpoint in app.view_functions
    # Days as the rest of the site writes them: "30 November 2026".
    app.jinja_env.filters["day"] = day_text


def _register_optional(app: Flask) -> None:
    """Blueprints built in their own modules (digests) register here once they exist."""
    try:
        from moderation.views import digests
    except ImportError:
        return
    app.register_blueprint(digests.bp)
