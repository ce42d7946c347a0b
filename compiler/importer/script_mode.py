"""Script mode read back: the inverse of ``compiler.emit.script_mode``. A training job's
``sagemaker_program`` / ``sagemaker_submit_directory`` / ``sagemaker_region``
hyperparameters (a model's ``SAGEMAKER_*`` environment) become ``script:`` when the
submit directory is a parameter: the code bundle."""

from __future__ import annotations

from typing import Any

from compiler.importer.context import ImportContext, ScriptUse, describe

# The training toolkit's hyperparameters (the inference toolkit's, upper case), as
# compiler/emit/script_mode.py writes them; named here so import serves any compiler version.
PROGRAM = "sagemaker_program"
SUBMIT_DIRECTORY = "sagemaker_submit_directory"
REGION = "sagemaker_region"
LOG_LEVEL = "SAGEMAKER_CONTAINER_LOG_LEVEL"


def take_script(
    ctx: ImportContext, step: str, values: dict[str, Any], path: str, *, environment: bool = False
) -> str | None:
    """The script, with its keys removed from ``values``; None when not script mode."""
    program, directory, region = (
        (k.upper() for k in (PROGRAM, SUBMIT_DIRECTORY, REGION))
        if environment
        else (PROGRAM, SUBMIT_DIRECTORY, REGION)
    )
    script, bundle = values.get(program), values.get(directory)
    target = bundle.get("Get") if isinstance(bundle, dict) and len(bundle) == 1 else None
    if not isinstance(script, str) or not (
        isinstance(target, str) and target.startswith("Parameters.")
    ):
        if isinstance(script, str):  # kept as it is; the spec's script mode reads the bundle
            ctx.scripts.append(ScriptUse(step, script, describe(bundle)))
            ctx.review(
                step,
                path,
                f"{script} comes from {describe(bundle)}, not the code bundle: "
                "put it in pipeline/code/ and use script: to take it from the bundle",
            )
        return None
    ctx.code_bundles[target.removeprefix("Parameters.")] += 1
    for key in (program, directory, region):
        values.pop(key, None)
    if environment and values.get(LOG_LEVEL) == "20":
        values.pop(LOG_LEVEL)
    return script
