"""Plain-text tables and the formats every command shares (times in UTC, durations)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timezone

from pipeline.backends.interface import (
    ACTIVE_STEP_STATUSES,
    ExecutionSummary,
    ModelPackage,
    StepRecord,
)


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Columns padded to their widest cell; the last column is not padded."""
    widths = [len(header) for header in headers]
    for row in rows:
        for index, cell in enumerate(row):
            widths[index] = max(widths[index], len(cell))
    lines = []
    for row in [list(headers), *rows]:
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


def utc(moment: datetime | None) -> str:
    if moment is None:
        return "-"
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%SZ")


def utc_precise(moment: datetime | None) -> str:
    """To the millisecond: enough to see which steps ran at the same time."""
    if moment is None:
        return "-"
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3] + "Z"


def iso(moment: datetime | None) -> str | None:
    """Full ISO 8601 in UTC (microseconds), for ``--format json``."""
    return None if moment is None else moment.astimezone(timezone.utc).isoformat()


def running_steps(steps: Sequence[StepRecord]) -> int:
    return sum(1 for step in steps if step.status in ACTIVE_STEP_STATUSES)


def running_note(execution: ExecutionSummary, steps: Sequence[StepRecord]) -> str:
    """``running 2/4``: the steps running now, out of the execution's limit when known."""
    limit = f"/{execution.max_parallel}" if execution.max_parallel else ""
    return f"running {running_steps(steps)}{limit}"


def duration(started: datetime | None, ended: datetime | None) -> str:
    if started is None:
        return "-"
    # Clamped: another machine's clock may be ahead of this one's.
    seconds = max(0.0, ((ended or datetime.now(timezone.utc)) - started).total_seconds())
    if seconds < 60:
        return f"{seconds:.1f}s"
    minutes, seconds = divmod(int(seconds), 60)
    return f"{minutes}m{seconds:02d}s"


def short_execution(arn: str | None) -> str:
    """An execution ARN's id: what ``smpipe steps``, ``logs`` ... accept as EXEC."""
    if not arn:
        return ""
    return arn.rsplit("/", 1)[-1]


def steps_table(steps: Sequence[StepRecord]) -> str:
    rows = []
    for step in steps:
        if step.cache_source_execution:
            note = f"cache hit from {short_execution(step.cache_source_execution)}"
        elif step.type == "Condition" and "Outcome" in step.metadata:
            note = f"outcome {step.metadata['Outcome']}"
        elif "CallbackToken" in step.metadata and step.status == "Executing":
            note = f"waiting on callback {step.metadata['CallbackToken']}"
        elif "ModelPackageArn" in step.metadata:
            note = step.metadata["ModelPackageArn"]
        elif step.failure_reason:
            note = step.failure_reason
        else:
            note = ""
        rows.append(
            [
                step.name,
                step.type,
                step.status,
                utc_precise(step.started),
                utc_precise(step.ended),
                duration(step.started, step.ended),
                str(step.attempt),
                note,
            ]
        )
    headers = ["STEP", "TYPE", "STATUS", "STARTED (UTC)", "ENDED (UTC)", "DURATION", "ATTEMPT"]
    headers.append("NOTE")
    return table(headers, rows)


def executions_table(executions: Sequence[ExecutionSummary]) -> str:
    rows = [
        [
            short_execution(execution.arn),
            execution.pipeline_name,
            execution.status,
            utc(execution.started),
            duration(execution.started, execution.ended),
            execution.failure_reason or "",
        ]
        for execution in executions
    ]
    headers = ["EXECUTION", "PIPELINE", "STATUS", "STARTED (UTC)", "DURATION", "FAILURE"]
    return table(headers, rows)


def packages_table(packages: Sequence[ModelPackage]) -> str:
    rows = [
        [
            str(package.version),
            package.approval_status,
            utc(package.created),
            " ".join(f"{name}={value:.4f}" for name, value in sorted(package.metrics.items())),
            package.arn,
        ]
        for package in packages
    ]
    return table(["VERSION", "STATUS", "CREATED (UTC)", "METRICS", "ARN"], rows)


def package_details(package: ModelPackage) -> str:
    lines = [
        f"arn:              {package.arn}",
        f"group:            {package.group}",
        f"version:          {package.version}",
        f"approval status:  {package.approval_status}",
        f"created:          {utc(package.created)}",
        f"model data:       {package.model_data_url or '-'}",
        f"image:            {package.image or '-'}",
        f"source execution: {package.source_execution or '-'}",
    ]
    if package.description:
        lines.append(f"description:      {package.description}")
    if package.approval_description:
        lines.append(f"approval note:    {package.approval_description}")
    if package.metrics:
        lines.append("metrics:")
        lines += [f"  {name}: {value:.4f}" for name, value in sorted(package.metrics.items())]
    return "\n".join(lines)
