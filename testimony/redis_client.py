"""The shared Redis connection, when REDIS_URL is set (production); None on the embedded default."""

from __future__ import annotations

import redis
from flask import Flask, current_app


def get(app: Flask | None = None) -> redis.Redis | None:
    app = app or current_app
    url = app.config.get("REDIS_URL")
    if not url:
        return None
    client = app.extensions.get("redis")
    if client is None:
        client = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)
        app.extensions["redis"] = client
    return client
