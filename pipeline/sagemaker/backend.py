"""``SageMakerBackend``: the ``pipeline.backend.Backend`` protocol on SageMaker Pipelines.

SDK v3 first: pipelines, executions, steps, parameters, retry and the model registry go
through ``sagemaker.core.resources`` (the SDK v3 resource layer). boto3 is used only where
the SDK does not cover the call; each such call says why and on which resource.

``sagemaker.mlops.workflow.pipeline.Pipeline`` (the SDK's upsert/start) is not used: it
regenerates the definition from SDK step objects, while the compiled JSON is the contract
here, and importing ``sagemaker.mlops`` creates a default boto3 client at import time.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator, Mapping
from itertools import islice
from typing import Any

from botocore.exceptions import ClientError

from compiler.errors import UsageError
from pipeline.backend import (
    TERMINAL_EXECUTION_STATUSES,
    ExecutionSummary,
    ModelPackage,
    ParameterValue,
    StepRecord,
)
from pipeline.sagemaker import records
from pipeline.sagemaker.errors import AwsError, aws_errors, client_error_code
from pipeline.sagemaker.polling import PollPacer, backoff_delays
from pipeline.sagemaker.s3 import head_object, read_small_object
from pipeline.sagemaker.sdk import sdk_resources
from pipeline.sagemaker.session import AwsSettings, SmpipeBotoSession, open_session

APPROVAL_STATUSES = ("Approved", "Rejected", "PendingManualApproval")
CODE_BUNDLE_PARAMETER = "CodeBundleUri"
MAX_LISTED = 50  # executions / packages a listing shows (each one is described)
MAX_LOG_EVENTS = 500


class SageMakerBackend:
    """Drive SageMaker Pipelines as ``AWS_PROFILE``/``AWS_REGION`` (or ``settings``) say."""

    name = "sagemaker"

    def __init__(
        self,
        settings: AwsSettings | None = None,
        *,
        session: SmpipeBotoSession | None = None,
        code_bundle_parameter: str = CODE_BUNDLE_PARAMETER,
        pacer: PollPacer | None = None,
    ) -> None:
        self.settings = settings or (
            session.settings if session else AwsSettings.from_environment()
        )
        self._session = session
        self.code_bundle_parameter = code_bundle_parameter
        self._definitions: dict[str, str] = {}  # execution ARN -> the definition it ran
        self._finished: set[str] = set()  # executions seen in a terminal status
        self.pacer = pacer or PollPacer()

    # ---- plumbing ----
    @property
    def session(self) -> SmpipeBotoSession:
        if self._session is None:
            self._session = open_session(self.settings)
        return self._session

    def _where(self) -> dict[str, Any]:
        """The ``session``/``region`` keywords every SDK resource call takes."""
        return {"session": self.session, "region": self.settings.region}

    def _client(self, service: str) -> Any:
        with aws_errors(f"create the {service} client", settings=self.settings):
            return self.session.client(service, region_name=self.settings.region)

    def _errors(self, action: str, resource: str | None = None) -> Any:
        return aws_errors(action, resource, settings=self.settings)

    @staticmethod
    def _api(obj: Any) -> dict[str, Any]:
        """An SDK object as the API's PascalCase dict (what ``records`` reads)."""
        from sagemaker.core.utils.utils import serialize

        result: dict[str, Any] = serialize(obj) or {}
        return result

    def poll_delays(self) -> Iterator[float]:
        """Seconds to wait between polls while watching: exponential backoff, capped."""
        return backoff_delays()

    # ---- pipelines and executions ----
    def upsert(
        self, pipeline_name: str, definition: str, role_arn: str, description: str | None
    ) -> str:
        """Create the pipeline, or update its definition, role and description."""
        if not role_arn:
            raise UsageError(
                f"no execution role for pipeline {pipeline_name!r}: set pipeline.role in the "
                "spec or pass --role-arn"
            )
        resources = sdk_resources()
        optional = {"pipeline_description": description} if description else {}
        with self._errors("upsert pipeline", pipeline_name):
            existing = self._find_pipeline(pipeline_name)
            if existing is None:
                created = resources.Pipeline.create(
                    pipeline_name=pipeline_name,
                    client_request_token=str(uuid.uuid4()),
                    role_arn=role_arn,
                    pipeline_definition=definition,
                    **optional,
                    **self._where(),
                )
                return str(created.pipeline_arn)
            existing.update(pipeline_definition=definition, role_arn=role_arn, **optional)
            return str(existing.pipeline_arn)

    def _find_pipeline(self, pipeline_name: str) -> Any | None:
        """The SDK's Pipeline resource, or None when there is none of that name."""
        resources = sdk_resources()
        try:
            return resources.Pipeline.get(pipeline_name=pipeline_name, **self._where())
        except ClientError as error:
            if _is_missing(error):
                return None
            raise

    def start(
        self,
        pipeline_name: str,
        parameters: Mapping[str, ParameterValue],
        description: str | None = None,
    ) -> str:
        """Check the parameters and the code bundle, then start an execution; its ARN."""
        with self._errors("start pipeline", pipeline_name):
            pipeline = self._find_pipeline(pipeline_name)
        if pipeline is None:
            raise AwsError(
                f"pipeline {pipeline_name!r} does not exist in region {self.settings.region}; "
                "create it first with `smpipe upsert SPEC --env NAME --backend sagemaker`",
                code="ResourceNotFound",
            )
        declared = _declared_parameters(str(pipeline.pipeline_definition or ""))
        unknown = sorted(set(parameters) - set(declared))
        if unknown and declared:
            raise UsageError(
                f"pipeline {pipeline_name!r} has no parameter {', '.join(unknown)}; "
                f"it declares {', '.join(sorted(declared))}"
            )
        bundle = parameters.get(
            self.code_bundle_parameter, declared.get(self.code_bundle_parameter)
        )
        if isinstance(bundle, str) and bundle.startswith("s3://"):
            self.check_code_bundle(bundle)
        request: dict[str, Any] = {
            "PipelineName": pipeline_name,
            "ClientRequestToken": str(uuid.uuid4()),
        }
        if parameters:
            request["PipelineParameters"] = [
                {"Name": name, "Value": _parameter_text(value)}
                for name, value in parameters.items()
            ]
        if description:
            request["PipelineExecutionDescription"] = description
        # boto3: sagemaker-core's PipelineExecution.start() drops the response, so the new
        # execution's ARN is lost, and the mlops Pipeline.start() needs the pipeline rebuilt
        # from SDK step objects. Resource: the pipeline `pipeline_name`.
        sagemaker = self._client("sagemaker")
        with self._errors("start pipeline", pipeline_name):
            response = sagemaker.start_pipeline_execution(**request)
        return str(response["PipelineExecutionArn"])

    def check_code_bundle(self, uri: str) -> None:
        """Refuse to start when the code bundle is not at ``uri`` (the seed's NoSuchKey)."""
        # boto3: the SDK has no S3 HEAD call (see pipeline.sagemaker.s3). Resource: the
        # bundle object.
        s3 = self._client("s3")
        with self._errors("check the code bundle", uri):
            found = head_object(s3, uri)
        if found is None:
            raise AwsError(
                f"code bundle {uri} does not exist (NoSuchKey): upload it with `smpipe bundle "
                f"--upload {uri.rsplit('/', 1)[0]}/` from the commit it names, or start with the "
                f"exact URI of an uploaded bundle (--param {self.code_bundle_parameter}=s3://...)",
                code="NoSuchKey",
            )

    def describe_execution(self, execution_arn: str) -> ExecutionSummary:
        resources = sdk_resources()
        self.pacer.before(("execution", execution_arn))
        with self._errors("describe execution", execution_arn):
            execution = resources.PipelineExecution.get(
                pipeline_execution_arn=execution_arn, **self._where()
            )
            summary = records.execution_summary(self._api(execution))
        if summary.status in TERMINAL_EXECUTION_STATUSES:
            # Nothing changes any more: later reads (a summary, `smpipe steps`) go at once.
            self._finished.add(execution_arn)
            self.pacer.forget(("execution", execution_arn))
            self.pacer.forget(("steps", execution_arn))
        else:
            self.pacer.after(("execution", execution_arn), summary.status)
        return summary

    def list_executions(self, pipeline_name: str | None = None) -> list[ExecutionSummary]:
        """Newest first. Without a name: the executions of the most recent pipelines."""
        resources = sdk_resources()
        names = [pipeline_name] if pipeline_name else self._recent_pipelines()
        found: list[ExecutionSummary] = []
        for name in names:
            with self._errors("list executions of pipeline", name):
                executions = resources.PipelineExecution.get_all(
                    pipeline_name=name,
                    sort_by="CreationTime",
                    sort_order="Descending",
                    **self._where(),
                )
                found += [
                    records.execution_summary(self._api(execution))
                    for execution in islice(executions, MAX_LISTED)
                ]
        found.sort(key=lambda e: e.started.timestamp() if e.started else 0.0, reverse=True)
        return found[:MAX_LISTED]

    def _recent_pipelines(self, limit: int = 10) -> list[str]:
        resources = sdk_resources()
        with self._errors("list pipelines"):
            pipelines = resources.Pipeline.get_all(
                sort_by="CreationTime", sort_order="Descending", **self._where()
            )
            return [str(p.pipeline_name) for p in islice(pipelines, limit)]

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
        with self._errors("list the steps of execution", execution_arn):
            steps = execution.get_all_steps(sort_order="Ascending", **self._where())
            return [records.step_record(self._api(step), types) for step in steps]

    def _definition_of(self, execution_arn: str) -> str:
        """The definition the execution ran (DescribePipelineDefinitionForExecution; fixed)."""
        if execution_arn not in self._definitions:
            resources = sdk_resources()
            execution = resources.PipelineExecution(pipeline_execution_arn=execution_arn)
            with self._errors("read the definition of execution", execution_arn):
                response = execution.get_pipeline_definition(**self._where())
            self._definitions[execution_arn] = str(
                getattr(response, "pipeline_definition", "") or ""
            )
        return self._definitions[execution_arn]

    def property_file_reports(self, execution_arn: str) -> list[tuple[str, str, Any]]:
        """(step, file, JSON document) of each property file the execution's succeeded
        processing steps wrote (``evaluation.json``...), for the end-of-run summary."""
        declared = records.property_files(self._definition_of(execution_arn))
        reports: list[tuple[str, str, Any]] = []
        for step in self._steps(execution_arn):
            job_arn = step.metadata.get("ProcessingJobArn")
            if step.status != "Succeeded" or not job_arn or step.name not in declared:
                continue
            outputs = self._processing_outputs(step.metadata["JobName"])
            for output_name, file_path in declared[step.name]:
                if output_name not in outputs:
                    continue
                uri = f"{outputs[output_name].rstrip('/')}/{file_path}"
                # boto3: see _metrics. Resource: the property file object at `uri`.
                try:
                    with self._errors("read the property file", uri):
                        data = read_small_object(self._client("s3"), uri)
                    reports.append((step.name, file_path, json.loads(data)))
                except (AwsError, ValueError):
                    continue
        return reports

    def _processing_outputs(self, job_name: str) -> dict[str, str]:
        """A processing job's output name -> S3 URI, as the job resolved them."""
        resources = sdk_resources()
        with self._errors("describe processing job", job_name):
            job = resources.ProcessingJob.get(processing_job_name=job_name, **self._where())
        outputs = (self._api(job).get("ProcessingOutputConfig") or {}).get("Outputs") or []
        return {
            str(o["OutputName"]): str((o.get("S3Output") or {}).get("S3Uri", ""))
            for o in outputs
            if o.get("OutputName") and (o.get("S3Output") or {}).get("S3Uri")
        }

    def parameters(self, execution_arn: str) -> dict[str, str]:
        resources = sdk_resources()
        execution = resources.PipelineExecution(pipeline_execution_arn=execution_arn)
        with self._errors("list the parameters of execution", execution_arn):
            return {
                str(item.name): str(item.value)
                for item in execution.get_all_parameters(**self._where())
            }

    def retry(self, execution_arn: str) -> str:
        """Retry a failed execution from its failed steps; the ARN stays the same."""
        resources = sdk_resources()
        execution = resources.PipelineExecution(pipeline_execution_arn=execution_arn)
        with self._errors("retry execution", execution_arn):
            execution.retry(client_request_token=str(uuid.uuid4()), **self._where())
        return execution_arn

    def stop(self, execution_arn: str) -> None:
        # boto3: sagemaker-core 2.27.0's PipelineExecution.stop() reads a client_request_token
        # attribute the class does not define (AttributeError before any request). Resource:
        # the execution `execution_arn`.
        sagemaker = self._client("sagemaker")
        with self._errors("stop execution", execution_arn):
            sagemaker.stop_pipeline_execution(
                PipelineExecutionArn=execution_arn, ClientRequestToken=str(uuid.uuid4())
            )

    def step_log(self, execution_arn: str, step_name: str) -> str:
        """The job's CloudWatch log lines, or where to read them when there are none yet."""
        step = next((s for s in self.list_steps(execution_arn) if s.name == step_name), None)
        if step is None:
            raise UsageError(f"execution {execution_arn} has no step {step_name!r}")
        group, prefix = step.metadata.get("LogGroup"), step.metadata.get("LogStreamPrefix")
        if not group or not prefix:
            reason = f": {step.failure_reason}" if step.failure_reason else ""
            return f"step {step_name} ({step.type or 'no job'}) writes no job log; {step.status}{reason}\n"
        pointer = (
            f"CloudWatch log group {group}, streams {prefix}*  "
            f"(aws logs tail {group} --log-stream-name-prefix {prefix} "
            f"--profile {self.settings.profile} --region {self.settings.region})\n"
        )
        # boto3: the SDK v3 has no CloudWatch Logs reader for a finished job's streams.
        # Resource: log group `group`, streams starting with `prefix`.
        logs = self._client("logs")
        try:
            with self._errors("read the logs of step", step_name):
                response = logs.filter_log_events(
                    logGroupName=group, logStreamNamePrefix=prefix, limit=MAX_LOG_EVENTS
                )
        except AwsError as error:
            return pointer + f"(cannot read them here: {error})\n"
        lines = [str(event.get("message", "")).rstrip("\n") for event in response.get("events", [])]
        return pointer + "".join(line + "\n" for line in lines)

    # ---- model registry ----
    def list_model_packages(self, group: str) -> list[ModelPackage]:
        """The group's versions, newest first, each with its metrics when readable."""
        resources = sdk_resources()
        with self._errors("list the model packages of group", group):
            packages = resources.ModelPackage.get_all(
                model_package_group_name=group,
                sort_by="CreationTime",
                sort_order="Descending",
                **self._where(),
            )
            described = [self._api(package) for package in islice(packages, MAX_LISTED)]
        return [records.model_package(item, self._metrics(item)) for item in described]

    def describe_model_package(self, arn: str) -> ModelPackage:
        resources = sdk_resources()
        with self._errors("describe model package", arn):
            item = self._api(resources.ModelPackage.get(model_package_name=arn, **self._where()))
        return records.model_package(item, self._metrics(item))

    def set_approval(self, arn: str, status: str, description: str | None = None) -> ModelPackage:
        """Approve or reject a version (UpdateModelPackage), with an approval description."""
        if status not in APPROVAL_STATUSES:
            raise UsageError(
                f"approval status {status!r} is not one of {', '.join(APPROVAL_STATUSES)}"
            )
        resources = sdk_resources()
        optional = {"approval_description": description} if description else {}
        with self._errors(f"set {status} on model package", arn):
            package = resources.ModelPackage.get(model_package_name=arn, **self._where())
            package.update(model_approval_status=status, **optional)
            item = self._api(package)
        return records.model_package(item, self._metrics(item))

    def _metrics(self, item: Mapping[str, Any]) -> dict[str, float]:
        """The metrics of the package's statistics file; {} when it cannot be read."""
        uri = records.statistics_uri(item)
        if not uri or not uri.startswith("s3://"):
            return {}
        # boto3: the SDK's S3Downloader needs a full sagemaker Session. Resource: the
        # package's model-quality statistics object (our evaluation.json).
        try:
            with self._errors("read the metrics", uri):
                data = read_small_object(self._client("s3"), uri)
            return records.metrics_from_report(json.loads(data))
        except (AwsError, ValueError):
            return {}


def _is_missing(error: ClientError) -> bool:
    """DescribePipeline of an unknown name: ResourceNotFound on AWS, ValidationException
    "Could not find pipeline" from moto."""
    code = client_error_code(error)
    message = str(error.response.get("Error", {}).get("Message", "")).lower()
    return code in {"ResourceNotFound", "ResourceNotFoundException"} or (
        code == "ValidationException"
        and ("could not find" in message or "does not exist" in message)
    )


def _declared_parameters(definition: str) -> dict[str, str | None]:
    """Parameter name -> default value (as text) from a pipeline definition."""
    try:
        document = json.loads(definition)
    except ValueError:
        return {}
    declared: dict[str, str | None] = {}
    for parameter in document.get("Parameters", []) if isinstance(document, dict) else []:
        if isinstance(parameter, dict) and "Name" in parameter:
            default = parameter.get("DefaultValue")
            declared[str(parameter["Name"])] = None if default is None else str(default)
    return declared


def _parameter_text(value: ParameterValue) -> str:
    """Pipeline parameter values travel as strings; booleans as SageMaker writes them."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
