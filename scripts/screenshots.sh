#!/usr/bin/env bash
# The README's screenshots: runs the end-to-end suite (tests/e2e: gunicorn on its own PostgreSQL
# database with the demo data, headless Chromium) and keeps its screenshots in docs/screenshots.
#
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/itam ./scripts/screenshots.sh
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/_lib.sh"

ensure_venv
ITAM_SCREENSHOTS="$ROOT/docs/screenshots" exec "$VENV/bin/pytest" -q tests/e2e "$@"
