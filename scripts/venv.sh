# Sourced by the other scripts: make .venv (Python >= 3.10) and install into it exactly what
# uv.lock pins for the extras $SMPIPE_EXTRAS (default local,aws,dev,sdk,spark), with the project
# itself editable; again only when pyproject.toml or uv.lock changed since the last install.
# After a change to the dependencies in pyproject.toml, refresh the lock: bash scripts/lock.sh
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
extras="${SMPIPE_EXTRAS:-local,aws,dev,sdk,spark}"
venv="$root/.venv"
if [ ! -x "$venv/bin/python" ]; then
  python3 -c 'import sys; sys.exit(sys.version_info < (3, 10))' \
    || { echo "smpipe needs Python >= 3.10 (python3 is $(python3 --version))" >&2; exit 2; }
  python3 -m venv "$venv"
fi
stamp="$venv/.installed-$(echo "$extras" | tr ',' '-')"
if [ ! -f "$stamp" ] || [ "$root/pyproject.toml" -nt "$stamp" ] || [ "$root/uv.lock" -nt "$stamp" ]; then
  source "$root/scripts/uv.sh"
  # --inexact: what another script's extras installed stays (demo.sh then test.sh then demo.sh).
  sync=("$UV" sync --project "$root" --python "$venv/bin/python" --inexact --quiet)
  IFS=',' read -ra wanted <<<"$extras"
  for extra in "${wanted[@]}"; do sync+=(--extra "$extra"); done
  if ! "${sync[@]}" --locked 2>"$venv/uv-sync.log"; then
    if ! grep -q "needs to be updated" "$venv/uv-sync.log"; then
      cat "$venv/uv-sync.log" >&2
      exit 1
    fi
    # Dependencies changed without a refresh of the lock: keep going on a refreshed lock
    # (uv keeps every locked version that still fits), and say so.
    echo "warning: uv.lock does not match pyproject.toml; locking again (commit the result of" \
      "bash scripts/lock.sh)" >&2
    "${sync[@]}"
  fi
  touch "$stamp"
fi
export PATH="$venv/bin:$PATH"
