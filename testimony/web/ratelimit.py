"""Rate limits that never store an address.

The limiter's key is HMAC-SHA256(address) under a secret that is made in memory, never written
to disk, and replaced each UTC day. Counters (in memory or Redis) then hold only opaque keys
that cannot be turned back into addresses once the day's secret is gone.

With several workers (production), the day's secret must be shared or each worker would count
separately: it is then kept in Redis, which in our deployment holds nothing on disk, and expires
by itself after two days.

Two ways in, two kinds of limit (docs/DEPLOY.md, "Rate limits and what they protect"):
- Clear web (nginx in front, TRUSTED_PROXY_HOPS=1): each visitor's address is their own, so
  per-address limits give each visitor an allowance of their own.
- Onion service: every visitor reaches us from tor on this machine, so a per-address limit would
  be one allowance shared by all of them, which one abuser could spend for everyone. Requests
  that came through the onion (`via_onion`) skip per-address limits; the global caps (sends,
  previews, status visits) still hold, and tor's proof-of-work defence makes each abuser pay.
Every per-address limit is declared with `per_address`, so none forgets the onion.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import ipaddress
import secrets
import threading
from collections.abc import Callable
from typing import Any

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


def via_onion() -> bool:
    """The request came through our onion service: its Host is a .onion name (the app answers
    only names in TRUSTED_HOSTS) and it reached us from this machine (tor itself, or the nginx in
    front of it, whose X-Forwarded-For is tor's loopback address). A clear-web visitor who sends
    the onion's name still arrives from their own address, and keeps their per-address limits."""
    name = request.host.rsplit(":", 1)[0] if request.host.count(":") == 1 else request.host
    return name.lower().endswith(".onion") and _from_this_machine(request.remote_addr)


def _from_this_machine(address: str | None) -> bool:
    if not address:  # a unix-socket peer
        return True
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


limiter = Limiter(key_func=address_key, headers_enabled=False)


def per_address(
    limit: Callable[[], str], **options: Any
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """A per-address limit (`limiter.limit` keyed on the address), skipped for onion visitors,
    who all share tor's address (see the module's docstring)."""
    return limiter.limit(limit, exempt_when=via_onion, **options)


def everyone(
    limit: Callable[[], str], *, exempt_when: Callable[[], bool] | None = None, **options: Any
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """A global cap: one bucket for every visitor, whichever way they came in."""
    return limiter.limit(limit, key_func=everyone_key, exempt_when=exempt_when, **options)


def init_app(app: Flask) -> None:
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config.get("REDIS_URL") or "memory://")
    app.config.setdefault("RATELIMIT_KEY_PREFIX", "testimony-rl")
    limiter.init_app(app)
