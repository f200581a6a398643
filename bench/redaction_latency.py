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


def main() -> None:
    text = sample_text()
    nlp.redact(text)  # load the model
    timings = []
    for _ in range(50):
        start = time.perf_counter()
        nlp.redact(text)
        timings.append((time.perf_counter() - start) * 1000)
    timings.sort()
    print(
        json.dumps(
            {
                "bench": "redaction_latency_500_words",
                "words": len(text.split()),
                "p50_ms": round(statistics.median(timings), 2),
                "p95_ms": round(timings[int(len(timings) * 0.95) - 1], 2),
                "runs": len(timings),
            }
        )
    )


if __name__ == "__main__":
    main()
