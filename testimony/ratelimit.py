"""Rate limits that never store an address.

The limiter's key is HMAC-SHA256(address) under a secret that is made in memory, never written
to disk, and replaced each UTC day. Counters (in memory or Redis) then hold only opaque keys
that cannot be turned back into addresses once the day's secret is gone.

With several workers (production), the day's secret must be shared or each worker would count
separately: it is then kept in Redis, which in our deployment holds nothing on disk, and expires
by itself after two days.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
import threading

from flask import Flask, request
from flask_limiter import Limiter

from testimony import redis_client

_lock = threading.Lock()
_secret: tuple[dt.date, bytes] | None = None


def _daily_secret() -> bytes:
    global _secret
    today = dt.datetime.now(dt.UTC).date()
    client = redis_client.get()
    if client is not None:
        key = f"testimony:rl-secret:{today.isoformat()}"
        client.set(key, secrets.token_bytes(32), nx=True, ex=2 * 86400)
        shared = client.get(key)
        if isinstance(shared, bytes):
            return shared
    with _lock:
        if _secret is None or _secret[0] != today:
            _secret = (today, secrets.token_bytes(32))
        return _secret[1]


def address_key() -> str:
    address = (request.remote_addr or "").encode("utf-8")
    return hmac.new(_daily_secret(), address, hashlib.sha256).hexdigest()[:32]


def everyone_key() -> str:
    """One shared bucket, for global caps (all submissions, whoever sends them)."""
    return "global"


limiter = Limiter(key_func=address_key, headers_enabled=False)


def init_app(app: Flask) -> None:
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config.get("REDIS_URL") or "memory://")
    app.config.setdefault("RATELIMIT_KEY_PREFIX", "testimony-rl")
    limiter.init_app(app)
