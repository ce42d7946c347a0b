"""The end-of-run summary: steps, the evaluation metrics, the registered model package."""

from __future__ import annotations

import click

from pipeline.backends.interface import Backend, ExecutionSummary
from pipeline.render import duration, package_details, steps_table


def print_summary(backend: Backend, execution: ExecutionSummary) -> None:
    steps = backend.list_steps(execution.arn)
    click.echo("")
    click.echo(
        f"{execution.pipeline_name}: {execution.status} in "
        f"{duration(execution.started, execution.ended)}"
        f"  (execution {execution.arn})"
    )
    if execution.failure_reason:
        click.echo(f"failure: {execution.failure_reason}")
    click.echo("")
    click.echo(steps_table(steps))
    cached = [step.name for step in steps if step.cache_source_execution]
    if cached:
        click.echo(f"\ncache hits: {', '.join(cached)}")
    reports = getattr(backend, "property_file_reports", None)
    if reports is not None:
        for step, file_name, document in reports(execution.arn):
            metrics = document.get("metrics") if isinstance(document, dict) else None
            if isinstance(metrics, dict) and metrics:
                click.echo(f"\nmetrics ({step} {file_name}):")
                for key, value in metrics.items():
                    shown = f"{value:.4f}" if isinstance(value, float) else str(value)
                    click.echo(f"  {key:<10} {shown}")
    registered = [s.metadata["ModelPackageArn"] for s in steps if "ModelPackageArn" in s.metadata]
    for arn in registered:
        click.echo("\nregistered model package:")
        click.echo(package_details(backend.describe_model_package(arn)))
    if not registered and execution.status == "Succeeded":
        click.echo("\nno model package registered in this execution")
