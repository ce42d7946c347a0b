#!/usr/bin/env bash
# Run the workshop notebook headless with papermill; the executed copy (with outputs) goes to
# build/notebooks/. Fails on the first cell error.
#   bash scripts/run-notebook.sh                  # local backend, state in .smpipe/
#   bash scripts/run-notebook.sh sagemaker        # as $AWS_PROFILE (default data-science-user)
#   bash scripts/run-notebook.sh local -p STATE_DIR /tmp/nb-state   # more papermill options
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/venv.sh
backend="${1:-local}"
[ $# -gt 0 ] && shift
mkdir -p build/notebooks
out="build/notebooks/03-sagemaker-pipeline-$backend.ipynb"
papermill notebooks/03-sagemaker-pipeline.ipynb "$out" -p BACKEND "$backend" --cwd . \
  --no-progress-bar --log-output "$@"
echo "executed notebook: $out"
