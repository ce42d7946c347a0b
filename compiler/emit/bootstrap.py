"""The code bundle's bootstrap: the shell line compiled Processing steps start with.

A module of constants only, so the local engine reads it without importing the compiler's
models (pydantic) to run a compiled definition.
"""

from __future__ import annotations

CODE_DIR = "/opt/ml/processing/input/code"
# SageMaker downloads the code bundle (CodeBundleUri) into CODE_DIR but does not unpack it,
# so the entrypoint does, then runs the step's script with the declared arguments
# ("$0" is the script, "$@" the ContainerArguments SageMaker appends).
BUNDLE_BOOTSTRAP = (
    f'set -e; cd {CODE_DIR}; for b in *.tar.gz; do tar -xzf "$b"; done; exec python3 "$0" "$@"'
)
