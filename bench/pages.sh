#!/usr/bin/env bash
# Every public page against a bare-Flask ceiling of its own size, page cache on and off, at two
# scales, and each page's latency at the large scale against the small (bench/pages_run.py
# explains each). JSON lines on stdout, a table on stderr.
#
#   bash bench/pages.sh           1,000 and 100,000 contributions (about 10 minutes on 2 busy cores)
#   bash bench/pages.sh --quick   500 and 5,000, shorter measurements: a smoke run, not the goals' figures
# Any PAGES_* variable set in the environment wins over both. Needs wrk (bench/capacity.sh
# installs it when run as root) and, for the figures that count, PostgreSQL at
# CAPACITY_POSTGRES_URL (otherwise SQLite files, and the JSON says so).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
if [ "${1:-}" = "--quick" ]; then
  export PAGES_SMALL=${PAGES_SMALL:-500} PAGES_LARGE=${PAGES_LARGE:-5000}
  export PAGES_SECONDS=${PAGES_SECONDS:-1} PAGES_ROUNDS=${PAGES_ROUNDS:-1} PAGES_PROBES=${PAGES_PROBES:-5}
fi
if ! command -v wrk >/dev/null; then
  echo '{"bench": "pages", "skipped": "wrk is not installed (apt-get install wrk)"}'
  exit 0
fi
timeout --kill-after=30 "${PAGES_TIMEOUT:-1800}" $PY bench/pages_run.py
