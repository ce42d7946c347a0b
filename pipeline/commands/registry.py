"""``smpipe registry list GROUP | describe ARN | approve ARN | reject ARN``."""

from __future__ import annotations

from pathlib import Path

import click

from compiler.errors import UsageError
from pipeline.backends.interface import Backend
from pipeline.commands.options import backend_options, open_backend
from pipeline.render import package_details, packages_table, table, utc


@click.group("registry")
def registry() -> None:
    """The model registry: versions, metrics and approval."""


@registry.command("list")
@click.argument("group")
@backend_options
def list_packages(group: str, backend: str, state_dir: Path | None) -> None:
    """The versions of model package GROUP, newest first."""
    packages = open_backend(backend, state_dir).list_model_packages(group)
    if not packages:
        click.echo(f"no model package in {group}")
        return
    click.echo(packages_table(packages))


@registry.command("describe")
@click.argument("arn")
@backend_options
def describe(arn: str, backend: str, state_dir: Path | None) -> None:
    """A model package (ARN or GROUP/VERSION): details, metrics, approval history."""
    engine = open_backend(backend, state_dir)
    arn = _package_arn(engine, arn)
    click.echo(package_details(engine.describe_model_package(arn)))
    history = getattr(engine, "approval_history", None)
    if history is not None:
        rows = [
            [utc(entry["at"]), entry["status"], entry["description"] or ""]
            for entry in history(arn)
        ]
        click.echo("\napproval history:")
        click.echo(table(["AT (UTC)", "STATUS", "NOTE"], rows))


def _set(status: str, arn: str, description: str | None, backend: str, state: Path | None) -> None:
    engine = open_backend(backend, state)
    package = engine.set_approval(_package_arn(engine, arn), status, description)
    click.echo(f"{package.arn}: {package.approval_status}")


@registry.command("approve")
@click.argument("arn")
@click.option("--description", default=None, help="Why (kept in the approval history).")
@backend_options
def approve(arn: str, description: str | None, backend: str, state_dir: Path | None) -> None:
    """Set a model package to Approved."""
    _set("Approved", arn, description, backend, state_dir)


@registry.command("reject")
@click.argument("arn")
@click.option("--description", default=None, help="Why (kept in the approval history).")
@backend_options
def reject(arn: str, description: str | None, backend: str, state_dir: Path | None) -> None:
    """Set a model package to Rejected."""
    _set("Rejected", arn, description, backend, state_dir)


def _package_arn(engine: Backend, reference: str) -> str:
    """A model package ARN, or ``GROUP/VERSION`` (``GROUP/latest``) as a shorthand."""
    if reference.startswith("arn:"):
        return reference
    group, slash, version = reference.rpartition("/")
    if not slash:
        raise UsageError(f"expected a model package ARN or GROUP/VERSION, got {reference!r}")
    for package in engine.list_model_packages(group):
        if version == "latest" or str(package.version) == version:
            return package.arn
    raise UsageError(f"no model package {reference!r}; see `smpipe registry list {group}`")
