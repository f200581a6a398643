"""testimony: anonymous testimony from front-line staff, moderated and published as digests."""

from __future__ import annotations

import os
from typing import Any

from flask import Flask, request
from flask_migrate import Migrate
from flask_wtf.csrf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter, Map

from testimony import config, instance_keys
from testimony.db import MAX_ID, db
from testimony.text import check_form_encoding
from testimony.web import errors, ratelimit, security

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

csrf = CSRFProtect()
migrate = Migrate(directory=os.path.join(ROOT, "migrations"), render_as_batch=True)


class BoundedInt(IntegerConverter):
    """`<int:...>` in every route: numbers beyond what an id column holds (PostgreSQL's integer,
    2**31 - 1; SQLite raises OverflowError above 2**63 - 1) do not match, so they are a 404
    rather than an error in the database driver."""

    def __init__(
        self,
        url_map: Map,
        fixed_digits: int = 0,
        min: int | None = None,
        max: int | None = None,
        signed: bool = False,
    ) -> None:
        limit = MAX_ID if max is None or max > MAX_ID else max
        super().__init__(url_map, fixed_digits=fixed_digits, min=min, max=limit, signed=signed)


def create_app(test_config: dict[str, Any] | None = None, *, instance_path: str | None = None) -> Flask:
    app = Flask(
        __name__,
        instance_path=instance_path
        or os.environ.get("TESTIMONY_INSTANCE_PATH")
        or os.path.join(ROOT, "instance"),
        instance_relative_config=True,
        template_folder=os.path.join(ROOT, "templates"),
        static_folder=os.path.join(ROOT, "static"),
    )
    config.load(app, test_config)
    # Before any route is added: rules take their converters when they are registered.
    app.url_map.converters["int"] = BoundedInt
    hops = int(app.config["TRUSTED_PROXY_HOPS"])
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops)  # type: ignore[method-assign]
    # Outermost: a Host not in TRUSTED_HOSTS gets a plain 400 before anything else runs.
    security.refuse_unknown_hosts(app)
    os.makedirs(app.instance_path, exist_ok=True)
    instance_keys.apply(app, instance_keys.load(app))

    # Registered before CSRFProtect so the raw body is read (and cached) before any parsing.
    app.before_request(_refuse_unreadable_forms)
    db.init_app(app)
    migrate.init_app(app, db)
    csrf.init_app(app)
    ratelimit.init_app(app)
    security.init_app(app)
    errors.init_app(app)
    _register_blueprints(app)
    _register_commands(app)
    return app


def _refuse_unreadable_forms() -> None:
    if request.method == "POST" and request.mimetype == "application/x-www-form-urlencoded":
        check_form_encoding(request.get_data(cache=True))


def _register_blueprints(app: Flask) -> None:
    from testimony.web import api, filters, health, public, status, submit

    filters.init_app(app)  # dates, Markdown, plain text: for every template, desk included
    health.init_app(app)  # /healthz: never rate-limited, nothing logged
    app.register_blueprint(public.bp)
    app.register_blueprint(api.bp)
    csrf.exempt(api.bp)  # read-only JSON: its only non-GET answers are 404 and 405
    app.register_blueprint(submit.bp)
    app.register_blueprint(status.bp)
    # Imported here, not at the top: moderation builds on testimony, never the reverse.
    import moderation

    moderation.init_app(app)


def _register_commands(app: Flask) -> None:
    from devtools import demo, generate
    from testimony import backup, cli, jobs, publication_log, recovery, search

    cli.init_app(app)
    backup.init_app(app)
    recovery.init_app(app)
    jobs.init_app(app)
    demo.init_app(app)
    generate.init_app(app)
    search.init_app(app)
    publication_log.init_app(app)
