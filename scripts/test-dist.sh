#!/usr/bin/env bash
# The installed package, as users get it: builds the sdist and wheel, installs the wheel in a
# clean venv (the `local` extra at uv.lock's versions) and runs every command from a folder
# outside the checkout (tests/test_dist.py). CI runs it after scripts/test.sh.
# Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
SMPIPE_EXTRAS="${SMPIPE_EXTRAS:-dev}" source scripts/venv.sh
source scripts/uv.sh
export UV SMPIPE_DIST=1
pytest -p no:cacheprovider tests/test_dist.py "$@"
