"""Command line: `python -m nlp.redact --jsonl` reads {"id", "text"} lines on stdin and writes
{"id", "redacted", "spans": [{"start", "end", "label"}]} lines on stdout (offsets into the input)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator

from nlp.engine import redact_many

CHUNK = 64


def _chunks(lines: Iterator[str]) -> Iterator[list[dict[str, object]]]:
    chunk: list[dict[str, object]] = []
    for line in lines:
        if line.strip():
            chunk.append(json.loads(line))
        if len(chunk) >= CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--jsonl", action="store_true", required=True, help="JSON lines in and out")
    parser.parse_args(argv)
    for chunk in _chunks(iter(sys.stdin)):
        results = redact_many([str(item["text"]) for item in chunk])
        for item, result in zip(chunk, results, strict=True):
            spans = [{"start": s.start, "end": s.end, "label": s.label} for s in result.spans]
            sys.stdout.write(
                json.dumps({"id": item["id"], "redacted": result.redacted, "spans": spans}) + "\n"
            )
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
