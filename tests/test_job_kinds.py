"""The tuning, model and transform kinds and script mode: their Arguments are valid requests
for botocore's own validator, and their rules hold on hand-made specs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from botocore.session import get_session
from botocore.validate import ParamValidator

from compiler.compile import compile_spec_file

ROOT = Path(__file__).resolve().parent.parent
OPERATIONS = {
    "Training": ("CreateTrainingJob", "TrainingJobName"),
    "Tuning": ("CreateHyperParameterTuningJob", "HyperParameterTuningJobName"),
    "Model": ("CreateModel", "ModelName"),
    "Transform": ("CreateTransformJob", "TransformJobName"),
}
SPECS = [
    (ROOT / "spec" / "examples" / "titanic-tuning.yaml", "dev"),
    (ROOT / "tests" / "golden" / "jobs" / "spec.yaml", "test"),
]


def _concrete(value: Any, shape: Any) -> Any:
    """Stand a value of the right type in for each run-time expression."""
    if isinstance(value, dict) and len(value) == 1 and next(iter(value)) in ("Get", "Std:Join"):
        return 1 if shape is not None and shape.type_name == "integer" else "s3://bucket/x"
    if isinstance(value, dict):
        members = getattr(shape, "members", {})
        value_shape = getattr(shape, "value", None)
        return {
            k: _concrete(v, members.get(k) if members else value_shape) for k, v in value.items()
        }
    if isinstance(value, list):
        return [_concrete(v, getattr(shape, "member", None)) for v in value]
    return value


def _steps(spec: Path, env: str) -> list[dict[str, Any]]:
    definition = compile_spec_file(spec, env=env).definition
    found = []
    for step in definition["Steps"]:
        found.append(step)
        if step["Type"] == "Condition":
            found += step["Arguments"]["IfSteps"] + step["Arguments"]["ElseSteps"]
    return found


@pytest.mark.parametrize(("spec", "env"), SPECS, ids=[s.parent.name for s, _ in SPECS])
def test_arguments_are_valid_api_requests(spec: Path, env: str) -> None:
    model = get_session().get_service_model("sagemaker")
    checked = 0
    for step in _steps(spec, env):
        if step["Type"] not in OPERATIONS:
            continue
        operation, name_key = OPERATIONS[step["Type"]]
        shape = model.operation_model(operation).input_shape
        request = {name_key: "job-name", **_concrete(step["Arguments"], shape)}
        report = ParamValidator().validate(request, shape)
        assert not report.has_errors(), f"{step['Name']}: {report.generate_report()}"
        checked += 1
    assert checked >= 3


def test_the_best_model_is_the_top_job_of_the_tuning_output_path() -> None:
    steps = {s["Name"]: s for s in _steps(*SPECS[0])}
    tuning = steps["TuneModel"]["Arguments"]["TrainingJobDefinition"]
    best = steps["CreateBestModel"]["Arguments"]["PrimaryContainer"]["ModelDataUrl"]["Std:Join"]
    output = tuning["OutputDataConfig"]["S3OutputPath"]["Std:Join"]["Values"]
    assert "/".join(output) == "/".join(best["Values"][:3])
    assert best["Values"][3:] == [
        {"Get": "Steps.TuneModel.TrainingJobSummaries[0].TrainingJobName"},
        "output/model.tar.gz",
    ]
    assert "/".join(best["Values"][:3]) == (
        "s3://titanic-mlops-artifacts-dev/pipeline/runtime/titanic-tuning-dev/TuneModel/model"
    )


def test_script_mode_reads_the_code_bundle_parameter() -> None:
    steps = {s["Name"]: s for s in _steps(*SPECS[0])}
    static = steps["TuneModel"]["Arguments"]["TrainingJobDefinition"]["StaticHyperParameters"]
    assert static["sagemaker_program"] == "train.py"
    assert static["sagemaker_submit_directory"] == {"Get": "Parameters.CodeBundleUri"}
    environment = steps["CreateBestModel"]["Arguments"]["PrimaryContainer"]["Environment"]
    assert environment["SAGEMAKER_PROGRAM"] == "inference.py"
    assert environment["SAGEMAKER_SUBMIT_DIRECTORY"] == {"Get": "Parameters.CodeBundleUri"}


def test_grid_search_sets_no_job_limit() -> None:
    steps = {s["Name"]: s for s in _steps(*SPECS[1])}
    limits = steps["GridSearch"]["Arguments"]["HyperParameterTuningJobConfig"]["ResourceLimits"]
    assert limits == {"MaxParallelTrainingJobs": 4}
    assert json.dumps(steps["Score"]).count("TransformOutput") == 1


def test_sagemaker_records_show_where_tuning_and_transform_jobs_log() -> None:
    from pipeline.sagemaker.records import step_metadata

    region = "arn:aws:sagemaker:eu-west-1:111122223333"
    tuning = step_metadata({"TuningJob": {"Arn": f"{region}:hyper-parameter-tuning-job/tune-abc"}})
    assert tuning["TuningJobArn"].endswith("/tune-abc")
    assert (tuning["LogGroup"], tuning["LogStreamPrefix"]) == (
        "/aws/sagemaker/TrainingJobs",
        "tune-abc-",  # every training job of the tuning job: tune-abc-001-..., tune-abc-002-...
    )
    transform = step_metadata({"TransformJob": {"Arn": f"{region}:transform-job/pipelines-x"}})
    assert (transform["LogGroup"], transform["JobName"]) == (
        "/aws/sagemaker/TransformJobs",
        "pipelines-x",
    )
    model = step_metadata({"Model": {"Arn": f"{region}:model/pipelines-x-createbestmodel"}})
    assert model["ModelArn"].endswith("createbestmodel")
