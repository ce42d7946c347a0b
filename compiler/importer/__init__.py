"""``smpipe import``: a SageMaker pipeline definition -> a spec that compiles back to it.

The inverse of ``compiler.emit``, stage by stage:

1. ``source``: read the definition (a file, stdin, a DescribePipeline response);
2. ``steps``: survey every step (names, outputs, property files), then import each with
   the module of its kind (``processing``, ``training``, ``condition``, ``register``,
   ``fail``: one per ``compiler/emit`` kind), references through ``values``;
3. the pipeline's name and artifacts prefix, then the decisions kinds left until they are
   known (``ctx.later``: a Spark step's configuration, see ``spark``); ``images``,
   ``defaults``, ``variables``: factor images, shared job settings and the deploy
   variables (role, bucket, region, account, git SHA) out of the steps;
4. ``render``: write the YAML in the project's style, with review comments;
5. ``roundtrip``: compile it and compare with the source, reporting each difference by
   JSON path. Nothing the spec cannot express is dropped silently.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from compiler.importer import images, roundtrip, steps, variables
from compiler.importer.context import (
    DefinitionError,
    ImportContext,
    Note,
    ObjectReader,
    ScriptUse,
    UnreadableObject,
    describe,
)
from compiler.importer.defaults import factor_defaults
from compiler.importer.render import render_spec
from compiler.importer.source import Source
from compiler.model import PipelineSection
from compiler.typed_values import ParameterType

__all__ = [
    "DefinitionError",
    "ImportResult",
    "ObjectReader",
    "Source",
    "UnreadableObject",
    "import_definition",
]
_PARAMETER_TYPES = ParameterType.__args__  # type: ignore[attr-defined]
DEFAULT_BUNDLE_PARAMETER = "CodeBundleUri"


@dataclass
class ImportResult:
    spec_text: str
    env_values: dict[str, str]  # every deploy variable the spec uses, by its name
    problems: list[Note]  # places the spec does not reproduce, by JSON path
    reviews: list[Note]  # decisions for a reviewer (the round trip holds regardless)
    scripts: list[ScriptUse] = field(default_factory=list)
    compiled_text: str | None = None

    @property
    def identical(self) -> bool:
        return self.compiled_text is not None and not self.problems


def import_definition(
    source: Source,
    spec_path: Path,
    *,
    env_label: str = "spec/env/dev.yaml",
    existing_env: dict[str, str] | None = None,
    pipeline_name: str | None = None,
    read_object: ObjectReader | None = None,
) -> ImportResult:
    """Import ``source``; ``spec_path`` is where the spec will live (its env files are
    next to it). ``read_object`` reads an S3 object the definition points at (a Spark
    step's configuration), where the caller can (a deployed pipeline); without it the
    import reads nothing but the definition. Raises :class:`DefinitionError` for a
    malformed definition."""
    definition = source.definition
    ctx = ImportContext(source.label, read_object=read_object)
    metadata = definition.get("Metadata")
    ctx.metadata = metadata if isinstance(metadata, dict) else {}
    parameters = _parameters(ctx, definition.get("Parameters") or [])
    steps.survey(ctx, definition["Steps"], "$.Steps")
    if ctx.errors:
        raise DefinitionError(source.label, ctx.errors)
    spec_steps = steps.import_steps(ctx, definition["Steps"], "$.Steps")
    if ctx.errors:
        raise DefinitionError(source.label, ctx.errors)

    comments: dict[str, list[str]] = {"pipeline": [], "parameters": []}
    name, artifacts = _name_and_artifacts(ctx, source, pipeline_name, spec_path, comments)
    by_name = {step["name"]: step for step in spec_steps}
    for decide in ctx.later:
        decide(name, artifacts, by_name)
    role = _role(ctx, source, comments)
    bundle = _code_bundle(ctx, parameters, artifacts, comments)
    region = images.image_region(list(ctx.image_keys)) or source.region
    image_section, renamed = images.images_section(ctx.image_keys, region)
    for step in spec_steps:
        if isinstance(step.get("image"), str):  # else a parameter holding the URI
            step["image"] = renamed[step["image"]]
    job_kinds = {
        module.KIND for modules in steps.KINDS.values() for module in modules if module.JOB
    }
    defaults = factor_defaults(spec_steps, job_kinds)

    pipeline: dict[str, Any] = {"name": name}
    if source.description:
        pipeline["description"] = source.description
    pipeline.update({"role": role, "artifacts": artifacts, "code_bundle": bundle})
    # Settings beside the definition, where this spec version has them.
    section_fields = PipelineSection.model_fields
    if source.max_parallel_steps is not None and "max_parallel_steps" in section_fields:
        pipeline["max_parallel_steps"] = source.max_parallel_steps
    if source.tags and "tags" in section_fields:
        pipeline["tags"] = dict(source.tags)
    sections: dict[str, Any] = {"version": 1, "pipeline": pipeline}
    if parameters:
        sections["parameters"] = parameters
    if image_section:
        sections["images"] = image_section
    if defaults:
        sections["defaults"] = defaults
    sections["steps"] = spec_steps

    account = variables.account_of(role) or next(
        (a for uri in ctx.image_keys if (a := _ecr_account(uri))), None
    )
    bucket = variables.bucket_of(artifacts)
    sha = variables.bundle_sha(parameters.get(bundle, {}).get("default"))
    wanted = variables.canonical_values(role, bucket, region, account, sha)
    existing = dict(existing_env or {})
    names = variables.merge_names(wanted, existing, env_label)
    sections = variables.factor(sections, wanted, names)
    env_values = {**existing, **{names[k]: v for k, v in wanted.items()}}

    header = [
        "yaml-language-server: $schema=" + _schema_reference(spec_path),
        "",
        f"Imported by `smpipe import` from {source.label}.",
        f"${{...}} are deploy variables, from {env_label} or `--var KEY=VALUE`.",
    ]
    if ctx.scripts:
        header.append("Scripts the definition runs (the spec takes them from the code bundle):")
        header.extend(f"  {s.step}: {s.script or '(unknown)'} from {s.source}" for s in ctx.scripts)
    text = render_spec(header, sections, ctx.step_comments, comments)
    compiled, compiled_text, compile_problems = roundtrip.compile_imported(
        text, spec_path, env_values
    )
    expected = roundtrip.normalise(definition)
    problems = [n for n in ctx.notes if n.blocking] + compile_problems
    if compiled is not None:
        compiled = roundtrip.without_local_notes(compiled, expected)
        if _canonical(compiled) == _canonical(expected):
            problems = []  # the round trip holds: what a note feared did not happen
        else:
            problems = _merge(problems, roundtrip.differences(expected, compiled))
    return ImportResult(
        text,
        env_values,
        problems,
        [n for n in ctx.notes if not n.blocking],
        list(ctx.scripts),
        compiled_text if not problems else None,
    )


def _parameters(ctx: ImportContext, items: list[Any]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for index, item in enumerate(items):
        where = f"$.Parameters[{index}]"
        if not isinstance(item, dict) or not isinstance(item.get("Name"), str):
            ctx.error(where, f"expected a parameter with a Name, found {describe(item)}")
            continue
        kind = item.get("Type")
        if kind not in _PARAMETER_TYPES:
            ctx.error(
                f"{where}.Type",
                f"parameter type {describe(kind)}: SageMaker's are {', '.join(_PARAMETER_TYPES)}",
            )
            continue
        if item["Name"] in found:
            ctx.error(f"{where}.Name", f'parameter "{item["Name"]}" is declared twice')
            continue
        entry: dict[str, Any] = {"type": kind}
        if item.get("DefaultValue") is not None:
            entry["default"] = item["DefaultValue"]
        for key in item:
            if key not in ("Name", "Type", "DefaultValue"):
                ctx.unsupported(f"{where}.{key}", f"parameter {key} has no spec form yet")
        found[item["Name"]] = entry
        ctx.parameters[item["Name"]] = str(kind)
    return found


def _name_and_artifacts(
    ctx: ImportContext,
    source: Source,
    name: str | None,
    spec_path: Path,
    comments: dict[str, list[str]],
) -> tuple[str, str]:
    """The pipeline name the output locations use (else DescribePipeline's, else the spec
    file's), and the artifacts prefix most outputs share."""
    used = Counter(pipeline for (_, pipeline) in ctx.artifacts.elements())
    if name is None:
        found: str | None = used.most_common(1)[0][0] if used else None
        name = found or source.pipeline_name or spec_path.stem
    if source.pipeline_name and source.pipeline_name != name:
        comments["pipeline"].append(
            f"Deployed as {source.pipeline_name}; the outputs are located under the name {name}."
        )
    prefixes = Counter(
        prefix for (prefix, pipeline) in ctx.artifacts.elements() if pipeline == name
    )
    if prefixes:
        return name, prefixes.most_common(1)[0][0]
    comments["pipeline"].append(
        "No output uses the execution-scoped location: choose where step outputs go (artifacts)."
    )
    bucket = next((variables.bucket_of(v) for v in _strings(ctx) if variables.bucket_of(v)), None)
    return name, f"s3://{bucket or 'CHANGE-ME'}/pipeline/runtime"


def _strings(ctx: ImportContext) -> list[str]:
    found: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, str):
            found.append(value)
        elif isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    for place in ctx.steps.values():
        walk(place.step)
    return found


def _role(ctx: ImportContext, source: Source, comments: dict[str, list[str]]) -> str:
    if ctx.roles:
        role = ctx.roles.most_common(1)[0][0]
        if len(ctx.roles) > 1:
            comments["pipeline"].append(
                "The job steps run as different roles; the spec has "
                "one (the report lists the others)."
            )
        return role
    if source.role_arn:
        return source.role_arn
    comments["pipeline"].append("No job step names a role: set the execution role.")
    return "arn:aws:iam::000000000000:role/CHANGE-ME"


def _code_bundle(
    ctx: ImportContext,
    parameters: dict[str, Any],
    artifacts: str,
    comments: dict[str, list[str]],
) -> str:
    """The parameter holding the code bundle: the one the steps' code inputs read; else an
    existing String parameter (the spec needs one), else a new CodeBundleUri."""
    if ctx.code_bundles:
        return ctx.code_bundles.most_common(1)[0][0]
    if not ctx.scripts:
        for name, parameter in parameters.items():
            if parameter["type"] == "String":
                comments["pipeline"].append(
                    f"No step reads a code bundle; code_bundle names "
                    f"{name} because the spec needs one."
                )
                return name
    existing = parameters.get(DEFAULT_BUNDLE_PARAMETER)
    if existing is not None and existing["type"] == "String":
        comments["pipeline"].append(
            f"No step reads a code bundle yet; {DEFAULT_BUNDLE_PARAMETER} "
            "will hold it: build it with `smpipe bundle`."
        )
        return DEFAULT_BUNDLE_PARAMETER
    name = DEFAULT_BUNDLE_PARAMETER
    while name in parameters:
        name += "_"
    bucket = variables.bucket_of(artifacts) or "CHANGE-ME"
    parameters[name] = {
        "type": "String",
        "default": f"s3://{bucket}/pipeline/code/unversioned/{variables.BUNDLE_FILE}",
    }
    comments["pipeline"].append(
        f"The definition has no code bundle; {DEFAULT_BUNDLE_PARAMETER} "
        "is new: build it with `smpipe bundle`."
    )
    return DEFAULT_BUNDLE_PARAMETER


def _ecr_account(uri: str) -> str | None:
    head = uri.split(".", 1)[0]
    return head if head.isdigit() and len(head) == 12 else None


def _schema_reference(spec_path: Path) -> str:
    """The schema's path relative to the spec (spec/x.yaml -> ../schemas/...)."""
    depth = max(len(spec_path.parent.parts), 1) if not spec_path.is_absolute() else 1
    return "../" * depth + "schemas/pipeline-spec.schema.json"


def _merge(notes: list[Note], diffs: list[Note]) -> list[Note]:
    """The notes, plus each difference no note already explains (same place or inside)."""

    def covers(outer: str, inner: str) -> bool:
        return inner == outer or inner.startswith((outer + ".", outer + "["))

    kept = [
        d for d in diffs if not any(covers(n.path, d.path) or covers(d.path, n.path) for n in notes)
    ]
    return sorted({*notes, *kept})


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False)
