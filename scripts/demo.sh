#!/usr/bin/env bash
# The main job on the embedded default: install, validate and compile the Titanic spec, build
# the code bundle, seed the local object store, run the pipeline on this machine (no AWS, no
# Docker) and show the steps, the metrics and the registered model package.
# State goes to .smpipe/ (or $SMPIPE_STATE_DIR). Run it twice: the second run hits the cache.
# Usage: scripts/demo.sh [SPEC]   (default spec/titanic-modelbuild.yaml; the tuning pipeline
# is scripts/demo.sh spec/examples/titanic-tuning.yaml)
set -euo pipefail
cd "$(dirname "$0")/.."
SMPIPE_EXTRAS=local source scripts/venv.sh
mkdir -p build
spec="${1:-spec/titanic-modelbuild.yaml}"
definition="build/$(basename "$spec" .yaml)-dev.json"
smpipe validate "$spec" --env dev

# The code bundle, named by the commit of pipeline/code/ and put where the definition's
# CodeBundleUri parameter will point (s3://<bucket>/pipeline/code/<sha>/pipeline_code.tar.gz).
bundle_uri="$(smpipe bundle --env dev --local-store -q)"
version="$(basename "$(dirname "$bundle_uri")")"
bucket="$(echo "$bundle_uri" | cut -d/ -f3)"
echo "code bundle: $bundle_uri"

smpipe compile "$spec" --env dev --var git_sha="$version" -o "$definition"
echo "compiled: $definition"

# The curated inputs at the URIs the definition's defaults name, in the local object store:
# the definition runs unchanged, exactly as SageMaker would get it.
smpipe put data/curated/train.csv "s3://$bucket/curated/train.csv"
smpipe put data/curated/validation.csv "s3://$bucket/curated/validation.csv"

smpipe run "$definition"
