#!/usr/bin/env bash
# The quick start: Python venv, dependencies, database, demo data, and the app on
# http://127.0.0.1:8000 (SQLite, Celery tasks run in-process, DEBUG on). Safe to run again.
#
#   ./scripts/quickstart.sh              # set up and serve
#   ./scripts/quickstart.sh --no-serve   # set up only (what CI checks)
#   PORT=8001 ./scripts/quickstart.sh    # another port
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/_lib.sh"

serve=1
for arg in "$@"; do
    case "$arg" in
        --no-serve) serve=0 ;;
        -h | --help) sed -n '2,8p' "$0"; exit 0 ;;
        *) echo "unknown option: $arg (try --help)" >&2; exit 2 ;;
    esac
done

ensure_venv
say "Database: $(describe_database)"
.venv/bin/python manage.py migrate --noinput
say "Demo data"
.venv/bin/python manage.py seed_demo
if [ "$serve" = 1 ]; then
    port="${PORT:-8000}"
    say "Serving on http://127.0.0.1:$port/ (Ctrl+C to stop)"
    exec .venv/bin/python manage.py runserver "127.0.0.1:$port"
fi
