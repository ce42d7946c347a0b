#!/usr/bin/env bash
# Static checks of the infrastructure code and the CI workflows, all offline:
#   1. terraform fmt -check -recursive infra/terraform (needs only the terraform binary);
#   2. checkov on infra/terraform (terraform checks) and on .github (GitHub Actions checks):
#      no failed check; a skip only as an inline `#checkov:skip=CKV_...:reason` comment;
#   3. check-jsonschema: .github/workflows/*.yml and smpipe init's workflow template against
#      GitHub's workflow schema, and action.yml against GitHub's Action schema (the copies
#      bundled with check-jsonschema: nothing downloaded).
# checkov bundles bc-python-hcl2, whose module `hcl2` clashes with python-hcl2 (which
# tests/test_terraform.py uses from .venv): so these tools live in their own venv,
# .venv-infra, installed by uv exactly as scripts/infra-tools.txt locks them (hashes
# checked), once and again only when that lock changes (bash scripts/lock.sh refreshes it).
# `terraform validate` and `plan` need the AWS provider from the Terraform registry: the
# deploy workflow runs them (see infra/terraform/README.md).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

lock="$root/scripts/infra-tools.txt"
venv="$root/.venv-infra"
stamp="$venv/.installed-$(sha256sum "$lock" | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  echo "== installing scripts/infra-tools.txt into .venv-infra (once)"
  source "$root/scripts/uv.sh"
  rm -rf "$venv"
  "$UV" venv --quiet --python python3 "$venv"
  if ! "$UV" pip install --quiet --python "$venv/bin/python" --require-hashes -r "$lock" \
    >"$venv/install.log" 2>&1; then
    tail -n 30 "$venv/install.log" >&2
    exit 1
  fi
  touch "$stamp"
fi

echo "== terraform fmt -check"
if command -v terraform >/dev/null 2>&1; then
  terraform fmt -check -recursive -diff infra/terraform
  echo "infra/terraform is formatted"
elif [ "${CI:-}" = "true" ]; then
  echo "terraform not found: CI must have Terraform >= 1.5 on PATH" >&2
  exit 2
else
  # A developer without terraform still gets the other checks; CI never skips this one.
  echo "terraform not found: skipped fmt -check (install Terraform >= 1.5 to run it)" >&2
fi

echo "== checkov (terraform)"
"$venv/bin/checkov" --quiet --compact --skip-download --framework terraform -d infra/terraform

echo "== checkov (github_actions)"
"$venv/bin/checkov" --quiet --compact --skip-download --framework github_actions -d .github

echo "== check-jsonschema (GitHub workflow schema)"
# With the workflow smpipe init writes (its {{placeholders}} sit inside strings).
"$venv/bin/check-jsonschema" --builtin-schema vendor.github-workflows .github/workflows/*.yml \
  pipeline/scaffold/template/workflow.yml

echo "== check-jsonschema (GitHub Action schema: the composite action.yml)"
"$venv/bin/check-jsonschema" --builtin-schema vendor.github-actions action.yml
