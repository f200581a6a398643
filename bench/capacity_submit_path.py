"""Where the time of a `send` goes: redaction, key derivation, encryption, the database, other.

A real POST /submit through the Flask test client, against the bench's large database with the
production Argon2id cost, with time.perf_counter wrapped around the real functions the view
calls (patched in this process only; the app's code is not changed):

* redaction: nlp.redact
* key_derivation: testimony.codenames.derive (two Argon2id runs: lookup id and key seed)
* encryption: testimony.crypto.encrypt and crypto.wrap (the blob, and its key wrapped to each reader)
* database: the driver's execute, executemany, commit and ping (time waiting on the database)
* other: the rest (form parsing, CSRF, ORM bookkeeping, templates)
"""

from __future__ import annotations

import re
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from capacity_text import TESTIMONY

PARTS = ("redaction", "key_derivation", "encryption", "database")


class Clock:
    def __init__(self) -> None:
        self.spent = dict.fromkeys(PARTS, 0.0)
        self.depth = 0

    def wrap(self, part: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            # Only the outermost timed call counts, so nested parts are not counted twice.
            if self.depth:
                return fn(*args, **kwargs)
            self.depth += 1
            start = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self.spent[part] += time.perf_counter() - start
                self.depth -= 1

        return timed


def measure(url: str, instance: Path, sends: int) -> dict[str, Any]:
    import nlp
    from testimony import codenames, create_app, crypto
    from testimony.db import db

    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": url, "REDIS_URL": "", "RATELIMIT_ENABLED": False},
        instance_path=str(instance),
    )
    argon = (app.config["CODENAME_ARGON2_TIME_COST"], app.config["CODENAME_ARGON2_MEMORY_KIB"])
    clock = Clock()
    nlp.redact = clock.wrap("redaction", nlp.redact)
    codenames.derive = clock.wrap("key_derivation", codenames.derive)
    crypto.encrypt = clock.wrap("encryption", crypto.encrypt)
    crypto.wrap = clock.wrap("encryption", crypto.wrap)
    with app.app_context():
        dialect = db.engine.dialect
        for name in ("do_execute", "do_executemany", "do_execute_no_params", "do_commit", "do_ping"):
            setattr(dialect, name, clock.wrap("database", getattr(dialect, name)))
    client = app.test_client()

    def fresh_form() -> dict[str, str]:
        # Each form sends once (testimony/send_tokens.py): a new form, so a new token, per send.
        page = client.get("/submit").get_data(as_text=True)
        fields = dict(re.findall(r'name="(csrf_token|send_token)" value="([^"]+)"', page))
        assert len(fields) == 2, "no CSRF or send token"
        return {**fields, "body": TESTIMONY, "send": "1"}

    client.post("/submit", data=fresh_form())  # the first send pays for loading the model; not counted
    totals: list[float] = []
    parts: dict[str, list[float]] = {p: [] for p in PARTS}
    for _ in range(sends):
        form = fresh_form()  # not timed
        clock.spent = dict.fromkeys(PARTS, 0.0)
        start = time.perf_counter()
        response = client.post("/submit", data=form)
        total = time.perf_counter() - start
        assert response.status_code == 200 and "codename" in response.get_data(as_text=True)
        totals.append(total)
        for p in PARTS:
            parts[p].append(clock.spent[p])
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    mean_total = statistics.mean(totals)
    ms = {p: round(statistics.mean(v) * 1000, 2) for p, v in parts.items()}
    ms["other"] = round(mean_total * 1000 - sum(ms.values()), 2)
    share = {p: round(v / (mean_total * 1000), 3) for p, v in ms.items()}
    return {
        "bench": "capacity_submission_path",
        "sends": sends,
        "words": len(TESTIMONY.split()),
        "argon2id": {"time_cost": argon[0], "memory_kib": argon[1], "runs_per_send": 2},
        "total_ms_mean": round(mean_total * 1000, 2),
        "total_ms_p50": round(statistics.median(totals) * 1000, 2),
        "ms": ms,
        "share": share,
        "slowest": max(ms, key=lambda k: ms[k]),
    }
