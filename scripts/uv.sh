# Sourced by the other scripts: sets $UV to uv at the version of scripts/uv-requirements.txt.
# A uv of that version on PATH is used as it is; otherwise it is installed once (pip, hashes
# checked) into ${XDG_CACHE_HOME:-~/.cache}/smpipe/uv-<version>, shared by every checkout.
set -euo pipefail
uv_requirements="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/uv-requirements.txt"
uv_version="$(sed -n 's/^uv==\([0-9.]*\).*/\1/p' "$uv_requirements")"
if command -v uv >/dev/null 2>&1 && [ "$(uv --version | cut -d' ' -f2)" = "$uv_version" ]; then
  UV="$(command -v uv)"
else
  uv_home="${XDG_CACHE_HOME:-$HOME/.cache}/smpipe/uv-$uv_version"
  if [ ! -x "$uv_home/bin/uv" ]; then
    rm -rf "$uv_home.partial"
    mkdir -p "$(dirname "$uv_home")"
    if ! python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore \
      --no-warn-script-location --require-hashes --only-binary :all: \
      --target "$uv_home.partial" -r "$uv_requirements" >"$uv_home.log" 2>&1; then
      cat "$uv_home.log" >&2
      echo "could not install uv $uv_version (see above)" >&2
      exit 1
    fi
    rm -rf "$uv_home"
    mv "$uv_home.partial" "$uv_home"
  fi
  UV="$uv_home/bin/uv"
fi
# Only the machine's Python: never download an interpreter.
export UV_PYTHON_DOWNLOADS=never
