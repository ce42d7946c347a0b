"""Definitions built with the SageMaker Python SDK v3's own classes import and round-trip:
the SDK emitter's equivalence fixtures (every spec of tests/test_sdk_emitter.py, as the SDK
defines it, MlflowConfig null included) and two pipelines in the style of AWS's examples
(tests/sdk_pipelines.py). The abalone template as AWS writes it, with each script uploaded
on its own, and a PySparkProcessor step on an uploaded script import with their scripts
listed and exactly those places reported."""

from __future__ import annotations

import json
from typing import Any

import pytest
import sdk_pipelines
import yaml
from import_support import import_text
from test_sdk_emitter import CASES, sdk_and_compiled

from compiler.emit_sdk import sdk_definition
from compiler.importer.roundtrip import normalise, without_local_notes


def _canonical(value: Any) -> str:
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


@pytest.mark.parametrize(("spec", "env", "overrides"), CASES)
def test_the_sdk_emitters_definitions_import_to_the_compiled_bytes(
    spec: str, env: str, overrides: dict[str, str]
) -> None:
    pipeline, compiled, region = sdk_and_compiled(spec, env, overrides)
    emitted = sdk_definition(pipeline, region)
    assert json.loads(emitted)["MlflowConfig"] is None  # normalisation 1 is needed
    result = import_text(emitted)
    assert result.problems == []
    assert result.compiled_text is not None
    # Byte for byte, but for the local-engine notes the SDK cannot write (normalisation 3).
    source = json.loads(emitted)
    back = without_local_notes(json.loads(result.compiled_text), source)
    assert _canonical(back) == _canonical(without_local_notes(compiled, source))


@pytest.mark.parametrize("build", [sdk_pipelines.abalone, sdk_pipelines.churn])
def test_aws_style_sdk_pipelines_round_trip(build: Any) -> None:
    definition = build()
    result = import_text(definition)
    assert result.problems == []
    assert result.compiled_text == _canonical(normalise(json.loads(definition)))
    assert 'sklearn: {framework: sklearn, version: "1.2-1"}' in result.spec_text
    assert result.env_values["region"] == sdk_pipelines.REGION
    assert result.env_values["role_arn"] == sdk_pipelines.ROLE
    assert "role: ${role_arn}" in result.spec_text


def test_the_abalone_spec_reads_like_the_project_writes_it() -> None:
    text = import_text(sdk_pipelines.abalone()).spec_text
    for line in [
        "  code_bundle: CodeBundleUri",
        "    default: s3://${data_bucket}/pipeline/code/${git_sha}/pipeline_code.tar.gz",
        '  xgboost: {framework: xgboost, version: "1.7-1"}',
        "  cache: {enabled: true, expire_after: PT12H}",
        "    script: preprocess.py",
        "        source: {step: TrainAbaloneModel, output: model}",
        "    if_steps: [RegisterAbaloneModel]",
        "    else_steps: [AbaloneMSEFail]",
        "        right: {param: MseThreshold}",
    ]:
        assert line in text.splitlines(), line


def test_per_file_code_is_listed_and_reported() -> None:
    result = import_text(sdk_pipelines.abalone(per_file_code=True))
    code = f"s3://{sdk_pipelines.BUCKET}/abalone/code"
    assert [(s.step, s.script, s.source) for s in result.scripts] == [
        ("PreprocessAbaloneData", "preprocess.py", f"{code}/preprocess.py"),
        ("EvaluateAbaloneModel", "evaluate.py", f"{code}/evaluate.py"),
    ]
    assert [n.path for n in result.problems] == [
        "$.Parameters[2]",  # the CodeBundleUri parameter the spec adds
        "$.Steps[0].Arguments.AppSpecification.ContainerEntrypoint",
        "$.Steps[0].Arguments.ProcessingInputs[1].S3Input.S3Uri",
        "$.Steps[2].Arguments.AppSpecification.ContainerEntrypoint",
        "$.Steps[2].Arguments.ProcessingInputs[2].S3Input.S3Uri",
    ]
    assert result.compiled_text is None
    assert f"#   PreprocessAbaloneData: preprocess.py from {code}/preprocess.py" in result.spec_text
    assert "put it at pipeline/code/preprocess.py" in result.spec_text


def test_an_aws_style_pyspark_step_imports_as_spark_with_its_script_listed() -> None:
    # PySparkProcessor's own entrypoint (smspark-submit on the script it was given), the
    # script uploaded on its own, an S3 dependency, and its configuration read from S3.
    definition, uploads = sdk_pipelines.pyspark_preprocess()
    result = import_text(definition, read_object=lambda uri: uploads[uri])
    code = f"s3://{sdk_pipelines.BUCKET}/abalone/code"
    assert [(s.step, s.script, s.source) for s in result.scripts] == [
        ("PreprocessPySpark", "preprocess.py", f"{code}/preprocess.py")
    ]
    assert [n.path for n in result.problems] == [
        "$.Parameters[1]",  # the CodeBundleUri parameter the spec adds
        "$.Steps[0].Arguments.AppSpecification.ContainerEntrypoint",
        "$.Steps[0].Arguments.ProcessingInputs[1].S3Input.S3Uri",
    ]
    assert "smspark-submit" in result.problems[1].message
    step = yaml.safe_load(result.spec_text)["steps"][0]
    assert (step["type"], step["script"]) == ("spark", "preprocess.py")
    assert step["py_files"] == ["s3://${data_bucket}/abalone/code/features.py"]
    assert step["configuration"] == [
        {"classification": "spark-defaults", "properties": {"spark.executor.memory": "2g"}}
    ]
    assert "inputs" not in step  # the conf input is derived from the configuration
    assert "put it at pipeline/code/preprocess.py" in result.spec_text
