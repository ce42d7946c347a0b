"""The definition's steps -> the spec's ``steps:`` list; the inverse of
``compiler.emit.definition._step``. One module per step kind (``KINDS``, keyed by the
definition's ``Type``), each with ``outputs``, ``property_files`` and ``import_step``;
a condition's branch steps become top-level spec steps right after it."""

from __future__ import annotations

from types import ModuleType
from typing import Any

from compiler.importer import (
    callback,
    condition,
    fail,
    jobs,
    lambda_step,
    model,
    processing,
    register,
    spark,
    training,
    transform,
    tuning,
)
from compiler.importer.context import ImportContext, StepPlace, describe
from compiler.importer.fields import spec_fields, step_models
from compiler.importer.retry import retry_policies

# Every import module, one per spec kind; a Type several kinds share (a Spark step is a
# Processing step) goes to the first module whose ``claims(step)`` says yes.
MODULES: tuple[ModuleType, ...] = (
    processing, spark, training, tuning, model, transform, condition, register, fail,
    lambda_step, callback,
)  # fmt: skip


def _kinds() -> dict[str, list[ModuleType]]:
    """Definition Type -> the modules of the kinds this compiler's spec has."""
    found: dict[str, list[ModuleType]] = {}
    for module in MODULES:
        if module.KIND in step_models():
            found.setdefault(module.TYPE, []).insert(0 if hasattr(module, "claims") else 99, module)
    return found


KINDS = _kinds()


def module_for(step: dict[str, Any]) -> ModuleType | None:
    kind = step.get("Type")
    for module in KINDS.get(kind, []) if isinstance(kind, str) else []:
        if not hasattr(module, "claims") or module.claims(step):
            return module
    return None


# Every Type SageMaker Pipelines knows (the SDK's StepTypeEnum), to tell "not yet
# importable" from "not a step type at all".
SAGEMAKER_STEP_TYPES = (
    "AutoML", "Callback", "ClarifyCheck", "Cleanup", "Condition", "EMR", "EMRServerless",
    "Endpoint", "EndpointConfig", "Fail", "ForEach", "InferenceComponent", "Job", "Lambda",
    "Lineage", "Model", "Processing", "QualityCheck", "RegisterModel", "Training",
    "Transform", "Tuning",
)  # fmt: skip


def survey(ctx: ImportContext, steps: Any, path: str) -> None:
    """First pass: every step's name, place, outputs and property files, so references can
    be resolved in any order (a branch step may read a later top-level step)."""
    if not isinstance(steps, list):
        ctx.error(path, f"expected a list of steps, found {describe(steps)}")
        return
    for index, step in enumerate(steps):
        where = f"{path}[{index}]"
        if not isinstance(step, dict):
            ctx.error(where, f"expected a step object, found {describe(step)}")
            continue
        name, kind = step.get("Name"), step.get("Type")
        if not isinstance(name, str) or not name:
            ctx.error(f"{where}.Name", "a step needs a Name")
            continue
        if name in ctx.steps:
            ctx.error(
                f"{where}.Name", f'step "{name}" is defined twice (first at {ctx.steps[name].path})'
            )
            continue
        ctx.steps[name] = StepPlace(where, step)
        module = module_for(step)
        if module is None:
            if kind in SAGEMAKER_STEP_TYPES:
                ctx.error(
                    f"{where}.Type",
                    f'step "{name}" is a {kind} step, which smpipe '
                    "cannot import yet (see docs/import.md)",
                )
            else:
                ctx.error(
                    f"{where}.Type",
                    f'step "{name}" has unknown step type '
                    f"{describe(kind)} (SageMaker's are {', '.join(SAGEMAKER_STEP_TYPES)})",
                )
            continue
        for prop, output in module.outputs(name, step).items():
            ctx.outputs[prop] = (name, output)
        for file in module.property_files(step):
            ctx.property_files.add((name, file))
        if module is condition:
            for key, nested in condition.branches(step):
                survey(ctx, nested, f"{where}.Arguments.{key}")


def import_steps(ctx: ImportContext, steps: list[Any], path: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for index, step in enumerate(steps):
        found.extend(_import(ctx, step, f"{path}[{index}]"))
    return found


def _import(ctx: ImportContext, step: dict[str, Any], path: str) -> list[dict[str, Any]]:
    module = module_for(step)
    assert module is not None  # survey() refused the others
    entry: dict[str, Any] = {"name": step["Name"], "type": module.KIND}
    for key, field in (("DisplayName", "display_name"), ("Description", "description")):
        if isinstance(step.get(key), str):
            entry[field] = step[key]
    entry.update(module.import_step(ctx, step, path))
    depends = step.get("DependsOn")
    if depends:
        if not isinstance(depends, list):
            ctx.error(
                f"{path}.DependsOn", f"expected a list of step names, found {describe(depends)}"
            )
        names = depends if isinstance(depends, list) else []
        for index, name in enumerate(names):
            if not isinstance(name, str) or name not in ctx.steps:
                ctx.error(
                    f"{path}.DependsOn[{index}]",
                    f"depends on step {describe(name)}, which the definition does not have",
                )
        entry["depends_on"] = [n for n in names if isinstance(n, str)]
    if "RetryPolicies" in step and "retry" in spec_fields(module.KIND):
        entry["retry"] = retry_policies(ctx, step["RetryPolicies"], f"{path}.RetryPolicies")
    if module.JOB:
        cache = jobs.cache(ctx, step, path)
        if cache is not None:
            entry["cache"] = cache
    found = [entry]
    if module is condition:
        for key, nested in condition.branches(step):
            for index, item in enumerate(nested):
                if isinstance(item, dict) and module_for(item) is not None:
                    found.extend(_import(ctx, item, f"{path}.Arguments.{key}[{index}]"))
    return found
