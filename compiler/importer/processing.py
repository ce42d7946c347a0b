"""Processing steps (CreateProcessingJob arguments) -> ``type: processing``; the inverse of
``compiler.emit.processing.processing_arguments``.

The compiler runs a script from the code bundle through a fixed ``/bin/sh -c`` entrypoint
that unpacks it; an SDK-built pipeline usually runs ``python3 <code dir>/script.py`` with
the script uploaded on its own. Both import to ``script:``; the second is noted, with
where the script comes from, since the spec takes it from the code bundle.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable
from typing import Any

from compiler.emit.metadata import promised_paths
from compiler.emit.processing import (
    BUNDLE_BOOTSTRAP,
    CODE_DIR,
    CODE_INPUT_NAME,
)
from compiler.importer import jobs, security
from compiler.importer.context import ImportContext, ScriptUse, describe, mapping, sequence
from compiler.importer.values import image_value, spec_value

TYPE = "Processing"
KIND = "processing"
JOB = True
_PYTHONS = ("python", "python3")


def outputs(name: str, step: dict[str, Any]) -> dict[str, str]:
    """Property path -> output name, for the references other steps make."""
    arguments = step.get("Arguments")
    config = arguments.get("ProcessingOutputConfig") if isinstance(arguments, dict) else None
    items = config.get("Outputs") if isinstance(config, dict) else None
    found = {}
    for item in items if isinstance(items, list) else []:
        output = item.get("OutputName") if isinstance(item, dict) else None
        if isinstance(output, str):
            prop = f"Steps.{name}.ProcessingOutputConfig.Outputs['{output}'].S3Output.S3Uri"
            found[prop] = output
    return found


def property_files(step: dict[str, Any]) -> list[str]:
    files = step.get("PropertyFiles")
    return [
        f["PropertyFileName"]
        for f in (files if isinstance(files, list) else [])
        if isinstance(f, dict) and isinstance(f.get("PropertyFileName"), str)
    ]


def import_step(ctx: ImportContext, step: dict[str, Any], path: str) -> dict[str, Any]:
    return import_processing(ctx, step, path, _script)


ScriptReader = Callable[
    [ImportContext, str, dict[str, Any], "tuple[Any, str] | None", str], tuple[str, dict[str, Any]]
]


def import_processing(
    ctx: ImportContext,
    step: dict[str, Any],
    path: str,
    read_script: ScriptReader,
) -> dict[str, Any]:
    """The CreateProcessingJob request -> the fields processing kinds share; ``read_script``
    reads the entrypoint (the script, and any fields it implies)."""
    name = step["Name"]
    at = f"{path}.Arguments"
    arguments = mapping(ctx, step.get("Arguments"), at)
    app = mapping(ctx, arguments.get("AppSpecification"), f"{at}.AppSpecification")
    found: dict[str, Any] = {
        "image": image_value(ctx, app.get("ImageUri"), f"{at}.AppSpecification.ImageUri"),
    }
    found.update(
        jobs.resources(
            ctx,
            mapping(
                ctx, arguments.get("ProcessingResources") or {}, f"{at}.ProcessingResources"
            ).get("ClusterConfig"),
            f"{at}.ProcessingResources.ClusterConfig",
        )
    )
    jobs.role(ctx, arguments.get("RoleArn"), f"{at}.RoleArn")
    found.update(security.processing(ctx, arguments, at))
    inputs, code = [], None
    for index, item in enumerate(
        sequence(ctx, arguments.get("ProcessingInputs"), f"{at}.ProcessingInputs")
    ):
        where = f"{at}.ProcessingInputs[{index}]"
        item = mapping(ctx, item, where)
        s3 = mapping(ctx, item.get("S3Input"), f"{where}.S3Input")
        if item.get("InputName") == CODE_INPUT_NAME and s3.get("LocalPath") == CODE_DIR:
            code = (s3.get("S3Uri"), f"{where}.S3Input.S3Uri")
            continue
        inputs.append(
            {
                "name": item.get("InputName"),
                "source": spec_value(ctx, s3.get("S3Uri"), f"{where}.S3Input.S3Uri"),
                "destination": s3.get("LocalPath"),
            }
        )
    found["script"], implied = read_script(ctx, name, app, code, f"{at}.AppSpecification")
    found.update(implied)
    if "ContainerArguments" in app:
        found["arguments"] = [
            spec_value(ctx, value, f"{at}.AppSpecification.ContainerArguments[{i}]", text=True)
            for i, value in enumerate(
                sequence(
                    ctx, app["ContainerArguments"], f"{at}.AppSpecification.ContainerArguments"
                )
            )
        ]
    if inputs:
        found["inputs"] = inputs
    outputs_at = f"{at}.ProcessingOutputConfig.Outputs"
    declared = []
    for index, item in enumerate(
        sequence(
            ctx,
            mapping(
                ctx, arguments.get("ProcessingOutputConfig") or {}, f"{at}.ProcessingOutputConfig"
            ).get("Outputs"),
            outputs_at,
        )
    ):
        item = mapping(ctx, item, f"{outputs_at}[{index}]")
        s3 = mapping(ctx, item.get("S3Output"), f"{outputs_at}[{index}].S3Output")
        output = item.get("OutputName")
        jobs.output_location(
            ctx, s3.get("S3Uri"), name, str(output), f"{outputs_at}[{index}].S3Output.S3Uri"
        )
        declared.append({"name": output, "source": s3.get("LocalPath")})
    if declared:
        found["outputs"] = declared
    files = sequence(ctx, step.get("PropertyFiles"), f"{path}.PropertyFiles")
    if files:
        promised = _promised_paths(ctx, name)
        found["property_files"] = [
            {
                "name": f.get("PropertyFileName"),
                "output": f.get("OutputName"),
                "path": f.get("FilePath"),
                **(
                    {"paths": promised[key]}
                    if (key := f.get("PropertyFileName")) in promised
                    else {}
                ),
            }
            for f in files
            if isinstance(f, dict)
        ]
    env = jobs.environment(ctx, arguments.get("Environment"), f"{at}.Environment")
    if env:
        found["environment"] = env
    return found


def _promised_paths(ctx: ImportContext, step: str) -> dict[str, list[str]]:
    """``property_files[].paths`` back from the ``smpipe-property-paths-<step>-<n>`` Metadata."""
    try:
        return promised_paths(ctx.metadata, step)
    except ValueError:
        ctx.unsupported(
            "$.Metadata", f"the promised property file paths of step {step} are not JSON"
        )
        return {}


def _script(
    ctx: ImportContext, step: str, app: dict[str, Any], code: tuple[Any, str] | None, at: str
) -> tuple[str, dict[str, Any]]:
    return _bundle_script(ctx, step, app, code, at), {}


def code_bundle(ctx: ImportContext, code: tuple[Any, str] | None) -> str | None:
    """The parameter the code input reads (counted as the code bundle), if it reads one."""
    if code is None:
        return None
    uri = code[0]
    if isinstance(uri, dict) and set(uri) == {"Get"} and str(uri["Get"]).startswith("Parameters."):
        bundle = str(uri["Get"]).removeprefix("Parameters.")
        ctx.code_bundles[bundle] += 1
        return bundle
    return None


def _bundle_script(
    ctx: ImportContext, step: str, app: dict[str, Any], code: tuple[Any, str] | None, at: str
) -> str:
    """The script's path inside the code bundle, and where the definition takes it from."""
    entry = app.get("ContainerEntrypoint")
    bundle = code_bundle(ctx, code)
    if (
        isinstance(entry, list)
        and len(entry) == 4
        and entry[:3] == ["/bin/sh", "-c", BUNDLE_BOOTSTRAP]
        and isinstance(entry[3], str)
    ):
        if code is None:
            ctx.unsupported(f"{at}", "the step unpacks a code bundle but has no code input")
        elif bundle is None:
            ctx.unsupported(
                code[1],
                f"the code bundle comes from {describe(code[0])}; the "
                "spec takes it from a parameter (pipeline.code_bundle)",
            )
        return entry[3]
    script = _python_script(entry)
    if script is None:
        ctx.unsupported(
            f"{at}.ContainerEntrypoint",
            f"entrypoint {describe(entry)}: the spec "
            "runs a Python script from the code bundle (script:)",
        )
        ctx.scripts.append(ScriptUse(step, "", describe(entry)))
        return "TODO.py"
    uploaded_script(ctx, step, script, entry, code, bundle, at)
    return script


