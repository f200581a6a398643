"""`/healthz` for load balancers and systemd: 200 "ok" when the database (and Redis, when
REDIS_URL is set) answer, 503 "unavailable" otherwise.

The body says nothing more, since anyone can ask. It is never rate-limited (a prober asking
every few seconds must not use up an allowance or be refused), sets no cookie, and the app logs
nothing about it: a failure is the answer, and the prober is what notices and reports it.
"""

from __future__ import annotations

import redis
from flask import Blueprint, Flask, Response
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from testimony import redis_client
from testimony.db import db
from testimony.web.ratelimit import limiter

bp = Blueprint("health", __name__)


def database_answers() -> bool:
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        return False
    db.session.rollback()  # end the read transaction now, not at teardown
    return True


def redis_answers() -> bool:
    client = redis_client.get()
    if client is None:
        return True  # not configured: nothing to wait for
    try:
        return bool(client.ping())
    except (redis.RedisError, OSError):
        return False


@bp.get("/healthz")
def healthz() -> Response:
    healthy = database_answers() and redis_answers()
    response = Response("ok\n" if healthy else "unavailable\n", status=200 if healthy else 503)
    response.mimetype = "text/plain"
    return response


def init_app(app: Flask) -> None:
    limiter.exempt(bp)
    app.register_blueprint(bp)
