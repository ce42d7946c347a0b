"""How many steps of one execution the local engine runs at once.

SageMaker takes it from the pipeline's ParallelismConfiguration (MaxParallelExecutionSteps,
set on CreatePipeline/UpdatePipeline, overridable per Start/RetryPipelineExecution); without
one, "a pipeline performs all steps that are available to run in parallel" (SageMaker's
developer guide, "Pipeline Execution using Parallelism Configuration"; botocore's model gives
the field only a minimum of 1). This machine is not a fleet, so the local engine also caps it:
``--max-parallel``, else ``SMPIPE_MAX_PARALLEL``, else the number of cores it may use.
"""

from __future__ import annotations

import os

from pipeline.local.errors import LocalEngineError

MAX_PARALLEL_ENV = "SMPIPE_MAX_PARALLEL"
# SageMaker's default MaxParallelExecutionSteps: none, every ready step runs.
SAGEMAKER_DEFAULT_MAX_PARALLEL: int | None = None


def usable_cores() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # not Linux
        return max(1, os.cpu_count() or 1)


def local_limit(explicit: int | None = None) -> int:
    """The local cap: ``explicit`` (``--max-parallel``), else the environment, else cores."""
    if explicit is not None:
        if explicit < 1:
            raise LocalEngineError(f"the local parallelism must be 1 or more, not {explicit}")
        return explicit
    text = os.environ.get(MAX_PARALLEL_ENV, "").strip()
    if not text:
        return usable_cores()
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise LocalEngineError(f"{MAX_PARALLEL_ENV}={text!r}: expected a whole number, 1 or more")
    return value


def step_limit(pipeline_max: int | None, local: int) -> int:
    """At most ``pipeline_max`` (the pipeline's MaxParallelExecutionSteps) and ``local``."""
    if pipeline_max is None:
        pipeline_max = SAGEMAKER_DEFAULT_MAX_PARALLEL
    return local if pipeline_max is None else max(1, min(pipeline_max, local))
