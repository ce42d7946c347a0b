#!/usr/bin/env bash
# Fresh-machine set-up time of the README's two commands: a fresh clone of REV (default HEAD)
# in a temporary folder, with empty pip, uv and smpipe caches, then
#   demo install   what scripts/demo.sh installs (scripts/venv.sh with its extras)
#   demo rest      the rest of scripts/demo.sh (validate, bundle, compile, the local run)
#   test install   what scripts/test.sh installs (scripts/venv.sh, default extras), in a
#                  second fresh clone with its own empty caches
#   infra+checks   scripts/check-infra.sh: its .venv-infra install and its checks
# Wall and CPU (user+sys) seconds each. The machine may be shared: compare CPU too.
#   bash bench/fresh_setup.sh [REV]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
rev="${1:-HEAD}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

timed() {  # label, folder, command...
  local label="$1" dir="$2"
  shift 2
  local start end
  start=$(date +%s.%N)
  if ! (cd "$dir" && /usr/bin/time -f "%U %S" -o "$work/cpu" "$@" >"$work/$label.log" 2>&1); then
    tail -n 20 "$work/$label.log" >&2
    echo "$label failed" >&2
    exit 1
  fi
  end=$(date +%s.%N)
  read -r user sys <"$work/cpu"
  python3 -c 'import sys; a = sys.argv; print(f"{a[1]:<16} wall {float(a[3]) - float(a[2]):7.1f} s   cpu {float(a[4]) + float(a[5]):7.1f} s")' \
    "$label" "$start" "$end" "$user" "$sys"
}

fresh() {  # folder: a clone of REV, and empty caches for what runs in it
  git clone --quiet "$root" "$work/$1"
  git -C "$work/$1" checkout --quiet "$(git -C "$root" rev-parse "$rev")"
  export PIP_CACHE_DIR="$work/$1-cache/pip" UV_CACHE_DIR="$work/$1-cache/uv" \
    XDG_CACHE_HOME="$work/$1-cache/xdg"
}

echo "fresh clone of $(git -C "$root" rev-parse --short "$rev"), cold caches, $(nproc) cores"
fresh demo
extras="$(sed -n 's/^SMPIPE_EXTRAS=\([a-z,]*\) source scripts\/venv.sh$/\1/p' "$work/demo/scripts/demo.sh")"
timed "demo install" "$work/demo" env SMPIPE_EXTRAS="$extras" bash -c 'source scripts/venv.sh'
timed "demo rest" "$work/demo" bash scripts/demo.sh
fresh test
timed "test install" "$work/test" bash -c 'source scripts/venv.sh'
timed "infra+checks" "$work/test" bash scripts/check-infra.sh
du -sh "$work/demo/.venv" "$work/test/.venv" | sed "s|$work/||"
