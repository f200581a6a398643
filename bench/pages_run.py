"""Every public page against the ceiling of its own size, with the page cache on and off, at
two scales; and each page's latency at the large scale against the small. JSON lines on stdout
(bench/pages.sh runs this; logs on stderr), then a table.

1. Two throwaway PostgreSQL databases (SQLite files if no server answers; the JSON says so),
   migrated and filled by devtools.generate with SMALL and LARGE published contributions.
2. gunicorn (gunicorn.conf.py, 2 workers) for each scale twice: as deployed (each worker keeps
   the HTML of digest pages and feeds, testimony/web/page_cache.py) and with
   FLASK_PUBLIC_PAGE_CACHE=false; and the ceiling (bench/pages_ceiling.py: bare Flask rendering
   a page of N bytes).
3. Ceiling: for each page and scale, wrk against the page cached, uncached, and the ceiling at
   the page's size, the order rotated round by round so drift in the machine's load favours
   none; the ratio is the median of the per-round ratios of requests a second. Goals: uncached
   >= 0.5, cached >= 1 (issue 16).
4. Scale: single-connection latency of each page (uncached) at LARGE against SMALL, the two
   alternated request by request; goal large <= 1.5x small.
"""

from __future__ import annotations

import contextlib
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
sys.path[:0] = [str(ROOT), str(BENCH)]

import capacity_run as cap  # noqa: E402 - bench helpers (databases, servers, wrk)

SMALL = int(os.environ.get("PAGES_SMALL", "1000"))
LARGE = int(os.environ.get("PAGES_LARGE", "100000"))
SECONDS = int(os.environ.get("PAGES_SECONDS", "2"))
ROUNDS = int(os.environ.get("PAGES_ROUNDS", "2"))
CONNECTIONS = int(os.environ.get("PAGES_CONNECTIONS", "8"))
PROBES = int(os.environ.get("PAGES_PROBES", "20"))
DEADLINE = time.monotonic() + float(os.environ.get("PAGES_DEADLINE_SECONDS", "1500"))
THEME = "workload"
QUERY = "photocopier"
CACHED_GOAL, UNCACHED_GOAL, SCALE_GOAL = 1.0, 0.5, 1.5


def emit(record: dict[str, Any]) -> None:
    print(json.dumps(record), flush=True)


def log(message: str) -> None:
    print(f"[pages] {message}", file=sys.stderr, flush=True)


def seed(url: str, instance: Path, contributions: int) -> dict[str, str]:
    """Migrate and fill one database; return the pages to ask it for."""
    from flask_migrate import upgrade
    from sqlalchemy import select

    from devtools import generate
    from testimony import create_app, instance_keys, publishing
    from testimony.db import db
    from testimony.models import Digest, DigestKind
    from testimony.web.filters import local

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "REDIS_URL": ""}, instance_path=str(instance))
    with app.app_context():
        upgrade()
        if instance_keys.load(app) is None:
            keys, _recovery = instance_keys.create(app)
            instance_keys.apply(app, keys)
        generate.generate(contributions, 0, seed=7)
        digest = db.session.scalar(
            publishing.published_digests().where(Digest.kind == DigestKind.DIGEST).limit(1)
        )
        assert digest is not None
        contribution = next(c for c in digest.contributions if not c.withdrawn)
        published = db.session.scalar(select(Digest.published_at).where(Digest.id == digest.id))
        year_month = local(published) if published else None
        pages = {
            "home": "/",
            "digest": f"/d/{digest.slug}",
            "contribution": f"/c/{contribution.public_id}",
            "themes": "/themes",
            "theme": f"/themes/{THEME}",
            "archive": "/archive",
            "archive_month": f"/archive/{year_month.year}/{year_month.month}" if year_month else "/archive",
            "trends": "/trends",
            "search": f"/search?q={QUERY}",
            "feed": "/feed.atom",
            "theme_feed": f"/themes/{THEME}/feed.atom",
            "api_contributions": "/api/v1/contributions",
            "api_digests": "/api/v1/digests",
            "api_digest": f"/api/v1/digests/{digest.slug}",
            "journalists": "/journalists",
            "feeds": "/feeds",
            "api_reference": "/api",
        }
        db.session.remove()
        db.engine.dispose()
    return pages


def probe(bases: dict[str, str], paths: dict[str, str]) -> dict[str, float]:
    """Median single-connection latency (ms) on each base, requests alternated between them."""
    times: dict[str, list[float]] = {name: [] for name in bases}
    sessions = {name: requests.Session() for name in bases}
    for name, base in bases.items():  # warm: connections, caches of derived figures
        sessions[name].get(base + paths[name], timeout=60)
    for _ in range(PROBES):
        for name, base in bases.items():
            started = time.perf_counter()
            sessions[name].get(base + paths[name], timeout=60)
            times[name].append((time.perf_counter() - started) * 1000)
    return {name: round(statistics.median(values), 2) for name, values in times.items()}


def main() -> None:
    with cap.workspace() as tmp:
        dbs = cap.make_databases(tmp)
        servers: list[cap.Server] = []
        try:
            run(tmp, dbs, servers)
        finally:
            for server in servers:
                cap.stop_server(server)
            dbs.drop()


