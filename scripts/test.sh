#!/usr/bin/env bash
# Every check CI runs, after installing what they need: lint, format, types, tests.
# Extra arguments go to pytest (e.g. scripts/test.sh -k compile -x).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/venv.sh
echo "== ruff"; ruff check . && ruff format --check .
echo "== mypy"; mypy
echo "== infra"; bash scripts/check-infra.sh
echo "== pytest"; pytest "$@"
