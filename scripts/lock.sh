#!/usr/bin/env bash
# Refresh the locks after a change to the dependencies (pyproject.toml, scripts/infra-tools.in):
#   bash scripts/lock.sh             # keep every locked version that still fits; lock what is new
#   bash scripts/lock.sh --upgrade   # the newest versions the ranges admit, for everything
#   bash scripts/lock.sh --upgrade-package boto3   # one package (and what it needs)
# Writes uv.lock (every extra, every platform, Python >= 3.10, with hashes) and
# scripts/infra-tools.txt; scripts/venv.sh and scripts/check-infra.sh install exactly those.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$root/scripts/uv.sh"
"$UV" lock --project "$root" "$@"
"$UV" pip compile --quiet --universal --python-version 3.11 --generate-hashes --no-header \
  "$@" "$root/scripts/infra-tools.in" -o "$root/scripts/infra-tools.txt"
echo "locked: uv.lock, scripts/infra-tools.txt (commit them with pyproject.toml)"
