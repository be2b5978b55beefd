#!/usr/bin/env bash
# The production stack, natively, end to end: gunicorn (2 workers), two Celery workers and one
# Celery beat against PostgreSQL and Redis (DEBUG=0). Creates a licence that expires in 7 days
# through the API, queues the daily licence-renewal job twice so both workers run it at once, and
# checks that exactly one reminder was recorded and sent (one e-mail to a file, one inbox row),
# that the web answers and that beat holds the six daily jobs. Stops everything it started and
# drops its database (itam_stack), pass or fail. About 30 s; CI runs it after the tests.
#
#   ./scripts/stack_check.sh
#
# Needs PostgreSQL on 127.0.0.1:5432 (user postgres, trust) and Redis on 127.0.0.1:6379; uses
# Redis database 5 and flushes it. Settings: see scripts/stack_check.py.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/_lib.sh"

ensure_venv
exec "$VENV/bin/python" scripts/stack_check.py "$@"
