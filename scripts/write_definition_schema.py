"""Write the definition schema: the shape of the definitions smpipe emits. Two equal copies:
compiler/data/pipeline-definition.schema.json, which the installed package reads (compile
checks every definition against it), and schemas/pipeline-definition.schema.json, for
editors, reviewers and Terraform users.

Informed by AWS's published definition schema (field names, enums, name patterns), but
corrected where SageMaker accepts more: PipelineExperimentConfig, step PropertyFiles,
Std:Join and Std:JsonGet are accepted (the SDK emits them), and references are typed.
Kept as code so the schema stays reviewable; a test checks the committed file matches.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from compiler.references import EXECUTION_VARIABLES

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "compiler" / "data" / "pipeline-definition.schema.json"
COPIES = (OUT, ROOT / "schemas" / "pipeline-definition.schema.json")
NAME = "^[A-Za-z0-9\\-_]{1,64}$"
GET_PATTERN = (
    "^(Parameters\\.[A-Za-z0-9\\-_]+"
    "|Execution\\.(" + "|".join(EXECUTION_VARIABLES) + ")"
    "|Steps\\.[A-Za-z0-9\\-_]+\\.[A-Za-z].*)$"
)


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/$defs/{name}"}


def obj(
    properties: dict[str, Any], required: list[str] | None = None, closed: bool = True
) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        schema["required"] = required
    if closed:
        schema["additionalProperties"] = False
    return schema


def arguments_for(step_type: str, required: list[str]) -> tuple[str, dict[str, Any]]:
    return step_type, {
        "required": ["Arguments"],
        "properties": {"Arguments": {"required": required}},
    }


def by_type(cases: list[tuple[str, dict[str, Any]]]) -> dict[str, Any]:
    """What a step of each Type must also hold, as one if/then/else chain on Type. A step
    has one Type, so the chain says what an allOf of one if/then per type says; but a
    validator stops at the step's own case instead of trying every case on every step
    (with eleven step kinds, most of a large definition's check time)."""
    chain: dict[str, Any] = {}
    for step_type, then in reversed(cases):
        case = {
            "if": {"properties": {"Type": {"const": step_type}}, "required": ["Type"]},
            "then": then,
        }
        chain = {**case, "else": chain} if chain else case
    return chain


SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://smpipe.dev/schemas/pipeline-definition.schema.json",
    "title": "SageMaker pipeline definition (as smpipe emits it)",
    **obj(
        {
            "Version": {"const": "2020-12-01"},
            "Metadata": {
                "type": "object",
                "propertyNames": {"pattern": "^[A-Za-z0-9\\-_]{1,128}$"},
                "additionalProperties": {"type": "string", "maxLength": 1024},
            },
            "Parameters": {"type": "array", "items": ref("Parameter")},
            "PipelineExperimentConfig": obj(
                {"ExperimentName": ref("Value"), "TrialName": ref("Value")}
            ),
            "MlflowConfig": {"type": ["object", "null"]},
            "Steps": {"type": "array", "minItems": 1, "items": ref("Step")},
        },
        ["Version", "Steps"],
    ),
    "$defs": {
        "Parameter": obj(
            {
                "Name": {"type": "string", "pattern": "^[A-Za-z0-9\\-_]{1,256}$"},
                "Type": {"enum": ["String", "Integer", "Float", "Boolean"]},
                "DefaultValue": {"type": ["string", "number", "boolean"]},
                "EnumValues": {"type": "array"},
            },
            ["Name", "Type"],
        ),
        "Get": obj({"Get": {"type": "string", "pattern": GET_PATTERN}}, ["Get"]),
        "Join": obj(
            {
                "Std:Join": obj(
                    {"On": {"type": "string"}, "Values": {"type": "array", "items": ref("Value")}},
                    ["On", "Values"],
                )
            },
            ["Std:Join"],
        ),
        "JsonGet": obj(
            {
                "Std:JsonGet": obj(
                    {
                        "PropertyFile": {
                            "type": "object",
                            "properties": {
                                "Get": {
                                    "type": "string",
                                    "pattern": "^Steps\\.[A-Za-z0-9\\-_]+\\.PropertyFiles\\.[A-Za-z0-9\\-_]+$",
                                }
                            },
                            "required": ["Get"],
                            "additionalProperties": False,
                        },
                        "Path": {"type": "string", "minLength": 1},
                    },
                    ["PropertyFile", "Path"],
                )
            },
            ["Std:JsonGet"],
        ),
        "Value": {
            "anyOf": [
                {"type": ["string", "number", "boolean", "null"]},
                ref("Get"),
                ref("Join"),
                ref("JsonGet"),
            ]
        },
        "Condition": {
            "type": "object",
            "required": ["Type"],
            "properties": {
                "Type": {
                    "enum": [
                        "Equals",
                        "GreaterThan",
                        "GreaterThanOrEqualTo",
                        "LessThan",
                        "LessThanOrEqualTo",
                        "In",
                        "Not",
                        "Or",
                    ]
                },
                "LeftValue": ref("Value"),
                "RightValue": ref("Value"),
                "QueryValue": ref("Value"),
                "Values": {"type": "array", "items": ref("Value")},
                "Condition": ref("Condition"),
                "Conditions": {"type": "array", "items": ref("Condition")},
            },
            "additionalProperties": False,
        },
        "Step": {
            **obj(
                {
                    "Name": {"type": "string", "pattern": NAME},
                    "Type": {
                        "enum": [
                            "Processing",
                            "Training",
                            "Transform",
                            "Tuning",
                            "Model",
                            "RegisterModel",
                            "Condition",
                            "Fail",
                            "Lambda",
                            "Callback",
                            "QualityCheck",
                            "ClarifyCheck",
                            "EMR",
                            "AutoML",
                        ]
                    },
                    "DisplayName": {"type": "string", "maxLength": 256},
                    "Description": {"type": "string", "maxLength": 3072},
                    "DependsOn": {"type": "array", "items": {"type": "string", "pattern": NAME}},
                    "Arguments": {"type": "object"},
                    "CacheConfig": obj(
                        {"Enabled": {"type": "boolean"}, "ExpireAfter": {"type": "string"}},
                        ["Enabled"],
                    ),
                    "PropertyFiles": {
                        "type": "array",
                        "items": obj(
                            {
                                "PropertyFileName": {"type": "string", "pattern": NAME},
                                "OutputName": {"type": "string"},
                                "FilePath": {"type": "string"},
                            },
                            ["PropertyFileName", "OutputName", "FilePath"],
                        ),
                    },
                    "RetryPolicies": {"type": "array"},
                    # Lambda and Callback steps (SDK v3's LambdaStep, CallbackStep).
                    "FunctionArn": {"type": "string"},
                    "SqsQueueUrl": {"type": "string", "maxLength": 256},
                    "OutputParameters": {
                        "type": "array",
                        "maxItems": 50,
                        "items": obj(
                            {
                                "OutputName": {"type": "string", "minLength": 1},
                                "OutputType": {"enum": ["String", "Integer", "Boolean", "Float"]},
                            },
                            ["OutputName", "OutputType"],
                        ),
                    },
                },
                ["Name", "Type"],
            ),
            **by_type(
                [
                    arguments_for(
                        "Processing", ["ProcessingResources", "AppSpecification", "RoleArn"]
                    ),
                    arguments_for(
                        "Training",
                        [
                            "AlgorithmSpecification",
                            "OutputDataConfig",
                            "ResourceConfig",
                            "RoleArn",
                            "StoppingCondition",
                        ],
                    ),
                    arguments_for("RegisterModel", ["InferenceSpecification"]),
                    arguments_for(
                        "Tuning", ["HyperParameterTuningJobConfig", "TrainingJobDefinition"]
                    ),
                    arguments_for("Model", ["PrimaryContainer"]),
                    arguments_for(
                        "Transform",
                        ["ModelName", "TransformInput", "TransformOutput", "TransformResources"],
                    ),
                    ("Lambda", {"required": ["FunctionArn"]}),
                    ("Callback", {"required": ["SqsQueueUrl"]}),
                    (
                        "Condition",
                        {
                            "required": ["Arguments"],
                            "properties": {
                                "Arguments": obj(
                                    {
                                        "Conditions": {
                                            "type": "array",
                                            "minItems": 1,
                                            "items": ref("Condition"),
                                        },
                                        "IfSteps": {"type": "array", "items": ref("Step")},
                                        "ElseSteps": {"type": "array", "items": ref("Step")},
                                    },
                                    ["Conditions"],
                                )
                            },
                        },
                    ),
                ]
            ),
        },
    },
}


def render() -> str:
    return json.dumps(SCHEMA, indent=2, sort_keys=True) + "\n"


def main() -> None:
    for path in COPIES:
        path.write_text(render())


if __name__ == "__main__":
    main()
