"""Every job step's Arguments pass botocore's own request validation (ParamValidator) for
the API the step calls, over every golden, the product spec and every example.

Pipeline expressions are replaced by typed placeholders first: where the API takes a string,
any expression does (SageMaker writes the resolved value as text); where it takes a number or
a boolean, only an expression of that type does: a String parameter in an Integer field
stays a string and botocore refuses it. botocore is used here only, never by compile."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import botocore.session
import pytest
from botocore.model import Shape
from botocore.validate import ParamValidator

from compiler.compile import compile_spec_file
from pipeline.definition_steps import iter_steps

ROOT = Path(__file__).resolve().parent.parent
SPECS = [
    ("spec/titanic-modelbuild.yaml", "dev"),
    *((str(p.relative_to(ROOT)), "test") for p in sorted(ROOT.glob("tests/golden/*/spec.yaml"))),
    *((str(p.relative_to(ROOT)), "dev") for p in sorted(ROOT.glob("spec/examples/*.yaml"))),
]
# Step type -> (API operation, the request member the pipeline fills in with a job name).
OPERATIONS = {
    "Processing": ("CreateProcessingJob", "ProcessingJobName"),
    "Training": ("CreateTrainingJob", "TrainingJobName"),
    "RegisterModel": ("CreateModelPackage", None),
    "Tuning": ("CreateHyperParameterTuningJob", "HyperParameterTuningJobName"),
    "Transform": ("CreateTransformJob", "TransformJobName"),
    "Model": ("CreateModel", "ModelName"),
}
NOT_API_CALLS = {"Condition", "Fail", "Lambda", "Callback", "EMR", "ClarifyCheck", "QualityCheck"}
MODEL = botocore.session.get_session().get_service_model("sagemaker")


def _expression_type(value: dict[str, Any], parameters: dict[str, str]) -> str:
    """The type an expression evaluates to: a parameter's declared type, else String."""
    get = value.get("Get")
    if isinstance(get, str) and get.startswith("Parameters."):
        return parameters[get.split(".", 1)[1]]
    return "String"  # Std:Join, execution variables, step properties (URIs, names)


_TYPED = {"integer": ("Integer", 1), "long": ("Integer", 1), "boolean": ("Boolean", True)}


def typed(value: Any, shape: Shape, parameters: dict[str, str]) -> Any:
    """``value`` with each expression replaced by a placeholder of the expression's type."""
    if isinstance(value, dict) and (
        "Get" in value or "Std:Join" in value or "Std:JsonGet" in value
    ):
        kind = _expression_type(value, parameters)
        if shape.type_name == "string":
            return "x" * max(1, shape.metadata.get("min", 1))
        if shape.type_name in _TYPED:
            wanted, placeholder = _TYPED[shape.type_name]
            return placeholder if kind == wanted else f"<a {kind} expression>"
        if shape.type_name in ("float", "double"):
            return 1.0 if kind in ("Float", "Integer") else f"<a {kind} expression>"
        return f"<a {kind} expression where the API takes a {shape.type_name}>"
    if shape.type_name == "structure" and isinstance(value, dict):
        return {
            key: typed(item, shape.members[key], parameters) if key in shape.members else item
            for key, item in value.items()
        }
    if shape.type_name == "list" and isinstance(value, list):
        return [typed(item, shape.member, parameters) for item in value]
    if shape.type_name == "map" and isinstance(value, dict):
        return {key: typed(item, shape.value, parameters) for key, item in value.items()}
    return value


def requests(spec: str, env: str) -> list[tuple[str, str, dict[str, Any]]]:
    """(step, operation, request) for every step that calls a SageMaker API."""
    definition = compile_spec_file(ROOT / spec, env=env).definition
    parameters = {p["Name"]: p["Type"] for p in definition["Parameters"]}
    found = []
    for step in iter_steps(definition):
        if step["Type"] in NOT_API_CALLS:
            continue
        assert step["Type"] in OPERATIONS, f"no API known for step type {step['Type']}"
        operation, name_member = OPERATIONS[step["Type"]]
        shape = MODEL.operation_model(operation).input_shape
        request = typed(step["Arguments"], shape, parameters)
        if name_member is not None:
            request[name_member] = "pipelines-placeholder"
        found.append((step["Name"], operation, request))
    return found


@pytest.mark.parametrize(("spec", "env"), SPECS, ids=[s for s, _ in SPECS])
def test_step_arguments_pass_botocores_request_validation(spec: str, env: str) -> None:
    checked = requests(spec, env)
    assert checked, "no job step found"
    for step, operation, request in checked:
        report = ParamValidator().validate(request, MODEL.operation_model(operation).input_shape)
        assert not report.has_errors(), (
            f"{spec} step {step} ({operation}):\n{report.generate_report()}"
        )


def test_a_string_parameter_in_an_integer_field_is_caught() -> None:
    """The placeholders keep the expression's type, so the validator can refuse it."""
    shape = MODEL.operation_model("CreateTrainingJob").input_shape
    wrong = {"ResourceConfig": {"InstanceCount": {"Get": "Parameters.Count"}}}
    request = typed(wrong, shape, {"Count": "String"})
    report = ParamValidator().validate(request, shape)
    assert "ResourceConfig.InstanceCount" in report.generate_report()
    assert typed(wrong, shape, {"Count": "Integer"}) == {"ResourceConfig": {"InstanceCount": 1}}
