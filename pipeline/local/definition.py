"""Read a pipeline definition JSON into steps and their dependencies, and check, before
anything runs, that the local engine can run every step."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from pipeline.local import containers
from pipeline.local.errors import CannotRunLocally
from pipeline.local.expressions import CONDITION_TYPES, referenced_steps

RUNNABLE_STEP_TYPES = (
    "Processing",
    "Training",
    "Tuning",
    "Model",
    "Transform",
    "Condition",
    "RegisterModel",
    "Fail",
    "Lambda",
    "Callback",
)
# The field each hand-off step cannot do without.
_REQUIRED_FIELD = {"Lambda": "FunctionArn", "Callback": "SqsQueueUrl"}
PARAMETER_TYPES = ("String", "Integer", "Float", "Boolean")
EXECUTION_VARIABLES = (
    "PipelineExecutionId",
    "PipelineExecutionArn",
    "PipelineName",
    "PipelineArn",
    "StartDateTime",
    "CurrentDateTime",
)
_DURATION = re.compile(
    r"^P?(?:(?P<y>\d+)[yY])?(?:(?P<mo>\d+)[mM])?(?:(?P<w>\d+)[wW])?(?:(?P<d>\d+)[dD])?"
    r"(?:T(?:(?P<h>\d+)[hH])?(?:(?P<mi>\d+)[mM])?(?:(?P<s>\d+)[sS])?)?$"
)


def parse_expire_after(text: str) -> timedelta:
    """SageMaker's ExpireAfter: "30d", "5y", "T16m", "30dT5h", "P30D" (months = 30 days)."""
    match = _DURATION.match(text.strip())
    if not text.strip() or not match or not any(match.groupdict().values()):
        raise CannotRunLocally(f"ExpireAfter {text!r} is not an ISO 8601 duration like 30d or T16m")
    part = {key: int(value or 0) for key, value in match.groupdict().items()}
    return timedelta(
        days=part["y"] * 365 + part["mo"] * 30 + part["w"] * 7 + part["d"],
        hours=part["h"],
        minutes=part["mi"],
        seconds=part["s"],
    )


@dataclass(frozen=True)
class StepDef:
    name: str
    type: str
    arguments: Mapping[str, Any]
    raw: Mapping[str, Any]
    depends_on: frozenset[str] = frozenset()
    cache_enabled: bool = False
    cache_expire_after: timedelta | None = None
    # Set on steps nested in a Condition step's IfSteps (True) or ElseSteps (False).
    parent: str | None = None
    branch: bool | None = None


@dataclass
class Definition:
    raw: Mapping[str, Any]
    parameters: list[Mapping[str, Any]]
    steps: dict[str, StepDef] = field(default_factory=dict)
    top_level: list[str] = field(default_factory=list)

    def branch(self, condition: str, outcome: bool) -> list[str]:
        steps = self.steps.values()
        return [s.name for s in steps if s.parent == condition and s.branch is outcome]


def load_definition(text: str) -> Definition:
    """Parse and check a definition; every problem is a CannotRunLocally, raised up front."""
    try:
        raw = json.loads(text)
    except ValueError as error:
        raise CannotRunLocally(f"the pipeline definition is not valid JSON: {error}") from error
    if not isinstance(raw, Mapping) or not isinstance(raw.get("Steps"), list):
        raise CannotRunLocally("the pipeline definition has no Steps list")
    parameters = raw.get("Parameters") or []
    for parameter in parameters:
        if parameter.get("Type", "String") not in PARAMETER_TYPES:
            raise CannotRunLocally(
                f"parameter {parameter.get('Name')!r} has type {parameter.get('Type')!r}; "
                f"the local engine knows {list(PARAMETER_TYPES)}"
            )
    definition = Definition(raw=raw, parameters=list(parameters))
    for step in raw["Steps"]:
        _add(definition, step, parent=None, branch=None)
        definition.top_level.append(step["Name"])
    _check(definition)
    return definition


def _add(definition: Definition, step: Any, parent: str | None, branch: bool | None) -> None:
    if not isinstance(step, Mapping) or not isinstance(step.get("Name"), str):
        raise CannotRunLocally(f"a step must be an object with a Name, found {step!r}")
    name = step["Name"]
    if name in definition.steps:
        raise CannotRunLocally(f"step name {name!r} is used twice")
    kind = step.get("Type")
    if kind not in RUNNABLE_STEP_TYPES:
        raise CannotRunLocally(
            f"step {name!r} has type {kind!r}, which the local engine cannot run "
            f"(it runs {', '.join(RUNNABLE_STEP_TYPES)})"
        )
    cache = step.get("CacheConfig") or {}
    expire = cache.get("ExpireAfter")
    definition.steps[name] = StepDef(
        name=name,
        type=kind,
        arguments=step.get("Arguments") or {},
        raw=step,
        depends_on=frozenset(step.get("DependsOn") or ()),
        cache_enabled=bool(cache.get("Enabled")),
        cache_expire_after=parse_expire_after(expire) if expire else None,
        parent=parent,
        branch=branch,
    )
    if kind == "Condition":
        arguments = step.get("Arguments") or {}
        for outcome, key in ((True, "IfSteps"), (False, "ElseSteps")):
            for nested in arguments.get(key) or []:
                _add(definition, nested, parent=name, branch=outcome)


