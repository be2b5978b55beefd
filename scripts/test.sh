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
# The API fuzz (scripts/fuzz_api.sh, ~3.5 min): always in CI; locally unless ITAM_SKIP_FUZZ=1,
# pytest was given arguments (a chosen few tests) or pytest failed.
skip_fuzz=""
if [ "${CI:-}" != true ]; then
    if [ "${ITAM_SKIP_FUZZ:-}" = 1 ]; then
        skip_fuzz="ITAM_SKIP_FUZZ=1"
    elif [ "$#" -gt 0 ]; then
        skip_fuzz="pytest was given arguments"
    elif [ "$status" != 0 ]; then
        skip_fuzz="pytest failed"
    fi
fi
if [ -z "$skip_fuzz" ]; then
    say "API fuzz: scripts/fuzz_api.sh (ITAM_SKIP_FUZZ=1 skips it outside CI)"
    fuzz_status=0
    "$ROOT/scripts/fuzz_api.sh" || fuzz_status=$?
    if [ "$status" = 0 ]; then status=$fuzz_status; fi
else
    say "API fuzz skipped: $skip_fuzz"
fi
exit "$status"
