"""Why a page slows as data grows: EXPLAIN ANALYZE of the statements the real code runs.

Each page is requested through the Flask test client (the queue's functions are called directly,
which needs no login) while an engine hook records every statement with its parameters; each
recorded SELECT is then run again under EXPLAIN (ANALYZE, FORMAT JSON). Each page is requested
once before it is recorded, so what is explained is the steady state a busy site sees. For each
page: how many statements, their total execution time, and the slowest ones with the plan nodes
that spend most of the time (exclusive time). PostgreSQL only.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import event


def _nodes(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield plan
    for child in plan.get("Plans", []):
        yield from _nodes(child)


def _exclusive_ms(node: dict[str, Any]) -> float:
    loops = node.get("Actual Loops", 1)
    own = node.get("Actual Total Time", 0.0) * loops
    for child in node.get("Plans", []):
        own -= child.get("Actual Total Time", 0.0) * child.get("Actual Loops", 1)
    return max(0.0, own)


def _describe(node: dict[str, Any]) -> str:
    what = node["Node Type"]
    if "Relation Name" in node:
        what += f" on {node['Relation Name']}"
    if "Index Name" in node:
        what += f" using {node['Index Name']}"
    rows = node.get("Actual Rows", 0) * node.get("Actual Loops", 1)
    return f"{what} (rows {rows}, {_exclusive_ms(node):.1f} ms)"


def _explain(connection: Any, sql: str, params: Any) -> tuple[float, list[str]]:
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql, params)
        result = cursor.fetchone()[0][0]
    nodes = sorted(_nodes(result["Plan"]), key=_exclusive_ms, reverse=True)
    return float(result["Execution Time"]), [_describe(n) for n in nodes[:3]]


def explain(url: str, instance: Path, digest: str, theme: str, rare: str, broad: str) -> list[dict[str, Any]]:
    from sqlalchemy import func, select

    from moderation.views import queue
    from testimony import create_app, publishing
    from testimony.db import db
    from testimony.models import Status

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "REDIS_URL": ""}, instance_path=str(instance))
    recorded: list[tuple[str, Any]] = []
    records = []
    with app.app_context():
        engine = db.engine

        @event.listens_for(engine, "before_cursor_execute")
        def _record(
            _conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, many: bool
        ) -> None:
            if not many and statement.lstrip().upper().startswith("SELECT"):
                recorded.append((statement, parameters))

        total = db.session.scalar(
            select(func.count()).select_from(
                publishing.with_theme(publishing.published_contributions(), theme).order_by(None).subquery()
            )
        )
        last = max(1, -(-int(total or 0) // 20))
        db.session.remove()

    client = app.test_client()
    pages: dict[str, Any] = {
        "home": "/",
        "digest": f"/d/{digest}",
        "theme_first": f"/themes/{theme}",
        "theme_last": f"/themes/{theme}?page={last}",
        "search": f"/search?q={rare}",
        "search_broad": f"/search?q={broad}",
        "queue": None,
    }
    for name, path in pages.items():
        if path is not None:
            client.get(path)  # warm: theme pages fill their per-process cache (testimony/web/page_cache.py)
        recorded.clear()
        if path is None:
            with app.app_context():
                queue.counts()
                queue.page(Status.RECEIVED, after=None, theme=None, warnings=False)
                db.session.remove()
        else:
            client.get(path)
        statements = list(recorded)
        with app.app_context():
            raw = db.engine.raw_connection()
            try:
                timed: list[dict[str, Any]] = []
                for sql, params in statements:
                    ms, plan = _explain(raw.driver_connection, sql, params)
                    timed.append({"ms": round(ms, 2), "sql": " ".join(sql.split())[:200], "plan": plan})
                raw.rollback()
            finally:
                raw.close()
        timed.sort(key=lambda t: t["ms"], reverse=True)
        records.append(
            {
                "bench": "capacity_explain",
                "page": name,
                "path": path or "/desk/ (queue.counts and queue.page)",
                "statements": len(timed),
                "db_execution_ms": round(sum(t["ms"] for t in timed), 2),
                "slowest": timed[:2],
            }
        )
    with app.app_context():
        db.engine.dispose()
    return records
