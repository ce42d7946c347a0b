# Sourced by the other scripts: make .venv (Python >= 3.10) and install the project into it
# when pyproject.toml changed since the last install. Extras: $SMPIPE_EXTRAS (default all).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
extras="${SMPIPE_EXTRAS:-local,aws,dev,sdk}"
venv="$root/.venv"
if [ ! -x "$venv/bin/python" ]; then
  python3 -c 'import sys; sys.exit(sys.version_info < (3, 10))' \
    || { echo "smpipe needs Python >= 3.10 (python3 is $(python3 --version))" >&2; exit 2; }
  python3 -m venv "$venv"
fi
stamp="$venv/.installed-$(echo "$extras" | tr ',' '-')"
if [ ! -f "$stamp" ] || [ "$root/pyproject.toml" -nt "$stamp" ]; then
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -e "$root[$extras]"
  touch "$stamp"
fi
export PATH="$venv/bin:$PATH"
