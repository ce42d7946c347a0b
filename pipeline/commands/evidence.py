"""``smpipe evidence EXEC [-o FILE]``: the workshop's required evidence of one execution."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Any

import click

from compiler.errors import UsageError
from pipeline.commands.options import backend_options, open_backend, resolve_execution
from pipeline.definition_steps import code_bundle_parameters
from pipeline.evidence.render import render_markdown
from pipeline.evidence.report import SpecComparison, bundle_version, collect_evidence
from pipeline.evidence.sources import evidence_source
from pipeline.evidence.terraform_plan import PlanSummary, read_plan
from pipeline.render import short_execution

DEFAULT_REGION = "eu-west-1"  # the workshop's; the AWS commands in the report name it


@click.command("evidence")
@click.argument("execution")
@click.option(
    "--terraform-plan",
    "plan_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="The reviewed plan: `terraform show -no-color tfplan` (or -json) saved to a file.",
)
@click.option(
    "--spec",
    "spec_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Compare the executed definition with this spec compiled (with --env/--var).",
)
@click.option("--env", default=None, help="Deploy variables for --spec: spec/env/NAME.yaml.")
@click.option("--var", "variables", multiple=True, metavar="KEY=VALUE", help="For --spec.")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the Markdown here (atomically) instead of standard output.",
)
@backend_options
def evidence(
    execution: str,
    plan_file: Path | None,
    spec_file: Path | None,
    env: str | None,
    variables: tuple[str, ...],
    output: Path | None,
    backend: str,
    state_dir: Path | None,
) -> None:
    """Write the seed's required evidence for EXECUTION (an ARN, an id, or `latest`).

    The terraform plan summary, the code bundle parameter with its commit and proof that the
    object exists, the pipeline and execution ARNs, each step's status and timing (a table, the
    graph coloured by status and a Gantt chart, in Mermaid), the registered
    model package with its approval status and metrics, where each step's logs are, the
    parameters, and the closing criteria evaluated from these facts. The criteria (steps,
    parameters, bundle parameter, gate path and threshold) are those of --spec when given,
    else of the definition the execution ran. What only AWS can show
    is marked "needs AWS" with the command to get it. Reads only; changes nothing.
    """
    from compiler.commands.compile import write_atomically

    if spec_file is None and (env or variables):
        raise UsageError("--env and --var say how to compile --spec; give --spec SPEC too")
    if backend == "local":
        _require_local_state(state_dir)
    plan = _plan(plan_file)
    engine = open_backend(backend, state_dir)
    arn = resolve_execution(engine, execution)
    source = evidence_source(engine)
    region = str(getattr(getattr(engine, "settings", None), "region", "") or DEFAULT_REGION)
    spec, compiled = None, None
    if spec_file is not None:
        bundle = _bundle_uri(source.executed_definition(arn), engine.parameters(arn))
        spec, compiled, region = _compile(spec_file, env, variables, bundle)
    found = collect_evidence(
        source,
        arn,
        plan=plan,
        spec=spec,
        compiled_definition=compiled,
        output=_shown(output) if output else None,
    )
    found.command = _command(arn, backend, plan_file, spec_file, env, variables, output)
    text = render_markdown(found, region)
    if output is None:
        click.echo(text, nl=False)
        return
    write_atomically(output, text)
    click.echo(
        f"wrote {output} (execution {short_execution(arn)}, {found.execution.status})", err=True
    )


def _require_local_state(state_dir: Path | None) -> None:
    """Evidence never creates state: a state dir without a database is a usage error."""
    from pipeline.local.home import default_state_dir

    root = state_dir or default_state_dir()
    if not (root / "state.db").is_file():
        raise UsageError(
            f"no local state in {root} (no state.db): run the pipeline first "
            "(scripts/demo.sh or `smpipe run`), or pass --state-dir"
        )


def _plan(plan_file: Path | None) -> PlanSummary | None:
    return None if plan_file is None else read_plan(plan_file, _shown(plan_file))


def _bundle_uri(definition: dict[str, Any] | None, parameters: dict[str, str]) -> str:
    """The execution's code bundle URI: the value of the parameter its code inputs read."""
    names = code_bundle_parameters(definition)
    return parameters.get(names[0], "") if names else ""


def _compile(
    spec_file: Path, env: str | None, options: tuple[str, ...], bundle_uri: str
) -> tuple[SpecComparison, dict[str, object], str]:
    """Compile ``--spec`` as the execution was compiled: ``git_sha`` from its bundle URI."""
    from compiler.compile import compile_spec_file
    from compiler.variables import parse_var_options

    variables = parse_var_options(options)
    version, _ = bundle_version(bundle_uri)
    if version and "git_sha" not in variables:
        variables["git_sha"] = version
    shown = _shown(spec_file)
    compiled = compile_spec_file(spec_file, env, variables, display_name=shown)
    region = compiled.variables.get("region") or DEFAULT_REGION
    spec = SpecComparison(shown, env, variables, None, region)
    return spec, compiled.definition, region


def _shown(path: Path) -> str:
    """A path relative to the working directory when it is under it (no machine paths)."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return str(path)


def _command(
    arn: str,
    backend: str,
    plan_file: Path | None,
    spec_file: Path | None,
    env: str | None,
    variables: tuple[str, ...],
    output: Path | None,
) -> str:
    """The command line that regenerates this report (the execution by id when local)."""
    words = ["smpipe", "evidence", short_execution(arn) if backend == "local" else arn]
    words += ["--backend", backend]
    if plan_file is not None:
        words += ["--terraform-plan", _shown(plan_file)]
    if spec_file is not None:
        words += ["--spec", _shown(spec_file)]
        if env:
            words += ["--env", env]
        for option in variables:
            words += ["--var", option]
    if output is not None:
        words += ["-o", _shown(output)]
    return shlex.join(words)
