"""``SageMakerBackend``: the ``pipeline.backends.interface.Backend`` protocol on SageMaker Pipelines.

SDK v3 first: pipelines, executions, steps, parameters, retry and the model registry go
through ``sagemaker.core.resources`` (the SDK v3 resource layer). boto3 is used only where
the SDK does not cover the call; each such call says why and on which resource.

``sagemaker.mlops.workflow.pipeline.Pipeline`` (the SDK's upsert/start) is not used: it
regenerates the definition from SDK step objects, while the compiled JSON is the contract
here, and importing ``sagemaker.mlops`` creates a default boto3 client at import time.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping
from itertools import islice
from typing import Any

from botocore.exceptions import ClientError

from compiler.errors import UsageError
from pipeline.backends import spark_conf
from pipeline.backends.callbacks import CallbackRecord
from pipeline.backends.interface import (
    TERMINAL_EXECUTION_STATUSES,
    ExecutionSummary,
    ModelPackage,
    ParameterValue,
    StepRecord,
)
from pipeline.sagemaker import callbacks, records
from pipeline.sagemaker.connection import AwsConnection
from pipeline.sagemaker.errors import AwsError, is_missing_pipeline
from pipeline.sagemaker.jobs import processing_outputs, step_log_text
from pipeline.sagemaker.polling import PollPacer, backoff_delays
from pipeline.sagemaker.registry import ModelRegistry
from pipeline.sagemaker.s3 import head_object, parse_s3_uri, read_small_object
from pipeline.sagemaker.sdk import sdk_resources, sdk_shapes
from pipeline.sagemaker.session import AwsSettings, SmpipeBotoSession

MAX_LISTED = 50  # executions a listing shows (each one is described)
RECENT_PIPELINES = 10  # pipelines searched when no pipeline is named


class SageMakerBackend:
    """Drive SageMaker Pipelines as ``AWS_PROFILE``/``AWS_REGION`` (or ``settings``) say."""

    name = "sagemaker"

    def __init__(
        self,
        settings: AwsSettings | None = None,
        *,
        session: SmpipeBotoSession | None = None,
        pacer: PollPacer | None = None,
    ) -> None:
        self.aws = AwsConnection(settings, session)
        self.settings = self.aws.settings
        self.registry = ModelRegistry(self.aws)
        self.pacer = pacer or PollPacer()
        self._definitions: dict[str, str] = {}  # execution ARN -> the definition it ran
        self._finished: set[str] = set()  # executions seen in a terminal status

    def poll_delays(self) -> Iterator[float]:
        """Seconds to wait between polls while watching: exponential backoff, capped."""
        return backoff_delays()

    # ---- pipelines ----
    def upsert(
        self,
        pipeline_name: str,
        definition: str,
        role_arn: str,
        description: str | None,
        settings: Mapping[str, Any] | None = None,
    ) -> str:
        """Create the pipeline, or update its definition, role, description and parallelism;
        tags are set at creation and added on update (UpdatePipeline takes none)."""
        if not role_arn:
            raise UsageError(
                f"no execution role for pipeline {pipeline_name!r}: set pipeline.role in the "
                "spec or pass --role-arn"
            )
        self._stage_spark_configuration(definition)
        resources = sdk_resources()
        shapes = sdk_shapes()
        settings = settings or {}
        optional: dict[str, Any] = {"pipeline_description": description} if description else {}
        parallelism = (settings.get("ParallelismConfiguration") or {}).get(
            "MaxParallelExecutionSteps"
        )
        if parallelism is not None:
            optional["parallelism_configuration"] = shapes.ParallelismConfiguration(
                max_parallel_execution_steps=parallelism
            )
        tags = list(settings.get("Tags") or [])
        with self.aws.errors("upsert pipeline", pipeline_name):
            existing = self._find_pipeline(pipeline_name)
            if existing is None:
                created = resources.Pipeline.create(
                    pipeline_name=pipeline_name,
                    client_request_token=str(uuid.uuid4()),
                    role_arn=role_arn,
                    pipeline_definition=definition,
                    **(
                        {"tags": [shapes.Tag(key=t["Key"], value=t["Value"]) for t in tags]}
                        if tags
                        else {}
                    ),
                    **optional,
                    **self.aws.where(),
                )
                return str(created.pipeline_arn)
            existing.update(pipeline_definition=definition, role_arn=role_arn, **optional)
            if tags:
                # boto3: the SDK's Pipeline.update() takes no tags (UpdatePipeline has none).
                # Resource: the pipeline (sagemaker:AddTags).
                self.aws.client("sagemaker").add_tags(
                    ResourceArn=str(existing.pipeline_arn), Tags=tags
                )
            return str(existing.pipeline_arn)

    def describe_pipeline(self, pipeline_name: str) -> dict[str, Any]:
        """DescribePipeline's answer (PipelineName, PipelineArn, PipelineDefinition as a
        string, RoleArn, PipelineDescription), through the SDK's Pipeline resource."""
        with self.aws.errors("describe pipeline", pipeline_name):
            found = self._find_pipeline(pipeline_name)
        if found is None:
            raise UsageError(
                f"no pipeline {pipeline_name!r} in {self.settings.describe()}; "
                "see `aws sagemaker list-pipelines`"
            )
        response = self.aws.api(found)
        resources = sdk_resources()
        with self.aws.errors("list tags of pipeline", pipeline_name):
            response["Tags"] = [
                {"Key": tag.key, "Value": tag.value}
                for tag in resources.Tag.get_all(
                    resource_arn=response["PipelineArn"], **self.aws.where()
                )
            ]
        return response

    def read_object(self, uri: str) -> bytes:
        """A small S3 object's bytes (``smpipe import`` reads a Spark step's configuration,
        which SDK v3's PySparkProcessor uploaded beside the definition); AwsError if it
        cannot be read.

        boto3: the SDK's ``S3Downloader`` needs a full ``sagemaker`` Session. Resource: the
        object at ``uri`` (s3:GetObject)."""
        with self.aws.errors("read", uri):
            return read_small_object(self.aws.client("s3"), uri)

    def _stage_spark_configuration(self, definition: str) -> None:
        """Put Spark steps' configuration.json at their conf input's S3 URI (as SDK v3's
        PySparkProcessor uploads it when building the definition)."""
        s3 = None
        for uri, data in spark_conf.configuration_objects(definition).items():
            s3 = s3 or self.aws.client("s3")
            bucket, key = parse_s3_uri(uri)
            with self.aws.errors("upload the Spark configuration to", uri):
                s3.put_object(Bucket=bucket, Key=key, Body=data)

    def _find_pipeline(self, pipeline_name: str) -> Any | None:
        """The SDK's Pipeline resource, or None when there is none of that name."""
        resources = sdk_resources()
        try:
            return resources.Pipeline.get(pipeline_name=pipeline_name, **self.aws.where())
        except ClientError as error:
            if is_missing_pipeline(error):
                return None
            raise

    def start(
        self,
        pipeline_name: str,
        parameters: Mapping[str, ParameterValue],
        description: str | None = None,
        max_parallel_steps: int | None = None,
    ) -> str:
        """Check the parameters and the code bundle, then start an execution; its ARN."""
        with self.aws.errors("start pipeline", pipeline_name):
            pipeline = self._find_pipeline(pipeline_name)
        if pipeline is None:
            raise AwsError(
                f"pipeline {pipeline_name!r} does not exist in region {self.settings.region}; "
                "create it first with `smpipe upsert SPEC --env NAME --backend sagemaker`",
                code="ResourceNotFound",
            )
        definition = str(pipeline.pipeline_definition or "")
        declared = records.declared_parameters(definition)
        unknown = sorted(set(parameters) - set(declared))
        if unknown and declared:
            raise UsageError(
                f"pipeline {pipeline_name!r} has no parameter {', '.join(unknown)}; "
                f"it declares {', '.join(sorted(declared))}"
            )
        # The bundle parameter is the one the definition's code inputs read (the spec's
        # pipeline.code_bundle), whatever its name.
        for name in records.code_bundle_parameters(definition):
            bundle = parameters.get(name, declared.get(name))
            if isinstance(bundle, str) and bundle.startswith("s3://"):
                self.check_code_bundle(bundle, name)
        request: dict[str, Any] = {
            "PipelineName": pipeline_name,
            "ClientRequestToken": str(uuid.uuid4()),
        }
        if parameters:
            request["PipelineParameters"] = [
                {"Name": name, "Value": records.parameter_text(value)}
                for name, value in parameters.items()
            ]
        if description:
            request["PipelineExecutionDescription"] = description
        if max_parallel_steps is not None:
            request["ParallelismConfiguration"] = {"MaxParallelExecutionSteps": max_parallel_steps}
        # boto3: sagemaker-core's PipelineExecution.start() drops the response, so the new
        # execution's ARN is lost, and the mlops Pipeline.start() needs the pipeline rebuilt
        # from SDK step objects. Resource: the pipeline `pipeline_name`.
        sagemaker = self.aws.client("sagemaker")
        with self.aws.errors("start pipeline", pipeline_name):
            response = sagemaker.start_pipeline_execution(**request)
        return str(response["PipelineExecutionArn"])

    def check_code_bundle(self, uri: str, parameter: str | None = None) -> None:
        """Refuse to start when the code bundle is not at ``uri`` (the seed's NoSuchKey)."""
        # boto3: the SDK has no S3 HEAD call (see pipeline.sagemaker.s3). Resource: the
        # bundle object (s3:GetObject, s3:ListBucket).
        s3 = self.aws.client("s3")
        with self.aws.errors("check the code bundle", uri):
            found = head_object(s3, uri)
        if found is None:
            raise AwsError(
                f"code bundle {uri} does not exist (NoSuchKey): upload it with `smpipe bundle "
                f"--upload {uri.rsplit('/', 1)[0]}/` from the commit it names, or start with the "
                f"exact URI of an uploaded bundle (--param {parameter or '<bundle parameter>'}=s3://...)",
                code="NoSuchKey",
            )

    # ---- executions ----
    def describe_execution(self, execution_arn: str) -> ExecutionSummary:
        resources = sdk_resources()
        self.pacer.before(("execution", execution_arn))
        with self.aws.errors("describe execution", execution_arn):
            execution = resources.PipelineExecution.get(
                pipeline_execution_arn=execution_arn, **self.aws.where()
            )
            summary = records.execution_summary(self.aws.api(execution))
        if summary.status in TERMINAL_EXECUTION_STATUSES:
            # Nothing changes any more: later reads (a summary, `smpipe steps`) go at once.
            self._finished.add(execution_arn)
            self.pacer.forget(("execution", execution_arn))
            self.pacer.forget(("steps", execution_arn))
        else:
            self.pacer.after(("execution", execution_arn), summary.status)
        return summary

    def list_executions(
        self, pipeline_name: str | None = None, limit: int | None = None
    ) -> list[ExecutionSummary]:
        """Newest first. Without a name: the executions of the most recent pipelines."""
        most = MAX_LISTED if limit is None else min(limit, MAX_LISTED)
        resources = sdk_resources()
        names = [pipeline_name] if pipeline_name else self._recent_pipelines()
        found: list[ExecutionSummary] = []
        for name in names:
            with self.aws.errors("list executions of pipeline", name):
                executions = resources.PipelineExecution.get_all(
                    pipeline_name=name,
                    sort_by="CreationTime",
                    sort_order="Descending",
                    **self.aws.where(),
                )
                found += [
                    records.execution_summary(self.aws.api(execution))
                    for execution in islice(executions, most)
                ]
        found.sort(key=lambda e: e.started.timestamp() if e.started else 0.0, reverse=True)
        return found[:most]

    def _recent_pipelines(self) -> list[str]:
        resources = sdk_resources()
        with self.aws.errors("list pipelines"):
            pipelines = resources.Pipeline.get_all(
                sort_by="CreationTime", sort_order="Descending", **self.aws.where()
            )
            return [str(p.pipeline_name) for p in islice(pipelines, RECENT_PIPELINES)]

    def parameters(self, execution_arn: str) -> dict[str, str]:
        resources = sdk_resources()
        execution = resources.PipelineExecution(pipeline_execution_arn=execution_arn)
        with self.aws.errors("list the parameters of execution", execution_arn):
            return {
                str(item.name): str(item.value)
                for item in execution.get_all_parameters(**self.aws.where())
            }

    def retry(self, execution_arn: str) -> str:
        """Retry a failed execution from its failed steps; the ARN stays the same."""
        resources = sdk_resources()
        execution = resources.PipelineExecution(pipeline_execution_arn=execution_arn)
        with self.aws.errors("retry execution", execution_arn):
            execution.retry(client_request_token=str(uuid.uuid4()), **self.aws.where())
        self._finished.discard(execution_arn)
        return execution_arn

    def stop(self, execution_arn: str) -> None:
        # boto3: sagemaker-core 2.27.0's PipelineExecution.stop() reads a client_request_token
        # attribute the class does not define (AttributeError before any request). Resource:
        # the execution `execution_arn`.
        sagemaker = self.aws.client("sagemaker")
        with self.aws.errors("stop execution", execution_arn):
            sagemaker.stop_pipeline_execution(
                PipelineExecutionArn=execution_arn, ClientRequestToken=str(uuid.uuid4())
            )

    # ---- callback steps ----
    def list_callbacks(self, execution_arn: str | None = None) -> list[CallbackRecord]:
        if execution_arn is not None:
            executions = [self.describe_execution(execution_arn)]
        else:
            executions = self.list_executions()
        return callbacks.waiting_callbacks(executions, self._steps)

    def send_callback_success(self, token: str, outputs: Mapping[str, str]) -> str:
        with self.aws.errors("complete callback", token):
            return callbacks.send_success(self.aws.client("sagemaker"), token, outputs)

    def send_callback_failure(self, token: str, reason: str) -> str:
        with self.aws.errors("fail callback", token):
            return callbacks.send_failure(self.aws.client("sagemaker"), token, reason)

    # ---- steps ----
    def list_steps(self, execution_arn: str) -> list[StepRecord]:
        """The steps in start order, with FailureReason, cache hits, job ARNs and logs."""
        if execution_arn in self._finished:
            return self._steps(execution_arn)
        self.pacer.before(("steps", execution_arn))
        found = self._steps(execution_arn)
        self.pacer.after(("steps", execution_arn), tuple((s.name, s.status) for s in found))
        return found

    def _steps(self, execution_arn: str) -> list[StepRecord]:
        resources = sdk_resources()
        execution = resources.PipelineExecution(pipeline_execution_arn=execution_arn)
        types = records.step_types(self._definition_of(execution_arn))
        with self.aws.errors("list the steps of execution", execution_arn):
            steps = execution.get_all_steps(sort_order="Ascending", **self.aws.where())
            return [records.step_record(self.aws.api(step), types) for step in steps]

    def _definition_of(self, execution_arn: str) -> str:
        """The definition the execution ran (DescribePipelineDefinitionForExecution; fixed)."""
        if execution_arn not in self._definitions:
            resources = sdk_resources()
            execution = resources.PipelineExecution(pipeline_execution_arn=execution_arn)
            with self.aws.errors("read the definition of execution", execution_arn):
                response = execution.get_pipeline_definition(**self.aws.where())
            self._definitions[execution_arn] = str(
                getattr(response, "pipeline_definition", "") or ""
            )
        return self._definitions[execution_arn]

    def step_log(self, execution_arn: str, step_name: str) -> str:
        """The job's CloudWatch log lines, and where they are."""
        step = next((s for s in self.list_steps(execution_arn) if s.name == step_name), None)
        if step is None:
            raise UsageError(f"execution {execution_arn} has no step {step_name!r}")
        return step_log_text(self.aws, step)

    def property_file_reports(self, execution_arn: str) -> list[tuple[str, str, Any]]:
        """(step, file, JSON document) of each property file the execution's succeeded
        processing steps wrote (``evaluation.json``...), for the end-of-run summary."""
        declared = records.property_files(self._definition_of(execution_arn))
        reports: list[tuple[str, str, Any]] = []
        for step in self._steps(execution_arn):
            if step.status != "Succeeded" or step.name not in declared:
                continue
            if "ProcessingJobArn" not in step.metadata:
                continue
            outputs = processing_outputs(self.aws, step.metadata["JobName"])
            for output_name, file_path in declared[step.name]:
                if output_name in outputs:
                    document = self.aws.read_json(f"{outputs[output_name].rstrip('/')}/{file_path}")
                    if document is not None:
                        reports.append((step.name, file_path, document))
        return reports

    # ---- model registry ----
    def list_model_packages(self, group: str) -> list[ModelPackage]:
        return self.registry.versions(group)

    def describe_model_package(self, arn: str) -> ModelPackage:
        return self.registry.describe(arn)

    def set_approval(self, arn: str, status: str, description: str | None = None) -> ModelPackage:
        return self.registry.set_approval(arn, status, description)