def uploaded_script(
    ctx: ImportContext,
    step: str,
    script: str,
    entry: Any,
    code: tuple[Any, str] | None,
    bundle: str | None,
    at: str,
) -> None:
    """A script the definition runs as it was uploaded (on its own, or straight from a
    bundle parameter that nothing unpacks): listed with where it comes from, reported at
    the entrypoint (the spec unpacks the code bundle first), and noted for review."""
    source = (
        f"parameter {bundle}"
        if bundle is not None
        else describe(code[0])
        if code is not None
        else "nowhere (no code input)"
    )
    origin = code[0] if code is not None and isinstance(code[0], str) else None
    if origin is not None and not origin.endswith("/"):
        ctx.scripts.append(ScriptUse(step, script, origin))
        source = origin
    else:
        ctx.scripts.append(ScriptUse(step, script, source))
    if bundle is not None:
        how = (
            f"runs {describe(entry)} straight from what parameter {bundle} downloads "
            "(nothing unpacks a bundle there)"
        )
        review = f"{script} now runs from the unpacked code bundle (parameter {bundle})"
    else:
        how = f"runs {describe(entry)} on code uploaded on its own ({source})"
        review = (
            f"{script} was uploaded on its own ({source}); put it at pipeline/code/"
            f"{script}: it now comes from the code bundle"
        )
    ctx.unsupported(
        f"{at}.ContainerEntrypoint",
        f"{how}; the spec unpacks the code bundle and runs {script} from it",
    )
    ctx.review(step, f"{at}.ContainerEntrypoint", review)


def _python_script(entry: Any) -> str | None:
    """``python3 /opt/ml/processing/input/code/x.py`` -> ``x.py`` (what ScriptProcessor and
    FrameworkProcessor write)."""
    if not (isinstance(entry, list) and len(entry) == 2 and entry[0] in _PYTHONS):
        return None
    target = entry[1]
    if not isinstance(target, str):
        return None
    if target.startswith(CODE_DIR + "/"):
        return target[len(CODE_DIR) + 1 :]
    return posixpath.basename(target) or None
