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
