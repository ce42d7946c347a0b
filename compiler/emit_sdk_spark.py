"""Spark steps as SDK v3 objects: ``ProcessingStep(step_args=PySparkProcessor(...).run(
submit_app, submit_py_files, submit_jars, submit_files, configuration=...))``.

PySparkProcessor builds the job: the Spark image, ``smspark-submit`` with its options, the
``conf`` input and its upload path (``<configuration_location>/<pipeline>/<step>/input/conf/
<hash>/configuration.json``, the upload itself skipped offline). Two of its methods are
overridden so the code comes from the code bundle like every other step's: the code input is
the bundle parameter (PySparkProcessor would upload ``submit_app``), and bundle dependencies
are passed as their container paths (it would upload local files). The entrypoint runs
smspark-submit behind the bundle bootstrap. docs/sdk-equivalence.md lists these differences.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any
from unittest import mock

from compiler.emit.processing import CODE_DIR
from compiler.emit.spark import SPARK_BOOTSTRAP, configuration_request, dependency_path
from compiler.model import SparkStep


def _bundled_processor_class() -> Any:
    from sagemaker.core.spark.processing import PySparkProcessor

    class BundledPySparkProcessor(PySparkProcessor):  # type: ignore[misc]
        """PySparkProcessor whose code and bundle dependencies come from the code bundle."""

        def __init__(self, bundle: Any, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            self._bundle = bundle

        def _include_code_in_inputs(self, inputs: Any, code: Any, kms_key: Any = None) -> Any:
            with_code = self._convert_code_and_add_to_inputs(inputs, self._bundle)
            self.entrypoint = ["/bin/sh", "-c", SPARK_BOOTSTRAP, *self.command, code]
            return with_code

        def _stage_submit_deps(self, submit_deps: Any, input_channel_name: str) -> Any:
            return None, ",".join(dependency_path(item) for item in submit_deps)

    return BundledPySparkProcessor


@contextlib.contextmanager
def offline_configuration_upload() -> Iterator[None]:
    """PySparkProcessor uploads configuration.json while the definition is built; offline
    that upload is skipped (``smpipe upsert`` puts the same bytes at the same URI)."""
    target = "sagemaker.core.spark.processing.S3Uploader.upload_string_as_file_body"
    with mock.patch(target, return_value=None):
        yield


def sdk_spark_step_args(
    builder: Any,
    step: SparkStep,
    inputs: list[Any],
    outputs: list[Any],
    text: Callable[[Any], Any],
) -> Any:
    """The step arguments of PySparkProcessor.run for a spark step (lazy under the
    PipelineSession: they run when the definition is built)."""
    instance_type, instance_count, volume = builder.resources(step)
    processor = _bundled_processor_class()(
        bundle=builder.parameters[builder.spec.pipeline.code_bundle],
        role=builder.spec.pipeline.role,
        image_uri=builder.images[step.image],
        instance_count=instance_count,
        instance_type=instance_type,
        volume_size_in_gb=volume,
        env=dict(step.environment) or None,
        sagemaker_session=builder.session,
        configuration_location=builder.spec.pipeline.artifacts.rstrip("/"),
    )
    return processor.run(
        submit_app=f"{CODE_DIR}/{step.script}",
        submit_py_files=list(step.py_files) or None,
        submit_jars=list(step.jars) or None,
        submit_files=list(step.files) or None,
        inputs=inputs or None,
        outputs=outputs or None,
        arguments=[text(a) for a in step.arguments] or None,
        configuration=configuration_request(step) or None,
    )
