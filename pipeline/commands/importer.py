"""``smpipe import SOURCE -o spec/NAME.yaml``: a SageMaker pipeline definition -> a spec.

A run-side command (it can read a deployed pipeline through the SageMaker backend); the
import itself is ``compiler.importer``, offline and pure.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
import yaml

from compiler.commands.compile import write_atomically
from compiler.errors import SmpipeError, UsageError
from compiler.importer import ImportResult, ObjectReader, UnreadableObject, import_definition
from compiler.importer.source import Source, parse_source
from compiler.variables import env_file_path, load_deploy_variables


@click.command("import")
@click.argument("source", required=False)
@click.option(
    "-o",
    "--output",
    metavar="FILE",
    required=True,
    help="Where to write the spec, e.g. spec/NAME.yaml.",
)
@click.option(
    "--env",
    "env",
    default="dev",
    show_default=True,
    metavar="NAME",
    help="Deploy variables go to spec/env/NAME.yaml next to the spec "
    "(an existing file is reused and extended).",
)
@click.option(
    "--name",
    default=None,
    help="Pipeline name [default: the one the definition's output locations use, "
    "else the deployed name, else the spec file's stem].",
)
@click.option(
    "--backend",
    type=click.Choice(["local", "sagemaker"]),
    default="local",
    show_default=True,
    help="With --pipeline: read the deployed pipeline here.",
)
@click.option(
    "--pipeline",
    "pipeline_name",
    default=None,
    metavar="NAME",
    help="Import the pipeline deployed under NAME (with --backend sagemaker).",
)
@click.option(
    "--force",
    is_flag=True,
    help="Write even when the round trip does not hold, or over an existing spec.",
)
def import_command(
    source: str | None,
    output: str,
    env: str,
    name: str | None,
    backend: str,
    pipeline_name: str | None,
    force: bool,
) -> None:
    """Import a SageMaker pipeline definition as a spec that compiles back to it.

    SOURCE is a definition JSON file, - for standard input, or the output of
    `aws sagemaker describe-pipeline`; or give --backend sagemaker --pipeline NAME to read
    a deployed pipeline (and the Spark configurations its steps read from S3). The spec
    goes to -o, its deploy variables (role, bucket, region, account, git SHA) to
    spec/env/ENV.yaml. Before writing, the spec is compiled and
    compared with the source; every place that differs is reported by JSON path, and
    nothing is written unless it is identical or --force is given. Exit status: 0 the
    round trip holds, 1 it does not (or the definition cannot be imported), 2 usage error.
    """
    origin, read_object = _read(source, backend, pipeline_name)
    spec_path = Path(output)
    if spec_path.is_dir():
        raise UsageError(f"{output} is a directory; -o takes a file path such as spec/NAME.yaml")
    if spec_path.exists() and not force:
        raise UsageError(f"{output} exists; give --force to overwrite it")
    env_path = env_file_path(spec_path, env)
    env_label = _display(spec_path.parent / "env" / f"{env}.yaml")
    existing: dict[str, str] = {}
    if env_path.is_file():
        variables, problems = load_deploy_variables(spec_path, env, {})
        if problems:
            raise UsageError(f"{env_label} has problems: {problems[0].message}")
        existing = dict(variables.values)
    result = import_definition(
        origin,
        spec_path,
        env_label=env_label,
        existing_env=existing,
        pipeline_name=name,
        read_object=read_object,
    )
    _report(result)
    if not result.identical and not force:
        raise SmpipeError(
            f"the imported spec does not compile back to {origin.label}: "
            f"{len(result.problems)} place(s) above; nothing written (--force writes it anyway)"
        )
    write_atomically(spec_path, result.spec_text)
    added = {k: v for k, v in result.env_values.items() if existing.get(k) != v}
    if added or not env_path.is_file():
        env_path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(env_path, _env_text(env_path, existing, added))
    verdict = (
        "compiles back to the source definition"
        if result.identical
        else ("does NOT compile back to the source definition")
    )
    click.echo(f"wrote {output} and {env_label}: the spec {verdict}", err=True)
    if not result.identical:
        sys.exit(1)


def _read(
    source: str | None, backend: str, pipeline_name: str | None
) -> tuple[Source, ObjectReader | None]:
    """The source, and how to read the S3 objects it points at (a deployed pipeline only:
    a definition file is imported from its own bytes, offline)."""
    if pipeline_name is not None:
        if source is not None:
            raise UsageError("give SOURCE or --pipeline NAME, not both")
        if backend != "sagemaker":
            raise UsageError("--pipeline reads a deployed pipeline: add --backend sagemaker")
        return _deployed(pipeline_name)
    if source is None:
        raise UsageError(
            "give a definition file, - for standard input, or --backend sagemaker --pipeline NAME"
        )
    if source == "-":
        return parse_source("<stdin>", sys.stdin.buffer.read()), None
    path = Path(source)
    if not path.is_file():
        raise UsageError(
            f"{source}: no such file" if not path.exists() else f"{source}: not a file"
        )
    try:
        data = path.read_bytes()
    except OSError as error:
        raise UsageError(f"{source}: cannot read: {error.strerror}") from None
    return parse_source(source, data), None


def _deployed(pipeline_name: str) -> tuple[Source, ObjectReader]:
    import json

    from pipeline.backends import get_backend

    engine = get_backend("sagemaker")
    response = engine.describe_pipeline(pipeline_name)  # type: ignore[attr-defined]
    source = parse_source(f"pipeline {pipeline_name}", json.dumps(response, default=str).encode())

    def read_object(uri: str) -> bytes:
        try:
            data: bytes = engine.read_object(uri)  # type: ignore[attr-defined]
        except SmpipeError as error:
            raise UnreadableObject(str(error)) from None
        return data

    return source, read_object


def _report(result: ImportResult) -> None:
    for note in result.reviews:
        click.echo(f"review: {note.path}: {note.message}", err=True)
    for note in result.problems:
        click.echo(f"not reproduced: {note.path}: {note.message}", err=True)


def _env_text(path: Path, existing: dict[str, str], added: dict[str, str]) -> str:
    lines = []
    if path.is_file():
        text = path.read_text(encoding="utf-8")
        lines.append(text.rstrip("\n"))
        lines.append("# Added by smpipe import:")
    else:
        lines.append(
            "# Deploy variables written by smpipe import; `--var KEY=VALUE` overrides any."
        )
    for key, value in added.items():
        lines.append(yaml.safe_dump({key: value}, default_flow_style=False).rstrip("\n"))
    return "\n".join(lines) + "\n"


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)
