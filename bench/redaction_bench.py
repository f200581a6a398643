"""Redaction quality and speed on every corpus, ours against two baselines, in one run.

    redaction_bench.py SCORER REPEAT NAME=COMMAND [NAME=COMMAND ...]

Corpora (bench/corpora/): the two dev files we tune on, then the fresh corpora written apart
from the rules: A to D (each held out until its first score, then its misses read for
contexts) and E (held out; only these aggregate figures are ever looked at). Each system runs once per corpus, on the corpus fed REPEAT times
(the first copy is scored, the whole run timed, start-up included), and is scored with the
shared scorer's own functions: overall and per style file (prose, threads, forms). One JSON line
per corpus, style and system, then a table with the ratios side by side. Nothing here prints a
missed span.
"""

from __future__ import annotations

import importlib.util
import json
import shlex
import subprocess
import sys
import time
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parent / "corpora"
CORPORA: dict[str, list[Path]] = {
    "dev": [ROOT / "dev" / "dev.jsonl"],
    "dev_informal": [ROOT / "dev" / "dev_informal.jsonl"],
    "fresh_a": [ROOT / "fresh-a" / f"{style}.jsonl" for style in ("prose", "threads", "forms")],
    "fresh_b": [ROOT / "fresh-b" / f"{style}.jsonl" for style in ("prose", "threads", "forms")],
    "fresh_c": [ROOT / "fresh-c" / f"{style}.jsonl" for style in ("prose", "threads", "forms")],
    "fresh_d": [ROOT / "fresh-d" / f"{style}.jsonl" for style in ("prose", "threads", "forms")],
    "fresh_e": [ROOT / "fresh-e" / f"{style}.jsonl" for style in ("prose", "threads", "forms")],
}
KINDS = ("PERSON", "PLACE", "ORG", "CONTACT", "ID", "DATE")


def load_scorer(path: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location("redaction_scorer", path)
    if spec is None or spec.loader is None:
        raise SystemExit(f"cannot load the scorer at {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run(command: str, docs: list[tuple[str, str, Any]], repeat: int) -> tuple[dict[str, Any], float]:
    payload = "".join(
        json.dumps({"id": i if r == 0 else f"{i}#{r}", "text": t}) + "\n"
        for r in range(repeat)
        for i, t, _ in docs
    )
    started = time.perf_counter()
    done = subprocess.run(shlex.split(command), input=payload, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{command} failed ({done.returncode}): {done.stderr[-2000:]}")
    results = {}
    for line in done.stdout.splitlines():
        if line.strip():
            row = json.loads(line)
            results[row["id"]] = row
    return results, elapsed


def figures(scorer: ModuleType, docs: list[tuple[str, str, Any]], results: dict[str, Any]) -> dict[str, Any]:
    found, total, keep_hit, keep_total, struck, other, leaks, _misses = scorer.score(docs, results)
    row: dict[str, Any] = {
        "texts": len(docs),
        "spans": sum(total.values()),
        "recall": round(sum(found.values()) / max(1, sum(total.values())), 4),
    }
    for kind in KINDS:
        if total[kind]:
            row[f"recall_{kind}"] = round(found[kind] / total[kind], 3)
    row["keep_over_redacted"] = round(keep_hit["KEEP"] / max(1, keep_total["KEEP"]), 3)
    row["collateral"] = round(struck / max(1, other), 4)
    row["literal_leaks"] = len(leaks)
    return row


def main(argv: list[str]) -> None:
    scorer = load_scorer(argv[0])
    repeat = int(argv[1])
    systems = dict(arg.split("=", 1) for arg in argv[2:])
    table: list[dict[str, Any]] = []
    for corpus, files in CORPORA.items():
        if not all(f.exists() for f in files):
            print(json.dumps({"bench": "redaction_quality", "corpus": corpus, "skipped": "not present"}))
            continue
        per_file = {f.stem: scorer.load(str(f)) for f in files}
        docs = [d for rows in per_file.values() for d in rows]
        words = repeat * sum(len(t.split()) for _, t, _ in docs)
        for name, command in systems.items():
            results, elapsed = run(command, docs, repeat)
            row = {"bench": "redaction_quality", "corpus": corpus, "style": "all", "system": name}
            row |= figures(scorer, docs, results) | {"words_per_s": round(words / elapsed)}
            print(json.dumps(row), flush=True)
            table.append(row)
            if len(files) > 1:
                for style, rows in per_file.items():
                    part = {"bench": "redaction_quality", "corpus": corpus, "style": style, "system": name}
                    part |= figures(scorer, rows, results)
                    print(json.dumps(part), flush=True)
                    table.append(part)
    print_table(table, list(systems))


def print_table(table: list[dict[str, Any]], names: list[str]) -> None:
    """Side by side: for each corpus and style, recall, PERSON, keep struck and collateral per
    system, and the speed ratios of the first system (ours) to the others."""
    ours = names[0]
    print()
    header = (
        f"{'corpus/style':<22}"
        + "".join(f"{n[:10]:>34}" for n in names)
        + "   speed vs "
        + ", ".join(names[1:])
    )
    print(header)
    print(f"{'':<22}" + "".join(f"{'recall PERSON keep coll':>34}" for _ in names))
    keys = sorted(
        {(r["corpus"], r["style"]) for r in table},
        key=lambda k: (list(CORPORA).index(k[0]), k[1] != "all", k[1]),
    )
    for corpus, style in keys:
        rows = {r["system"]: r for r in table if r["corpus"] == corpus and r["style"] == style}
        cells = ""
        for name in names:
            r = rows.get(name)
            if r is None:
                cells += f"{'-':>34}"
                continue
            cells += (
                f"{r['recall']:>12.3f}{r.get('recall_PERSON', float('nan')):>7.3f}"
                f"{r['keep_over_redacted']:>7.3f}{r['collateral']:>8.4f}"
            )
        speeds = ""
        if style == "all" and ours in rows:
            speeds = "   " + ", ".join(
                f"{rows[ours]['words_per_s'] / rows[n]['words_per_s']:.2f}x" for n in names[1:] if n in rows
            )
        print(f"{corpus + '/' + style:<22}{cells}{speeds}")


if __name__ == "__main__":
    main(sys.argv[1:])
