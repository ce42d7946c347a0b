"""Script mode: how a training job or a model runs a script from the code bundle.

The framework images (sklearn, xgboost in framework mode, pytorch) start the SageMaker
training toolkit, which reads two hyperparameters: ``sagemaker_program`` (the script) and
``sagemaker_submit_directory`` (a ``.tar.gz`` to unpack into ``/opt/ml/code``: an S3 URI it
downloads, or a local path). The submit directory is the ``CodeBundleUri`` parameter itself,
so the code travels as for every other step: no upload at compile time, and a new commit
(a new URI) changes the request and so the step's cache key. Serving containers (the
inference toolkit) read the same two settings as ``SAGEMAKER_PROGRAM`` and
``SAGEMAKER_SUBMIT_DIRECTORY`` environment variables.
"""

from __future__ import annotations

from typing import Any

from compiler.emit.values import EmitContext

PROGRAM = "sagemaker_program"
SUBMIT_DIRECTORY = "sagemaker_submit_directory"
REGION = "sagemaker_region"
# The toolkit's hyperparameters, which it takes for itself and never passes to the script.
TOOLKIT_HYPERPARAMETERS = (PROGRAM, SUBMIT_DIRECTORY, REGION)


def _bundle(ctx: EmitContext) -> dict[str, str]:
    return {"Get": f"Parameters.{ctx.spec.pipeline.code_bundle}"}


def training_hyperparameters(ctx: EmitContext, script: str) -> dict[str, Any]:
    """What the training toolkit needs to run ``script`` from the code bundle."""
    return {PROGRAM: script, SUBMIT_DIRECTORY: _bundle(ctx), REGION: ctx.region}


def inference_environment(ctx: EmitContext, script: str) -> dict[str, Any]:
    """What the inference toolkit needs to load ``script``'s model_fn / input_fn / ..."""
    return {
        PROGRAM.upper(): script,
        SUBMIT_DIRECTORY.upper(): _bundle(ctx),
        REGION.upper(): ctx.region,
        "SAGEMAKER_CONTAINER_LOG_LEVEL": "20",
    }
