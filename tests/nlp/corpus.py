"""Reading the inline-annotated corpora ([[KIND:surface]] to strike, {{KEEP:surface}} to keep)
and scoring the engine on them the way the shared scorer does: a gold span is protected when
every letter and digit in it is inside a predicted span."""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import nlp

MARK = re.compile(r"\[\[(PERSON|PLACE|ORG|CONTACT|ID|DATE):([^\]]+)\]\]|\{\{KEEP:([^}]+)\}\}")
DATA = Path(__file__).parent / "data"


@dataclass(frozen=True)
class Gold:
    start: int
    end: int
    kind: str
    surface: str


def parse(marked: str) -> tuple[str, list[Gold]]:
    out: list[str] = []
    gold: list[Gold] = []
    position = last = 0
    for match in MARK.finditer(marked):
        out.append(marked[last : match.start()])
        position += match.start() - last
        surface = match.group(2) or match.group(3)
        gold.append(Gold(position, position + len(surface), match.group(1) or "KEEP", surface))
        out.append(surface)
        position += len(surface)
        last = match.end()
    out.append(marked[last:])
    return "".join(out), gold


def load(name: str) -> list[tuple[str, str, list[Gold]]]:
    rows = []
    for line in (DATA / name).read_text(encoding="utf-8").splitlines():
        if line.strip():
            item = json.loads(line)
            text, gold = parse(item["text"])
            rows.append((item["id"], text, gold))
    return rows


@dataclass
class Score:
    found: Counter[str]
    total: Counter[str]
    kept_struck: int
    kept_total: int
    collateral: float
    misses: list[tuple[str, str, str]]

    def combine(self, other: Score) -> Score:
        # Collateral is the larger of the two: a threshold check must hold for each corpus.
        return Score(
            self.found + other.found,
            self.total + other.total,
            self.kept_struck + other.kept_struck,
            self.kept_total + other.kept_total,
            max(self.collateral, other.collateral),
            self.misses + other.misses,
        )

    def recall(self, kind: str | None = None) -> float:
        if kind is None:
            return sum(self.found.values()) / max(1, sum(self.total.values()))
        return self.found[kind] / max(1, self.total[kind])


def score(name: str) -> Score:
    rows = load(name)
    results = nlp.redact_many([text for _id, text, _gold in rows])
    found: Counter[str] = Counter()
    total: Counter[str] = Counter()
    kept_struck = kept_total = struck_other = other = 0
    misses: list[tuple[str, str, str]] = []
    for (doc_id, text, gold), result in zip(rows, results, strict=True):
        covered = [False] * len(text)
        for span in result.spans:
            for k in range(span.start, span.end):
                covered[k] = True
        in_gold = [False] * len(text)
        for g in gold:
            letters = [k for k in range(g.start, g.end) if text[k].isalnum()]
            if g.kind == "KEEP":
                kept_total += 1
                kept_struck += any(covered[k] for k in letters)
                continue
            for k in range(g.start, g.end):
                in_gold[k] = True
            total[g.kind] += 1
            if all(covered[k] for k in letters):
                found[g.kind] += 1
            else:
                misses.append((doc_id, g.kind, g.surface))
        for k, ch in enumerate(text):
            if ch.isalnum() and not in_gold[k]:
                other += 1
                struck_other += covered[k]
    return Score(found, total, kept_struck, kept_total, struck_other / max(1, other), misses)
