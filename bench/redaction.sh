#!/usr/bin/env bash
# Redaction quality and speed: ours against two baselines, side by side in one run, on the dev
# corpora we tune on and the fresh corpora written apart from the rules (A to D: read after their
# first score; E: held out; see bench/corpora/). Prints one JSON line per corpus, style and system (recall overall and
# per kind, keep over-redaction, collateral, words/s), a table with the ratios, the same speeds
# in CPU time, then the latency of one 500-word text.
#
#   REPEAT=10 ROUNDS=2 bash bench/redaction.sh      (REPEAT=1 for a quick look while iterating)
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
# The shared scorer sits beside the repository (../shared), or two levels up from a worktree.
if [ -z "${SCORER:-}" ]; then
  for candidate in ../shared/redaction-dev/score.py ../../shared/redaction-dev/score.py; do
    if [ -f "$candidate" ]; then SCORER=$candidate; break; fi
  done
fi
SCORER=${SCORER:-../shared/redaction-dev/score.py}
REPEAT=${REPEAT:-5}
if [ ! -f "$SCORER" ]; then
  echo '{"bench": "redaction", "skipped": "no scorer at '"$SCORER"'"}'
  exit 0
fi
if ! $PY -c "import presidio_analyzer" 2>/dev/null; then
  $PY -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements-bench.txt >&2
fi
$PY bench/redaction_bench.py "$SCORER" "$REPEAT" \
  "testimony=$PY -m nlp.redact --jsonl" \
  "spacy_naive=$PY bench/redaction_naive.py" \
  "presidio=$PY bench/redaction_presidio.py"
# The same three commands timed in CPU seconds, interleaved: steady on a busy machine.
$PY bench/redaction_cpu.py bench/corpora/dev/dev_informal.jsonl "$REPEAT" "${ROUNDS:-2}" \
  "testimony=$PY -m nlp.redact --jsonl" \
  "spacy_naive=$PY bench/redaction_naive.py" \
  "presidio=$PY bench/redaction_presidio.py"
PYTHONPATH=. $PY bench/redaction_latency.py
