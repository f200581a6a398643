"""Latency of one 500-word text once the model is loaded: p50 and p95 over repeated runs."""

from __future__ import annotations

import json
import random
import statistics
import time

import nlp

SENTENCES = [
    "My manager Sarah Collins said the caseload in the Leeds office is fine.",
    "I have been a PSO for twelve years and OASys crashed three times today.",
    "Ring the duty line on 07700 900123 if Mr Okafor turns up at HMP Lewes.",
    "Nobody from HMPPS has explained why the training was cancelled again.",
    "The approved premises in Hull called about CRN X123456 on 12 June.",
    "We were told by the Justice Secretary that things would improve, but they have not.",
]


def sample_text(words: int = 500) -> str:
    rng = random.Random(7)
    out: list[str] = []
    while sum(len(s.split()) for s in out) < words:
        out.append(rng.choice(SENTENCES))
    return " ".join(out)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(len(ordered) * share))], 2)


def main() -> None:
    text = sample_text()
    nlp.redact(text)  # load the model and build the matchers
    wall: list[float] = []
    cpu: list[float] = []
    for _ in range(50):
        start_wall, start_cpu = time.perf_counter(), time.process_time()
        nlp.redact(text)
        wall.append((time.perf_counter() - start_wall) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    # Wall time is what a submitter waits; CPU time is the same work without the noise of
    # other processes on a shared machine.
    print(
        json.dumps(
            {
                "bench": "redaction_latency_500_words",
                "words": len(text.split()),
                "p50_ms": round(statistics.median(wall), 2),
                "p95_ms": percentile(wall, 0.95),
                "cpu_p50_ms": round(statistics.median(cpu), 2),
                "cpu_p95_ms": percentile(cpu, 0.95),
                "runs": len(wall),
            }
        )
    )


if __name__ == "__main__":
    main()
