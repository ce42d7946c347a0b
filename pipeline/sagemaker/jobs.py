"""What a pipeline step's job left behind: its CloudWatch log lines and its outputs."""

from __future__ import annotations

from pipeline.backends.interface import StepRecord
from pipeline.sagemaker.connection import AwsConnection
from pipeline.sagemaker.errors import AwsError
from pipeline.sagemaker.sdk import sdk_resources

MAX_LOG_EVENTS = 500


def step_log_text(aws: AwsConnection, step: StepRecord) -> str:
    """Where the step's job logs are, then their lines (when they can be read)."""
    group, prefix = step.metadata.get("LogGroup"), step.metadata.get("LogStreamPrefix")
    if not group or not prefix:
        reason = f": {step.failure_reason}" if step.failure_reason else ""
        kind = step.type or "no job"
        return f"step {step.name} ({kind}) writes no job log; {step.status}{reason}\n"
    settings = aws.settings
    pointer = (
        f"CloudWatch log group {group}, streams {prefix}*  "
        f"(aws logs tail {group} --log-stream-name-prefix {prefix} "
        f"--profile {settings.profile} --region {settings.region})\n"
    )
    # boto3: the SDK v3 has no CloudWatch Logs reader for a finished job's streams.
    # Resource: log group `group`, streams starting with `prefix` (logs:FilterLogEvents).
    try:
        logs = aws.client("logs")
        with aws.errors("read the logs of step", step.name):
            response = logs.filter_log_events(
                logGroupName=group, logStreamNamePrefix=prefix, limit=MAX_LOG_EVENTS
            )
    except AwsError as error:
        return pointer + f"(cannot read them here: {error})\n"
    events = response.get("events", [])
    return pointer + "".join(str(e.get("message", "")).rstrip("\n") + "\n" for e in events)


def processing_outputs(aws: AwsConnection, job_name: str) -> dict[str, str]:
    """A processing job's output name -> S3 URI, as the job resolved them (SDK v3's
    ``ProcessingJob`` resource)."""
    resources = sdk_resources()
    with aws.errors("describe processing job", job_name):
        job = resources.ProcessingJob.get(processing_job_name=job_name, **aws.where())
        described = aws.api(job)
    outputs = (described.get("ProcessingOutputConfig") or {}).get("Outputs") or []
    return {
        str(o["OutputName"]): str((o.get("S3Output") or {}).get("S3Uri", ""))
        for o in outputs
        if o.get("OutputName") and (o.get("S3Output") or {}).get("S3Uri")
    }