def dependencies(definition: Definition, step: StepDef) -> set[str]:
    """The steps that must succeed before ``step`` starts (data references and DependsOn)."""
    if step.type == "Condition":
        found = referenced_steps(step.arguments.get("Conditions"))
    else:
        found = referenced_steps(step.arguments)
    found |= referenced_steps(step.raw.get("PropertyFiles"))
    found |= set(step.depends_on)
    if step.parent:
        found.add(step.parent)
    return found


def _check(definition: Definition) -> None:
    for step in definition.steps.values():
        unknown = dependencies(definition, step) - set(definition.steps)
        if unknown:
            raise CannotRunLocally(
                f"step {step.name!r} refers to unknown step(s) {sorted(unknown)}"
            )
        _check_step(step)
    _check_acyclic(definition)


def _check_step(step: StepDef) -> None:
    arguments = step.arguments
    required = _REQUIRED_FIELD.get(step.type)
    if required and not isinstance(step.raw.get(required), str):
        raise CannotRunLocally(f"step {step.name!r}: a {step.type} step needs {required}")
    if step.type == "Processing":
        app = arguments.get("AppSpecification") or {}
        containers.local_command(step.name, app.get("ContainerEntrypoint"))
        for item in arguments.get("ProcessingInputs") or []:
            s3 = item.get("S3Input")
            if s3 is None:
                raise CannotRunLocally(
                    f"step {step.name!r}: input {item.get('InputName')!r} has no S3Input "
                    "(dataset definitions cannot run locally)"
                )
            if s3.get("S3CompressionType", "None") not in ("None", None):
                raise CannotRunLocally(
                    f"step {step.name!r}: input {item.get('InputName')!r} uses "
                    f"S3CompressionType {s3.get('S3CompressionType')}, which cannot run locally"
                )
            if s3.get("S3DataType", "S3Prefix") not in ("S3Prefix", "S3Object"):
                raise CannotRunLocally(
                    f"step {step.name!r}: input {item.get('InputName')!r} uses "
                    f"S3DataType {s3.get('S3DataType')}, which cannot run locally"
                )
    elif step.type in ("Training", "Tuning"):
        job = arguments if step.type == "Training" else arguments.get("TrainingJobDefinition") or {}
        image = (job.get("AlgorithmSpecification") or {}).get("TrainingImage")
        hyperparameters = job.get("HyperParameters") or job.get("StaticHyperParameters") or {}
        if "sagemaker_program" in hyperparameters:
            containers.check_framework_image(step.name, image)
        else:
            containers.check_training_image(step.name, image)
    elif step.type == "Condition":
        _check_conditions(step.name, arguments.get("Conditions"))
    elif step.type == "RegisterModel":
        containers_list = (arguments.get("InferenceSpecification") or {}).get("Containers")
        if not arguments.get("ModelPackageGroupName") or not containers_list:
            raise CannotRunLocally(
                f"step {step.name!r}: RegisterModel needs ModelPackageGroupName and "
                "InferenceSpecification.Containers"
            )


def _check_conditions(step: str, conditions: Any) -> None:
    if not isinstance(conditions, list):
        raise CannotRunLocally(f"step {step!r}: Conditions must be a list")
    for condition in conditions:
        kind = condition.get("Type") if isinstance(condition, Mapping) else None
        if kind not in CONDITION_TYPES:
            raise CannotRunLocally(f"step {step!r}: unknown condition type {kind!r}")
        if kind == "Not":
            _check_conditions(step, [condition.get("Condition")])
        if kind == "Or":
            _check_conditions(step, condition.get("Conditions"))


def _check_acyclic(definition: Definition) -> None:
    visiting: set[str] = set()
    done: set[str] = set()

    def visit(name: str, trail: list[str]) -> None:
        if name in done:
            return
        if name in visiting:
            cycle = [*trail[trail.index(name) :], name]
            raise CannotRunLocally(f"the steps depend on each other: {' -> '.join(cycle)}")
        visiting.add(name)
        for dependency in sorted(dependencies(definition, definition.steps[name])):
            visit(dependency, [*trail, name])
        visiting.discard(name)
        done.add(name)

    for name in definition.steps:
        visit(name, [])
