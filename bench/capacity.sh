#!/usr/bin/env bash
# Measured capacity: load (wrk) against gunicorn with 2 workers on loopback, the ceiling of a
# bare Flask view, latency at 1,000 and 100,000 contributions, memory per worker, and the parts
# of a send. JSON lines on stdout only (bench/capacity_run.py explains each); logs on stderr.
#
#   bash bench/capacity.sh           the full run (about 10 minutes on 2 busy cores)
#   bash bench/capacity.sh --quick   a smoke run in about 2 minutes: 500 / 5,000 contributions,
#                                    short measurements; its figures are not the goals' figures
# Any CAPACITY_* variable of bench/capacity_run.py set in the environment wins over both.
#
# Machine prerequisites: wrk (installed here with apt-get when run as root, otherwise the run
# is skipped with a JSON line saying so); a PostgreSQL server at CAPACITY_POSTGRES_URL whose
# user may CREATE DATABASE (two throwaway databases, dropped at the end; without one, SQLite
# files and the JSON says so); Redis at CAPACITY_REDIS_URL and CAPACITY_REDIS_URL_LARGE (db 14
# and 15, flushed; optional). Python packages: the project's .venv only (pyotp is a dependency
# of the app, requests of spaCy).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
if [ "${1:-}" = "--quick" ]; then
  export CAPACITY_SMALL=${CAPACITY_SMALL:-500} CAPACITY_LARGE=${CAPACITY_LARGE:-5000}
  export CAPACITY_QUEUED=${CAPACITY_QUEUED:-500} CAPACITY_SECONDS=${CAPACITY_SECONDS:-2}
  export CAPACITY_PROBE_SECONDS=${CAPACITY_PROBE_SECONDS:-1} CAPACITY_ROUNDS=${CAPACITY_ROUNDS:-2}
  export CAPACITY_SENDS=${CAPACITY_SENDS:-2}
fi
if ! command -v wrk >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk >&2 || true
  fi
fi
if ! command -v wrk >/dev/null; then
  echo '{"bench": "capacity", "skipped": "wrk is not installed (apt-get install wrk, or build it from github.com/wg/wrk)"}'
  exit 0
fi
# Bounded: the run stops starting new measurements after CAPACITY_DEADLINE_SECONDS.
timeout --kill-after=30 "${CAPACITY_TIMEOUT:-1800}" $PY bench/capacity_run.py
