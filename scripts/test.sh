#!/usr/bin/env bash
# The tests: make sure .venv is installed and current, then lint and run the suite.
# Extra arguments go to pytest, e.g. ./scripts/test.sh tests/test_seed_demo.py -x -q
# Uses DATABASE_URL and REDIS_URL when set (CI points them at PostgreSQL and Redis).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/_lib.sh"

ensure_venv
say "ruff check"
.venv/bin/ruff check .
say "pytest (database: $(describe_database); Celery broker: ${REDIS_URL:+Redis from REDIS_URL}$([ -n "${REDIS_URL:-}" ] || echo "none, tasks run in-process"))"
status=0
.venv/bin/pytest "$@" || status=$?
if [ "$status" = 5 ]; then
    echo "error: pytest collected no tests; that is a failure, not a pass." >&2
fi
exit "$status"
