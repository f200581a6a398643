"""Measured capacity, as JSON lines on stdout (bench/capacity.sh runs this; logs go to stderr).

Everything runs on loopback, in one run, side by side, so the ratios hold even on a shared
machine where absolute numbers move:

1. Two throwaway PostgreSQL databases (SQLite files if no server answers; the JSON says so),
   migrated, with a moderator account, filled by devtools.generate: "small" with SMALL
   published contributions (+ a tenth as many queued), "large" with LARGE (+ QUEUED_LARGE).
2. gunicorn servers with gunicorn.conf.py and 2 workers: the site on each database (and the
   large one again with its page cache off), and the ceiling (bench/capacity_ceiling.py: bare
   Flask rendering the same digest template from constants). Desk sessions and rate-limit state in Redis (db 14 and 15, flushed) when it answers.
   Rate limits are off (FLASK_RATELIMIT_ENABLED=false) so sends can be measured.
3. Scale: single-connection latency of home, theme page (first and last), search and queue on
   small and large, alternated round by round; target large <= 2x small.
4. Ceiling: the digest page against the ceiling, alternated round by round; target >= 0.5. The
   page is measured as deployed (each worker keeps the HTML of recently read digests,
   testimony/web/page_cache.py) and on a fourth server with that cache off (every request loads
   and renders), so both ratios are known.
5. Load (wrk, CONNECTIONS connections): requests/s and p50/p95/p99 per endpoint on large.
6. Memory per worker (RSS, PSS, private) with the model loaded; the submission path broken
   down (capacity_submit_path.py); query plans of the pages that scale (capacity_explain.py).
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyotp
import requests

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
BIN = Path(sys.executable).parent
sys.path[:0] = [str(ROOT), str(BENCH)]

import capacity_explain  # noqa: E402 - bench helpers, found through the path above
import capacity_submit_path  # noqa: E402
from capacity_text import TESTIMONY  # noqa: E402

PG_ADMIN = os.environ.get("CAPACITY_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
# One Redis database per site: both sites have a moderator with id 1, and a desk login that
# ends the account's other sessions must not end the other site's. Databases 14 and 15, which
# nothing else here uses (the tests use 12 and 13); each is flushed before and after.
REDIS_URLS = {
    "small": os.environ.get("CAPACITY_REDIS_URL", "redis://127.0.0.1:6379/14"),
    "large": os.environ.get("CAPACITY_REDIS_URL_LARGE", "redis://127.0.0.1:6379/15"),
}
SMALL = int(os.environ.get("CAPACITY_SMALL", "1000"))
LARGE = int(os.environ.get("CAPACITY_LARGE", "100000"))
QUEUED_LARGE = int(os.environ.get("CAPACITY_QUEUED", "10000"))
LOAD_SECONDS = int(os.environ.get("CAPACITY_SECONDS", "8"))
PROBE_SECONDS = int(os.environ.get("CAPACITY_PROBE_SECONDS", "3"))
ROUNDS = int(os.environ.get("CAPACITY_ROUNDS", "4"))
CONNECTIONS = int(os.environ.get("CAPACITY_CONNECTIONS", "8"))
SENDS = int(os.environ.get("CAPACITY_SENDS", "8"))
WORKERS = 2
DEADLINE = time.monotonic() + float(os.environ.get("CAPACITY_DEADLINE_SECONDS", "1500"))
THEME = "workload"
RARE_QUERY = "photocopier"  # one object among many: a few contributions in a thousand
BROAD_QUERY = "segregation"  # a topic word: several in every hundred
MODERATOR = "bench-moderator"
NEW_PASSWORD = secrets.token_urlsafe(18)


def emit(record: dict[str, Any]) -> None:
    print(json.dumps(record), flush=True)


def log(message: str) -> None:
    print(f"[capacity] {message}", file=sys.stderr, flush=True)


def out_of_time() -> bool:
    return time.monotonic() > DEADLINE


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# ---- databases -------------------------------------------------------------------------------


@dataclass
class Databases:
    engine: str
    urls: dict[str, str]
    fallback_reason: str | None = None
    drop: Callable[[], None] = lambda: None


def make_databases(tmp: Path) -> Databases:
    from sqlalchemy import create_engine, text

    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - any failure to connect means "no server here"
        admin.dispose()
        urls = {scale: f"sqlite:///{tmp}/{scale}.db" for scale in ("small", "large")}
        return Databases("sqlite", urls, f"PostgreSQL not reachable ({type(exc).__name__})")
    names = {scale: f"testimony_bench_{scale}_{secrets.token_hex(4)}" for scale in ("small", "large")}
    with admin.connect() as conn:
        for name in names.values():
            conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            for name in names.values():
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    base = re.sub(r"/[^/]*$", "", PG_ADMIN)
    return Databases("postgresql", {s: f"{base}/{n}" for s, n in names.items()}, None, drop)


def redis_answers() -> bool:
    import redis

    try:
        for url in REDIS_URLS.values():
            redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2).flushdb()
        return True
    except redis.RedisError:
        return False


@dataclass
class Site:
    scale: str
    url: str
    contributions: int
    queued: int
    one_time_password: str = ""
    digest_slug: str = ""
    digest_export: dict[str, Any] = field(default_factory=dict)
    theme_total: int = 0
    search_matches: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    digests: int = 0


def prepare(site: Site, instance: Path) -> None:
    """Migrate, make a moderator (before the queue is filled, so items are sealed to them too),
    generate the data, and note what the pages will be asked for."""
    from flask_migrate import upgrade
    from sqlalchemy import func, select

    from devtools import generate
    from moderation import accounts
    from testimony import create_app, instance_keys, publishing, search
    from testimony.db import db
    from testimony.models import Contribution

    app = create_app({"SQLALCHEMY_DATABASE_URI": site.url, "REDIS_URL": ""}, instance_path=str(instance))
    with app.app_context():
        upgrade()
        if instance_keys.load(app) is None:
            keys, _recovery = instance_keys.create(app)
            instance_keys.apply(app, keys)
        moderator, site.one_time_password = accounts.create_moderator(MODERATOR, "moderator")
        # The key pair is made at the holder's first own password: made here, before the data,
        # so every generated item is sealed to this moderator too. TOTP is set up at login.
        accounts.set_first_password(moderator, site.one_time_password, NEW_PASSWORD)
        db.session.commit()
        made = generate.generate(site.contributions, site.queued, seed=7)
        site.seconds, site.digests = made.seconds, made.digests
        site.digest_export = export_digest()
        site.digest_slug = site.digest_export["slug"]
        themed = publishing.with_theme(publishing.published_contributions(), THEME)
        site.theme_total = int(
            db.session.scalar(select(func.count()).select_from(themed.order_by(None).subquery())) or 0
        )
        for query in (RARE_QUERY, BROAD_QUERY):
            clause = search.matching_ids(query)
            assert clause is not None, query
            site.search_matches[query] = int(
                db.session.scalar(select(func.count()).select_from(Contribution).where(clause)) or 0
            )
        db.session.remove()
        db.engine.dispose()


def export_digest() -> dict[str, Any]:
    """A recent omnibus digest of (or nearest to) 20 contributions with no responses in or out, as plain data,
    so the ceiling app renders exactly the page the site renders for it."""
    from sqlalchemy import func, select

    from testimony.db import db
    from testimony.models import Contribution, Digest, DigestKind

    candidates = db.session.scalars(
        select(Digest).where(Digest.kind == DigestKind.DIGEST).order_by(Digest.published_at.desc()).limit(400)
    )
    best: tuple[int, Any] | None = None
    for digest in candidates:
        items = list(digest.contributions)
        ids = [c.id for c in items]
        if any(c.in_reply_to_id or c.withdrawn for c in items):
            continue
        if db.session.scalar(select(func.count()).where(Contribution.in_reply_to_id.in_(ids))):
            continue
        if best is None or abs(len(items) - 20) < best[0]:
            best = (abs(len(items) - 20), digest)
        if best[0] == 0:
            break
    if best is not None:
        digest = best[1]
        items = list(digest.contributions)
        return {
            "id": digest.id,
            "slug": digest.slug,
            "title": digest.title,
            "intro_markdown": digest.intro_markdown,
            "kind": digest.kind,
            "published_at": digest.published_at.isoformat() if digest.published_at else None,
            "themes": [{"slug": t.slug, "name": t.name} for t in digest.themes],
            "contributions": [
                {
                    "id": c.id,
                    "public_id": c.public_id,
                    "text": c.text,
                    "withdrawn": c.withdrawn,
                    "themes": [{"slug": t.slug, "name": t.name} for t in c.themes],
                }
                for c in items
            ],
        }
    raise RuntimeError("no digest without responses was generated")


# ---- servers ---------------------------------------------------------------------------------


@dataclass
class Server:
    name: str
    base: str
    proc: subprocess.Popen[bytes]
    error_log: Path

    def last_errors(self, lines: int = 5) -> str:
        with contextlib.suppress(OSError):
            return " | ".join(self.error_log.read_text(errors="replace").splitlines()[-lines:])
        return ""


def start_server(
    name: str, app: str, env: dict[str, str], tmp: Path, extra: list[str] | None = None
) -> Server:
    port = free_port()
    env = {
        **env,
        "TESTIMONY_BIND": f"127.0.0.1:{port}",
        "TESTIMONY_WORKERS": str(WORKERS),
        "TESTIMONY_ACCESS_LOG": str(tmp / f"{name}-access.log"),
        "TESTIMONY_ERROR_LOG": str(tmp / f"{name}-error.log"),
    }
    cmd = [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", *(extra or []), app]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return Server(name, f"http://127.0.0.1:{port}", proc, tmp / f"{name}-error.log")


def wait_ready(server: Server, path: str = "/", limit: float = 120) -> None:
    end = time.monotonic() + limit
    while time.monotonic() < end:
        if server.proc.poll() is not None:
            raise RuntimeError(f"{server.name} exited with {server.proc.returncode}: {server.last_errors()}")
        with contextlib.suppress(requests.RequestException):
            if requests.get(server.base + path, timeout=5).status_code < 500:
                return
        time.sleep(0.3)
    raise RuntimeError(f"{server.name} did not answer within {limit} s: {server.last_errors()}")


def stop_server(server: Server) -> None:
    if server.proc.poll() is None:
        server.proc.send_signal(signal.SIGTERM)
        try:
            server.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.proc.kill()
            server.proc.wait()


def token_of(page: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    if not match:
        raise RuntimeError("no CSRF token on the page")
    return match.group(1)


def cookie_header(session: requests.Session) -> str:
    return "; ".join(f"{c.name}={c.value}" for c in session.cookies)


def desk_login(base: str, site: Site) -> str:
    """Log in through the real forms (own password, TOTP enrolment); return the cookie."""
    s = requests.Session()
    r = s.post(
        base + "/desk/login",
        data={
            "csrf_token": token_of(s.get(base + "/desk/login").text),
            "name": MODERATOR,
            "password": NEW_PASSWORD,
        },
        allow_redirects=False,
        timeout=60,
    )
    assert r.status_code == 302, f"login: {r.status_code}"
    page = s.get(base + "/desk/enrol", timeout=60).text
    secret = re.search(r"<figcaption>[^<]*<code>([A-Z2-7]+)</code>", page)
    assert secret, "no TOTP secret on the enrolment page"
    r = s.post(
        base + "/desk/enrol",
        data={"csrf_token": token_of(page), "code": pyotp.TOTP(secret.group(1)).now()},
        timeout=60,
    )
    assert r.status_code == 200 and "recovery codes" in r.text, f"enrol: {r.status_code}"
    return cookie_header(s)


def submit_form(base: str) -> tuple[str, str]:
    """A cookie and CSRF token for POST /submit (the token is tied to the cookie's session)."""
    s = requests.Session()
    token = token_of(s.get(base + "/submit", timeout=30).text)
    return cookie_header(s), token


# ---- wrk -------------------------------------------------------------------------------------

LUA = """
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) bad = 0 end
wrk.method = "%(method)s"
%(body)s
%(headers)s
function response(status, headers, body) if status ~= 200 then bad = bad + 1 end end
function done(summary, latency, requests)
  local not_ok = 0
  for _, t in ipairs(threads) do not_ok = not_ok + t:get("bad") end
  io.write(string.format(
    "WRKJSON {\\"requests\\": %%d, \\"duration_us\\": %%d, \\"not_200\\": %%d, \\"socket_errors\\": %%d, " ..
    "\\"timeouts\\": %%d, \\"p50_us\\": %%.0f, \\"p95_us\\": %%.0f, \\"p99_us\\": %%.0f, \\"mean_us\\": %%.0f}\\n",
    summary.requests, summary.duration, not_ok,
    summary.errors.connect + summary.errors.read + summary.errors.write, summary.errors.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.mean))
end
"""


@dataclass(frozen=True)
class Target:
    name: str
    path: str
    method: str = "GET"
    body: str | None = None
    cookie: str | None = None
    marker: str = ""
    # For sends: makes fresh one-time send tokens (testimony/send_tokens.py). Each request then
    # posts `body` plus the next token, as a browser posting a new form would; a repeated token
    # would be answered "already sent" (409) and measure nothing.
    tokens: Callable[[int], list[str]] | None = None


# A generous ceiling on requests a second, for how many send tokens one run needs.
MAX_SENDS_PER_SECOND = 200


def _token_field(token: str) -> str:
    return "&" + urllib.parse.urlencode({"send_token": token})


def wrk(base: str, target: Target, *, seconds: int, connections: int, tmp: Path) -> dict[str, Any]:
    headers = []
    if target.cookie:
        headers.append(f'wrk.headers["Cookie"] = [==[{target.cookie}]==]')
    body = ""
    if target.body is not None:
        body = f"wrk.body = [==[{target.body}]==]"
        headers.append('wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"')
    if target.tokens is not None:
        fields = ",".join(f'"{_token_field(t)}"' for t in target.tokens(MAX_SENDS_PER_SECOND * seconds + 100))
        body += (
            f"\nlocal fields = {{{fields}}}\nlocal next_field = 0\n"
            "request = function()\n  next_field = next_field % #fields + 1\n"
            "  return wrk.format(nil, nil, nil, wrk.body .. fields[next_field])\nend"
        )
    script = tmp / f"wrk-{target.name}.lua"
    script.write_text(LUA % {"method": target.method, "body": body, "headers": "\n".join(headers)})
    cmd = [
        "wrk",
        "-t1",
        f"-c{connections}",
        f"-d{seconds}s",
        "--timeout",
        "30s",
        "-s",
        str(script),
        base + target.path,
    ]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 90, check=False)
    line = next((x for x in done.stdout.splitlines() if x.startswith("WRKJSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk gave no result for {target.name}: {done.stdout[-300:]} {done.stderr[-300:]}")
    raw = json.loads(line[len("WRKJSON ") :])
    seconds_run = raw["duration_us"] / 1e6
    return {
        "requests": raw["requests"],
        "rps": round(raw["requests"] / seconds_run, 2) if seconds_run else 0.0,
        "p50_ms": round(raw["p50_us"] / 1000, 2),
        "p95_ms": round(raw["p95_us"] / 1000, 2),
        "p99_ms": round(raw["p99_us"] / 1000, 2),
        "mean_ms": round(raw["mean_us"] / 1000, 2),
        "not_200": raw["not_200"],
        "socket_errors": raw["socket_errors"],
        "timeouts": raw["timeouts"],
    }


def preflight(base: str, target: Target) -> None:
    """Each request must do what it is meant to (a 200 with the right page), or the numbers lie."""
    headers = {"Cookie": target.cookie} if target.cookie else {}
    if target.body is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    data = target.body
    if target.tokens is not None and data is not None:
        data += _token_field(target.tokens(1)[0])
    r = requests.request(
        target.method,
        base + target.path,
        data=data,
        headers=headers,
        timeout=120,
        allow_redirects=False,
    )
    if r.status_code != 200 or target.marker not in r.text:
        raise RuntimeError(
            f"{target.name} at {base}: status {r.status_code}, marker {target.marker!r} missing"
        )


# ---- memory ----------------------------------------------------------------------------------


def children_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                stat = (entry / "stat").read_text()
                if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                    found.append(int(entry.name))
    return sorted(found)


def memory_of(pid: int) -> dict[str, float]:
    fields: dict[str, int] = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
        key, value = line.split(":", 1)
        fields[key] = int(value.split()[0])
    mb = lambda kib: round(kib / 1024, 1)  # noqa: E731
    return {
        "rss_mb": mb(fields["Rss"]),
        "pss_mb": mb(fields["Pss"]),
        "private_mb": mb(fields["Private_Clean"] + fields["Private_Dirty"]),
        "shared_mb": mb(fields["Shared_Clean"] + fields["Shared_Dirty"]),
    }


# ---- the run ---------------------------------------------------------------------------------


def pick(rounds: list[dict[str, Any]], key: str) -> float:
    return round(statistics.median(r[key] for r in rounds), 2)


def scale_probes(
    servers: dict[str, Server], targets: dict[str, dict[str, Target]], tmp: Path
) -> list[dict[str, Any]]:
    names = list(targets["small"])
    results: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for round_ in range(ROUNDS):
        # ABBA: the order flips each round, so a drift in the machine's load favours neither.
        order = ("small", "large") if round_ % 2 == 0 else ("large", "small")
        for name in names:
            for scale in order:
                result = wrk(
                    servers[scale].base, targets[scale][name], seconds=PROBE_SECONDS, connections=1, tmp=tmp
                )
                results.setdefault((name, scale), []).append(result)
    records = []
    for name in names:
        small, large = results[(name, "small")], results[(name, "large")]
        s50, l50 = pick(small, "p50_ms"), pick(large, "p50_ms")
        s95, l95 = pick(small, "p95_ms"), pick(large, "p95_ms")
        # The ratio of each round's pair (measured seconds apart), then the median of those.
        paired = [b["p50_ms"] / a["p50_ms"] for a, b in zip(small, large, strict=True) if a["p50_ms"]]
        ratio = round(statistics.median(paired), 2) if paired else None
        records.append(
            {
                "bench": "capacity_scale",
                "endpoint": name,
                "path_large": targets["large"][name].path,
                "small_p50_ms": s50,
                "large_p50_ms": l50,
                "ratio_p50": ratio,
                "ratio_p50_per_round": [round(r, 2) for r in paired],
                "small_p95_ms": s95,
                "large_p95_ms": l95,
                "ratio_p95": round(l95 / s95, 2) if s95 else None,
                "target_ratio": 2.0,
                "met": ratio is not None and ratio <= 2.0,
                "rounds": ROUNDS,
                "not_200": sum(r["not_200"] for r in small + large),
            }
        )
    return records


def ceiling_rounds(sites: dict[str, Server], ceiling: Server, slug: str, tmp: Path) -> dict[str, Any]:
    """The digest page under load on each of `sites` ("cached": as deployed; "uncached": with
    FLASK_PUBLIC_PAGE_CACHE=false, so every request loads and renders) and on the ceiling, the
    order rotated round by round so a drift in the machine's load favours none of them."""
    target = Target("digest", f"/d/{slug}")
    contenders = {**sites, "ceiling": ceiling}
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name in contenders}
    names = list(contenders)
    for round_ in range(ROUNDS):
        for name in names[round_ % len(names) :] + names[: round_ % len(names)]:
            result = wrk(
                contenders[name].base, target, seconds=LOAD_SECONDS, connections=CONNECTIONS, tmp=tmp
            )
            runs[name].append(result)

    def ratio_of(name: str) -> tuple[float | None, list[float]]:
        pairs = [o["rps"] / b["rps"] for o, b in zip(runs[name], runs["ceiling"], strict=True) if b["rps"]]
        return (round(statistics.median(pairs), 3) if pairs else None), [round(r, 3) for r in pairs]

    record: dict[str, Any] = {"bench": "capacity_ceiling", "endpoint": "digest"}
    for name in sites:
        ratio, per_round = ratio_of(name)
        record[name] = {
            "rps": pick(runs[name], "rps"),
            "p50_ms": pick(runs[name], "p50_ms"),
            "p95_ms": pick(runs[name], "p95_ms"),
            "p99_ms": pick(runs[name], "p99_ms"),
            "ratio": ratio,
            "ratio_per_round": per_round,
        }
    ratio = record["cached"]["ratio"]
    record |= {
        "ceiling": {k: pick(runs["ceiling"], k) for k in ("rps", "p50_ms", "p95_ms", "p99_ms")},
        "ratio": ratio,
        "target_ratio": 0.5,
        "met": ratio is not None and ratio >= 0.5,
        "connections": CONNECTIONS,
        "rounds": ROUNDS,
        "not_200": sum(r["not_200"] for rs in runs.values() for r in rs),
    }
    return record


def send_tokens_for(site: Site, instance: Path) -> Callable[[int], list[str]]:
    """Mints `n` send tokens with the instance's keys, as n fresh forms would carry."""
    from testimony import create_app, send_tokens

    app = create_app({"SQLALCHEMY_DATABASE_URI": site.url, "REDIS_URL": ""}, instance_path=str(instance))

    def mint(n: int) -> list[str]:
        with app.app_context():
            return [send_tokens.issue() for _ in range(n)]

    return mint


def page_targets(
    site: Site, queue_cookie: str, submit: tuple[str, str], tokens: Callable[[int], list[str]]
) -> dict[str, Target]:
    pages = max(1, math.ceil(site.theme_total / 20))
    cookie, token = submit
    form = {"csrf_token": token, "body": TESTIMONY}
    return {
        "home": Target("home", "/", marker="Latest digests"),
        "digest": Target("digest", f"/d/{site.digest_slug}", marker=site.digest_export["title"]),
        "theme_first": Target("theme_first", f"/themes/{THEME}", marker="Contributions"),
        "theme_last": Target(
            "theme_last",
            f"/themes/{THEME}?page={pages}",
            marker=f"Page {pages} of {pages}" if pages > 1 else "Contributions",
        ),
        "search": Target("search", f"/search?q={RARE_QUERY}", marker="<mark>"),
        "search_broad": Target("search_broad", f"/search?q={BROAD_QUERY}", marker="<mark>"),
        "feed": Target("feed", "/feed.atom", marker="<feed"),
        "api": Target("api", "/api/v1/contributions", marker='"data"'),
        "queue": Target("queue", "/desk/", cookie=queue_cookie, marker="Queue"),
        "preview": Target(
            "preview",
            "/submit",
            "POST",
            urllib.parse.urlencode({**form, "preview": "1"}),
            cookie,
            "Preview: what moderators will start from",
        ),
        "send": Target(
            "send",
            "/submit",
            "POST",
            urllib.parse.urlencode({**form, "send": "1"}),
            cookie,
            "codename",
            tokens=tokens,
        ),
    }


SCALE_ENDPOINTS = ("home", "theme_first", "theme_last", "search", "search_broad", "queue")


@contextlib.contextmanager
def workspace() -> Iterator[Path]:
    tmp = Path(tempfile.mkdtemp(prefix="testimony-capacity-"))
    try:
        yield tmp
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main() -> None:
    started = time.monotonic()
    with workspace() as tmp:
        dbs = make_databases(tmp)
        servers: list[Server] = []
        redis_ok = redis_answers()
        try:
            run(tmp, dbs, redis_ok, servers, started)
        finally:
            for server in servers:
                stop_server(server)
            dbs.drop()
            if redis_ok:
                import redis

                for url in REDIS_URLS.values():
                    with contextlib.suppress(redis.RedisError):
                        redis.Redis.from_url(url).flushdb()


def run(tmp: Path, dbs: Databases, redis_ok: bool, servers: list[Server], started: float) -> None:
    instance = tmp / "instance"
    cores = len(os.sched_getaffinity(0))
    emit(
        {
            "bench": "capacity_setup",
            "database": dbs.engine,
            "database_fallback": dbs.fallback_reason,
            "redis": redis_ok,
            "gunicorn_workers": WORKERS,
            "gunicorn_threads": int(os.environ.get("TESTIMONY_THREADS", "4")),
            "cores": cores,
            "load_average_1m_at_start": round(os.getloadavg()[0], 2),
            "load_client": "wrk",
            "connections": CONNECTIONS,
        }
    )
    sites = {
        "small": Site("small", dbs.urls["small"], SMALL, max(1, QUEUED_LARGE * SMALL // max(1, LARGE))),
        "large": Site("large", dbs.urls["large"], LARGE, QUEUED_LARGE),
    }
    for site in sites.values():
        log(f"seeding {site.scale}: {site.contributions} published, {site.queued} queued")
        prepare(site, instance)
        emit(
            {
                "bench": "capacity_seed",
                "scale": site.scale,
                "contributions": site.contributions,
                "digests": site.digests,
                "queued": site.queued,
                "seconds": site.seconds,
                "theme": THEME,
                "theme_contributions": site.theme_total,
                "search_matches": site.search_matches,
            }
        )
    ceiling_json = tmp / "ceiling-digest.json"
    ceiling_json.write_text(json.dumps(sites["large"].digest_export), encoding="utf-8")

    base_env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    base_env |= {"TESTIMONY_INSTANCE_PATH": str(instance), "FLASK_RATELIMIT_ENABLED": "false"}
    env_of = {
        scale: {
            **base_env,
            "DATABASE_URL": site.url,
            **({"REDIS_URL": REDIS_URLS[scale]} if redis_ok else {}),
        }
        for scale, site in sites.items()
    }
    by_scale: dict[str, Server] = {}
    for scale in sites:
        by_scale[scale] = start_server(scale, "wsgi:app", env_of[scale], tmp)
        servers.append(by_scale[scale])
    # The same large site with its page cache off, for the ceiling's second ratio.
    uncached_env = {**env_of["large"], "FLASK_PUBLIC_PAGE_CACHE": "false"}
    uncached = start_server("large-uncached", "wsgi:app", uncached_env, tmp)
    servers.append(uncached)
    ceiling_env = {**base_env, "CAPACITY_CEILING_DIGEST": str(ceiling_json), "TESTIMONY_WARM_MODEL": "0"}
    ceiling = start_server("ceiling", "capacity_ceiling:app", ceiling_env, tmp, ["--pythonpath", str(BENCH)])
    servers.append(ceiling)
    for server in servers:
        wait_ready(server, f"/d/{sites['large'].digest_slug}" if server is ceiling else "/")
    log("servers up; logging in to the desk through the forms")

    targets = {
        scale: page_targets(
            site,
            desk_login(by_scale[scale].base, site),
            submit_form(by_scale[scale].base),
            send_tokens_for(site, instance),
        )
        for scale, site in sites.items()
    }
    for scale, server in by_scale.items():
        for target in targets[scale].values():
            preflight(server.base, target)

    log("scale: single-connection latency, small and large alternated")
    scale_records = scale_probes(
        by_scale, {s: {n: targets[s][n] for n in SCALE_ENDPOINTS} for s in targets}, tmp
    )
    for record in scale_records:
        emit(record)

    log("ceiling: the digest page against bare Flask, alternated")
    ceiling_record = ceiling_rounds(
        {"cached": by_scale["large"], "uncached": uncached}, ceiling, sites["large"].digest_slug, tmp
    )
    emit(ceiling_record)

    log("load on the large site, endpoint by endpoint")
    for name, target in targets["large"].items():
        if out_of_time():
            emit({"bench": "capacity_load", "endpoint": name, "skipped": "out of time"})
            continue
        result = wrk(by_scale["large"].base, target, seconds=LOAD_SECONDS, connections=CONNECTIONS, tmp=tmp)
        emit({"bench": "capacity_load", "endpoint": name, "scale": "large", "method": target.method,
              "connections": CONNECTIONS, "seconds": LOAD_SECONDS, **result})  # fmt: skip

    master = by_scale["large"].proc.pid
    workers = [memory_of(pid) for pid in children_of(master)]
    emit(
        {
            "bench": "capacity_memory",
            "scale": "large",
            "workers": workers,
            "worker_rss_mb_mean": round(statistics.mean(w["rss_mb"] for w in workers), 1)
            if workers
            else None,
            "worker_private_mb_mean": round(statistics.mean(w["private_mb"] for w in workers), 1)
            if workers
            else None,
            "master": memory_of(master),
            "model_loaded_in_master": True,
            "note": "after the load run; PSS splits shared pages between the processes that share them",
        }
    )
    for server in list(servers):
        stop_server(server)

    log("submission path: the share of a send in each part")
    emit(capacity_submit_path.measure(sites["large"].url, instance, SENDS))
    if dbs.engine == "postgresql":
        for record in capacity_explain.explain(
            sites["large"].url, instance, sites["large"].digest_slug, THEME, RARE_QUERY, BROAD_QUERY
        ):
            emit(record)

    missed = [r["endpoint"] for r in scale_records if not r["met"]]
    emit(
        {
            "bench": "capacity_summary",
            "ceiling_ratio": ceiling_record["ratio"],
            "ceiling_ratio_uncached": ceiling_record["uncached"]["ratio"],
            "ceiling_met": ceiling_record["met"],
            "scale_met": not missed,
            "scale_missed": missed,
            "seconds": round(time.monotonic() - started, 1),
            "load_average_1m_at_end": round(os.getloadavg()[0], 2),
        }
    )


if __name__ == "__main__":
    main()
