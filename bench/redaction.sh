#!/usr/bin/env bash
# Redaction quality and speed: ours against two baselines, side by side in one run.
# Prints one JSON line per system (score.py), the ratios, the same in CPU time, then the
# latency of one 500-word text.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
SCORER=${SCORER:-../shared/redaction-dev/score.py}
CORPUS=${CORPUS:-../shared/redaction-dev/dev.jsonl}
REPEAT=${REPEAT:-10}
if [ ! -f "$SCORER" ]; then
  echo '{"bench": "redaction", "skipped": "no scorer at '"$SCORER"'"}'
  exit 0
fi
if ! $PY -c "import presidio_analyzer" 2>/dev/null; then
  $PY -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements-bench.txt >&2
fi
out=$(mktemp)
$PY "$SCORER" "$CORPUS" --repeat "$REPEAT" \
  --system testimony "$PY -m nlp.redact --jsonl" \
  --system spacy_naive "$PY bench/redaction_naive.py" \
  --system presidio "$PY bench/redaction_presidio.py" | tee "$out"
$PY - "$out" <<'PY'
import json, sys
rows = {r["system"]: r for r in (json.loads(l) for l in open(sys.argv[1]) if l.startswith("{"))}
ours, naive, presidio = rows["testimony"], rows["spacy_naive"], rows["presidio"]
print(json.dumps({
    "bench": "redaction_ratios",
    "speed_vs_naive": round(ours["words_per_s"] / naive["words_per_s"], 3),
    "speed_vs_presidio": round(ours["words_per_s"] / presidio["words_per_s"], 3),
    "recall_minus_naive": round(ours["recall"] - naive["recall"], 3),
    "recall_minus_presidio": round(ours["recall"] - presidio["recall"], 3),
    "targets_met": ours["recall"] >= 0.97 and ours["keep_over_redacted"] <= 0.05 and ours["collateral"] <= 0.03
        and ours["words_per_s"] >= 0.7 * naive["words_per_s"] and ours["words_per_s"] >= 1.5 * presidio["words_per_s"],
}))
PY
rm -f "$out"
# The same three commands timed in CPU seconds, interleaved: steady on a busy machine.
$PY bench/redaction_cpu.py "$CORPUS" "$REPEAT" "${ROUNDS:-2}" \
  "testimony=$PY -m nlp.redact --jsonl" \
  "spacy_naive=$PY bench/redaction_naive.py" \
  "presidio=$PY bench/redaction_presidio.py"
PYTHONPATH=. $PY bench/redaction_latency.py
