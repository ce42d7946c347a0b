#!/usr/bin/env bash
# The compile path (validate, compile, graph, diff) on the LOWEST versions pyproject.toml
# admits for it (uv's lowest-direct resolution of click, pydantic, PyYAML, jsonschema), in a
# venv of its own (build/venv-lowest): the lower bounds are claims users rely on.
# Extra arguments go to pytest.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
source scripts/uv.sh
venv="$root/build/venv-lowest"
rm -rf "$venv"
"$UV" venv --quiet --python python3 "$venv"
# The project's runtime dependencies at their lower bounds; the test tools at theirs too.
"$UV" pip install --quiet --python "$venv/bin/python" --resolution lowest-direct \
  -r pyproject.toml "pytest>=9.0" "hypothesis>=6.100"
echo "== lowest versions of the compile path:"
"$UV" pip list --python "$venv/bin/python" 2>/dev/null \
  | grep -iE '^(click|pydantic|pydantic-core|pyyaml|jsonschema) ' | sed 's/^/   /'
PYTHONPATH="$root" "$venv/bin/python" -m pytest -q -p no:cacheprovider \
  tests/test_compile_golden.py tests/test_error_cases.py tests/test_cli_compile.py \
  tests/test_graph.py tests/test_diff.py tests/test_fuzz_specs.py "$@"
