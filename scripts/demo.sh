#!/usr/bin/env bash
# The main job on the embedded default: install, validate and compile the Titanic spec.
set -euo pipefail
cd "$(dirname "$0")/.."
SMPIPE_EXTRAS=local,aws,dev source scripts/venv.sh
mkdir -p build
smpipe validate spec/titanic-modelbuild.yaml --env dev
smpipe compile spec/titanic-modelbuild.yaml --env dev -o build/titanic-modelbuild-dev.json
echo "compiled: build/titanic-modelbuild-dev.json"
