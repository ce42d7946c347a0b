"""``smpipe init [DIR]``: scaffold a new pipeline repository."""

from __future__ import annotations

from pathlib import Path

import click

from pipeline.scaffold import (
    DATA_FILE,
    DEFAULT_ROLE,
    Settings,
    check_settings,
    default_name,
    scaffold_files,
    write_scaffold,
)


@click.command("init")
@click.argument("directory", type=click.Path(path_type=Path), default=Path("."), required=False)
@click.option(
    "--name", default=None, help="Pipeline (and model package group) name [default: DIR's name]."
)
@click.option(
    "--region", default="us-east-1", show_default=True, help="AWS region of the dev environment."
)
@click.option(
    "--bucket", default=None, help="S3 bucket for data, code and artifacts [default: NAME-dev]."
)
@click.option(
    "--role",
    "role_arn",
    default=DEFAULT_ROLE,
    show_default=True,
    help="The pipeline's execution role ARN (its account becomes the env's account).",
)
@click.option("--quiet", "-q", is_flag=True, help="Print nothing but errors.")
def init(
    directory: Path,
    name: str | None,
    region: str,
    bucket: str | None,
    role_arn: str,
    quiet: bool,
) -> None:
    """Scaffold a new pipeline repository in DIR (default: here).

    Writes a spec (spec/NAME.yaml, pointing editors at schemas/), spec/env/dev.yaml, step code
    that runs on the local engine as generated (code/preprocess.py, code/evaluate.py), a sample
    data set, a .pre-commit-config.yaml, a CI workflow (validate, compile, diff in review) and
    a README. Never overwrites: if any of these files exists, nothing is written (exit 1)."""
    name = name or default_name(directory)
    settings = Settings(name=name, region=region, bucket=bucket or f"{name}-dev", role_arn=role_arn)
    check_settings(settings)
    written = write_scaffold(directory, scaffold_files(settings))
    if quiet:
        return
    for path in written:
        click.echo(f"wrote {path}")
    spec = f"spec/{settings.name}.yaml"
    where = "" if directory == Path(".") else f"cd {directory} && "
    click.echo(
        f"\nNext: {where}smpipe validate {spec} --env dev\n"
        f"Run it locally: smpipe put {DATA_FILE} s3://{settings.bucket}/{DATA_FILE} && "
        f"smpipe run {spec} --env dev "
        "--param CodeBundleUri=$(smpipe bundle --code-dir code --local-store -q)"
    )
