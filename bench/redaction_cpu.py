"""Throughput in CPU time, for a machine that is busy with other work.

score.py times each system by the wall clock, one after another, so a burst of load on a shared
machine can move a ratio by a factor of two. This runs the same commands on the same input
(the corpus fed REPEAT times), interleaved over several rounds, and counts the CPU seconds each
child process used (user + system, from getrusage). It prints one JSON line per system with the
best round's words per CPU second, then the ratios.

    redaction_cpu.py CORPUS REPEAT ROUNDS NAME=COMMAND [NAME=COMMAND ...]
"""

from __future__ import annotations

import json
import re
import resource
import shlex
import subprocess
import sys

MARK = re.compile(r"\[\[[A-Z]+:([^\]]+)\]\]|\{\{KEEP:([^}]+)\}\}")


def plain_texts(path: str) -> list[tuple[str, str]]:
    rows = []
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                item = json.loads(line)
                text = MARK.sub(lambda m: m.group(1) or m.group(2), item["text"])
                rows.append((str(item["id"]), text))
    return rows


def cpu_seconds(command: str, payload: str) -> float:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(shlex.split(command), input=payload, text=True, check=True, capture_output=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main(argv: list[str]) -> None:
    corpus, repeat, rounds = argv[0], int(argv[1]), int(argv[2])
    systems = dict(arg.split("=", 1) for arg in argv[3:])
    rows = plain_texts(corpus)
    payload = "".join(
        json.dumps({"id": f"{i}#{r}", "text": t}) + "\n" for r in range(repeat) for i, t in rows
    )
    words = repeat * sum(len(t.split()) for _, t in rows)
    best = dict.fromkeys(systems, float("inf"))
    for _ in range(rounds):
        for name, command in systems.items():
            best[name] = min(best[name], cpu_seconds(command, payload))
    rates = {name: round(words / seconds) for name, seconds in best.items()}
    for name, rate in rates.items():
        print(json.dumps({"bench": "redaction_cpu", "system": name, "words_per_cpu_s": rate}))
    names = list(systems)
    ours = names[0]
    print(
        json.dumps(
            {
                "bench": "redaction_cpu_ratios",
                **{f"cpu_speed_vs_{other}": round(rates[ours] / rates[other], 3) for other in names[1:]},
            }
        )
    )


if __name__ == "__main__":
    main(sys.argv[1:])
