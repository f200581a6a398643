#!/usr/bin/env bash
# Measured capacity: load (wrk) against gunicorn with 2 workers on loopback, the ceiling of a
# bare Flask view, latency at 1,000 and 100,000 contributions, memory per worker, and the parts
# of a send. JSON lines on stdout only (bench/capacity_run.py explains each); logs on stderr.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
if ! command -v wrk >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk >&2 || true
  fi
fi
if ! command -v wrk >/dev/null; then
  echo '{"bench": "capacity", "skipped": "wrk is not installed (apt-get install wrk)"}'
  exit 0
fi
# Bounded: the run stops starting new measurements after CAPACITY_DEADLINE_SECONDS.
timeout --kill-after=30 "${CAPACITY_TIMEOUT:-1800}" $PY bench/capacity_run.py
