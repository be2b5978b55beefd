#!/usr/bin/env bash
# The performance benchmark (issue 9): see bench/run.py and the README's "Benchmark" section.
#   bench/run.sh           # full: 100,000 assets, 1,000,000 history rows
#   bench/run.sh --small   # 5,000 assets, for development
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/_lib.sh"

ensure_venv
exec "$VENV/bin/python" -m bench.run "$@"
