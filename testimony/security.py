"""Response headers applied to every response.

The Content Security Policy allows nothing but our own styles, images, forms and (on the
desk only) scripts: no third party can be loaded, and so none can learn who reads or writes.
"""

from __future__ import annotations

from flask import Flask, Response, request

CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
# The desk may add small progressive-enhancement scripts from static/.
CSP_WITH_SCRIPTS = CSP + "; script-src 'self'"

# Blueprints whose pages are public and identical for everyone may be cached; all others
# (submitter and desk pages) must never be kept by a browser or proxy.
CACHEABLE_BLUEPRINTS = frozenset({"public", "api"})


def init_app(app: Flask) -> None:
    app.after_request(_headers)


def _headers(response: Response) -> Response:
    scripts = (request.blueprint or "").startswith("desk")
    response.headers["Content-Security-Policy"] = CSP_WITH_SCRIPTS if scripts else CSP
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
    response.headers["Cross-Origin-Resource-Policy"] = "same-origin"
    response.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), interest-cohort=()"
    if request.is_secure:
        response.headers["Strict-Transport-Security"] = "max-age=63072000"
    if request.blueprint not in CACHEABLE_BLUEPRINTS or request.method != "GET":
        response.headers["Cache-Control"] = "no-store"
        response.headers["Pragma"] = "no-cache"
    return response
