"""Response headers applied to every response, and the hosts the site answers for.

The Content Security Policy allows nothing but our own styles, images, forms and (on the
desk only) scripts: no third party can be loaded, and so none can learn who reads or writes.

Feeds, the API and canonical links hold absolute addresses built from the request's Host, and
the page cache keeps pages per host: a request for a name not in TRUSTED_HOSTS is answered with
a plain 400 before the app sees it, so a forged Host is never repeated or cached.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from flask import Flask, Response, current_app, request
from werkzeug.exceptions import SecurityError
from werkzeug.sansio.utils import host_is_trusted
from werkzeug.wsgi import get_host

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

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


class TrustedHostsOnly:
    """WSGI middleware: a plain 400, with no page, cookie or database work, for any Host that
    is not one of the app's TRUSTED_HOSTS (read on each request, so tests can add names)."""

    BODY = b"Bad request: this site is not served under that name.\n"

    def __init__(self, app: Flask, wsgi_app: WSGIApplication) -> None:
        self.app = app
        self.wsgi_app = wsgi_app

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        try:
            host = get_host(environ, self.app.config["TRUSTED_HOSTS"])
        except SecurityError:
            host = ""
        if not host:  # untrusted, malformed, or (HTTP/1.0 on a socket) absent
            start_response(
                "400 Bad Request",
                [
                    ("Content-Type", "text/plain; charset=utf-8"),
                    ("Content-Length", str(len(self.BODY))),
                    ("Cache-Control", "no-store"),
                    ("X-Content-Type-Options", "nosniff"),
                ],
            )
            return [self.BODY]
        return self.wsgi_app(environ, start_response)


def refuse_unknown_hosts(app: Flask) -> None:
    app.wsgi_app = TrustedHostsOnly(app, app.wsgi_app)  # type: ignore[method-assign]


def trusted_name(host: str) -> str | None:
    """The TRUSTED_HOSTS entry that `host` (name and port) matches, or None. Many ports of
    one name (or names under a ".suffix" entry) give the same entry: callers keying a cache on
    it cannot be made to grow by varying the Host."""
    for entry in current_app.config["TRUSTED_HOSTS"]:
        if host_is_trusted(host, [entry]):
            return entry
    return None


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
