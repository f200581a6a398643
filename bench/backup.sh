#!/usr/bin/env bash
# Backup and restore times at BACKUP_CONTRIBUTIONS published contributions (default 100,000) and
# BACKUP_QUEUED sealed queued submissions (default 10,000), on PostgreSQL (throwaway databases made
# with createdb, dropped at the end; skipped with a JSON line when no server answers) and SQLite.
# JSON lines on stdout (bench/backup_run.py explains each field); progress on stderr.
#
#   bash bench/backup.sh
#   BACKUP_CONTRIBUTIONS=5000 BACKUP_QUEUED=500 bash bench/backup.sh     a quick smoke run
set -euo pipefail
cd "$(dirname "$0")/.."
exec .venv/bin/python bench/backup_run.py