def run(tmp: Path, dbs: cap.Databases, servers: list[cap.Server]) -> None:
    emit(
        {
            "bench": "pages_setup",
            "database": dbs.engine,
            "database_fallback": dbs.fallback_reason,
            "small": SMALL,
            "large": LARGE,
            "seconds": SECONDS,
            "rounds": ROUNDS,
            "connections": CONNECTIONS,
            "cores": len(os.sched_getaffinity(0)),
            "load_average_1m_at_start": round(os.getloadavg()[0], 2),
        }
    )
    scales = {"small": SMALL, "large": LARGE}
    pages: dict[str, dict[str, str]] = {}
    instances: dict[str, Path] = {}
    for scale, n in scales.items():
        instances[scale] = tmp / f"instance-{scale}"
        instances[scale].mkdir()
        started = time.monotonic()
        log(f"seeding {scale}: {n} published contributions")
        pages[scale] = seed(dbs.urls[scale], instances[scale], n)
        emit(
            {
                "bench": "pages_seed",
                "scale": scale,
                "contributions": n,
                "seconds": round(time.monotonic() - started, 1),
            }
        )

    base_env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    base_env |= {"FLASK_RATELIMIT_ENABLED": "false", "TESTIMONY_WARM_MODEL": "0"}
    sites: dict[tuple[str, str], cap.Server] = {}
    for scale in scales:
        env = {**base_env, "DATABASE_URL": dbs.urls[scale], "TESTIMONY_INSTANCE_PATH": str(instances[scale])}
        for cache, flag in (("cached", "true"), ("uncached", "false")):
            server = cap.start_server(
                f"{scale}-{cache}", "wsgi:app", {**env, "FLASK_PUBLIC_PAGE_CACHE": flag}, tmp
            )
            servers.append(server)
            sites[(scale, cache)] = server
    ceiling = cap.start_server("ceiling", "pages_ceiling:app", base_env, tmp, ["--pythonpath", str(BENCH)])
    servers.append(ceiling)
    for server in servers:
        cap.wait_ready(server, "/bytes/100" if server is ceiling else "/")

    results: list[dict[str, Any]] = []
    for scale in scales:
        for name, path in pages[scale].items():
            if time.monotonic() > DEADLINE:
                emit({"bench": "pages_ceiling", "page": name, "scale": scale, "skipped": "out of time"})
                continue
            first = requests.get(sites[(scale, "cached")].base + path, timeout=120)
            if first.status_code != 200:
                raise RuntimeError(f"{name} at {scale}: {first.status_code}")
            size = len(first.content)
            contenders = {
                "ceiling": (ceiling, f"/bytes/{size}"),
                "cached": (sites[(scale, "cached")], path),
                "uncached": (sites[(scale, "uncached")], path),
            }
            runs: dict[str, list[dict[str, Any]]] = {k: [] for k in contenders}
            order = list(contenders)
            for round_ in range(ROUNDS):
                for who in order[round_ % 3 :] + order[: round_ % 3]:
                    server, target_path = contenders[who]
                    runs[who].append(
                        cap.wrk(
                            server.base,
                            cap.Target(f"{name}-{who}", target_path),
                            seconds=SECONDS,
                            connections=CONNECTIONS,
                            tmp=tmp,
                        )
                    )

            def ratio(who: str, runs: dict[str, list[dict[str, Any]]] = runs) -> float | None:
                pairs = [
                    o["rps"] / c["rps"] for o, c in zip(runs[who], runs["ceiling"], strict=True) if c["rps"]
                ]
                return round(statistics.median(pairs), 3) if pairs else None

            record = {
                "bench": "pages_ceiling",
                "page": name,
                "scale": scale,
                "bytes": size,
                "ceiling_rps": round(statistics.median(r["rps"] for r in runs["ceiling"]), 1),
                "cached_rps": round(statistics.median(r["rps"] for r in runs["cached"]), 1),
                "uncached_rps": round(statistics.median(r["rps"] for r in runs["uncached"]), 1),
                "cached_ratio": ratio("cached"),
                "uncached_ratio": ratio("uncached"),
                "not_200": sum(r["not_200"] for rs in runs.values() for r in rs),
            }
            record["met"] = bool(
                (record["cached_ratio"] or 0) >= CACHED_GOAL
                and (record["uncached_ratio"] or 0) >= UNCACHED_GOAL
            )
            results.append(record)
            emit(record)

    scale_results: dict[str, dict[str, Any]] = {}
    for name in pages["small"]:
        if time.monotonic() > DEADLINE:
            break
        latency = probe({s: sites[(s, "uncached")].base for s in scales}, {s: pages[s][name] for s in scales})
        factor = round(latency["large"] / latency["small"], 2) if latency["small"] else None
        record = {
            "bench": "pages_scale",
            "page": name,
            "small_ms": latency["small"],
            "large_ms": latency["large"],
            "factor": factor,
            "met": factor is not None and factor <= SCALE_GOAL,
        }
        scale_results[name] = record
        emit(record)

    log("summary")
    header = f"{'page':18} {'scale':6} {'bytes':>8} {'cached/ceiling':>15} {'uncached/ceiling':>17} {'large/small':>12}"
    print(header, file=sys.stderr)
    for r in results:
        factor = scale_results.get(r["page"], {}).get("factor") if r["scale"] == "large" else None
        print(
            f"{r['page']:18} {r['scale']:6} {r['bytes']:>8} {r['cached_ratio']!s:>15} {r['uncached_ratio']!s:>17}"
            f" {'' if factor is None else factor!s:>12}",
            file=sys.stderr,
        )
    emit(
        {
            "bench": "pages_summary",
            "pages": len({r["page"] for r in results}),
            "cached_goal_met": sum(1 for r in results if (r["cached_ratio"] or 0) >= CACHED_GOAL),
            "uncached_goal_met": sum(1 for r in results if (r["uncached_ratio"] or 0) >= UNCACHED_GOAL),
            "scale_goal_met": sum(1 for r in scale_results.values() if r["met"]),
            "measured": len(results),
        }
    )


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        main()
