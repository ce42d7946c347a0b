"""Malformed definitions get clear errors naming the place (JSON path or line:column),
never a traceback; constructs the spec cannot express are reported, never dropped."""

from __future__ import annotations

import contextlib
import copy
import json
from pathlib import Path

import pytest
from import_support import ROOT, import_text

from compiler.importer import DefinitionError

TITANIC = json.loads((ROOT / "tests/golden/titanic-modelbuild-dev.json").read_text())


def _variant(change: str) -> str:
    definition = copy.deepcopy(TITANIC)
    steps = definition["Steps"]
    if change == "version":
        definition["Version"] = "2019-01-01"
    elif change == "unknown-type":
        steps[1]["Type"] = "Teleport"
    elif change == "unsupported-type":
        steps[1]["Type"] = "EMR"
    elif change == "dangling-parameter":
        steps[0]["Arguments"]["AppSpecification"]["ContainerArguments"][1] = {
            "Get": "Parameters.Nope"
        }
    elif change == "dangling-step":
        steps[2]["Arguments"]["ProcessingInputs"][0]["S3Input"]["S3Uri"] = {
            "Get": "Steps.Ghost.ModelArtifacts.S3ModelArtifacts"
        }
    elif change == "dangling-property-file":
        gate = steps[3]["Arguments"]["Conditions"][0]["LeftValue"]["Std:JsonGet"]
        gate["PropertyFile"] = {"Get": "Steps.ModelEvaluation.PropertyFiles.Nope"}
    elif change == "depends-on":
        steps[1]["DependsOn"] = ["Ghost"]
    elif change == "duplicate-step":
        steps[1]["Name"] = "DataPreProcessing"
    elif change == "no-steps":
        definition["Steps"] = []
    return json.dumps(definition)


@pytest.mark.parametrize(
    ("change", "path", "words"),
    [
        ("version", "$.Version", 'definition version "2019-01-01"'),
        ("unknown-type", "$.Steps[1].Type", 'unknown step type "Teleport"'),
        ("unsupported-type", "$.Steps[1].Type", "EMR step, which smpipe cannot import yet"),
        (
            "dangling-parameter",
            "$.Steps[0].Arguments.AppSpecification.ContainerArguments[1].Get",
            'reads parameter "Nope", which the definition does not declare',
        ),
        (
            "dangling-step",
            "$.Steps[2].Arguments.ProcessingInputs[0].S3Input.S3Uri.Get",
            'reads step "Ghost", which the definition does not have',
        ),
        (
            "dangling-property-file",
            "$.Steps[3].Arguments.Conditions[0].LeftValue['Std:JsonGet'].PropertyFile.Get",
            'property file "Nope" of step "ModelEvaluation", which that step does not declare',
        ),
        ("depends-on", "$.Steps[1].DependsOn[0]", 'depends on step "Ghost"'),
        ("duplicate-step", "$.Steps[1].Name", 'step "DataPreProcessing" is defined twice'),
        ("no-steps", "$.Steps", "non-empty Steps list"),
    ],
)
def test_malformed_definitions_are_errors_at_their_place(
    change: str, path: str, words: str
) -> None:
    with pytest.raises(DefinitionError) as caught:
        import_text(_variant(change))
    assert f"  {path}: " in str(caught.value)
    assert words in str(caught.value)
    assert caught.value.exit_code == 1


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ('{"Version": "2020-12-01", "Steps": [', "line 1, column 37: not valid JSON"),
        ("[1, 2]", "a pipeline definition is a JSON object"),
        ('{"PipelineDefinition": 3}', "expected the definition as a JSON string"),
        ('{"PipelineDefinition": "{nope"}', "(PipelineDefinition): cannot import"),
    ],
)
def test_what_is_not_a_definition_is_said_so(data: str, words: str) -> None:
    with pytest.raises(DefinitionError) as caught:
        import_text(data)
    assert words in str(caught.value)


def test_a_describe_pipeline_response_is_unwrapped() -> None:
    response = {
        "PipelineName": "deployed-name",
        "PipelineArn": "arn:aws:sagemaker:eu-west-1:111122223333:pipeline/deployed-name",
        "PipelineDefinition": json.dumps(TITANIC),
        "RoleArn": "arn:aws:iam::111122223333:role/Other",
        "PipelineDescription": "from the console",
    }
    result = import_text(json.dumps(response))
    assert result.identical
    assert "description: from the console" in result.spec_text
    # The output locations name the pipeline titanic-modelbuild-dev: that name is kept.
    assert "name: titanic-modelbuild-dev" in result.spec_text
    assert "Deployed as deployed-name" in result.spec_text


def test_unsupported_constructs_are_reported_by_json_path() -> None:
    definition = copy.deepcopy(TITANIC)
    prep = definition["Steps"][0]
    prep["Arguments"]["ProcessingInputs"][0]["S3Input"]["S3InputMode"] = "Pipe"
    prep["Arguments"]["ProcessingOutputConfig"]["Outputs"][0]["S3Output"]["S3Uri"] = "s3://b/x"
    definition["Steps"][1]["Arguments"]["HyperParameters"]["eta"] = {"Get": "Execution.Nope"}
    result = import_text(json.dumps(definition))
    assert not result.identical and result.compiled_text is None
    by_path = {note.path: note.message for note in result.problems}
    assert by_path == {
        "$.Steps[0].Arguments.ProcessingInputs[0].S3Input.S3InputMode": 'step "DataPreProcessing": the definition has "Pipe"; the imported spec '
        'compiles to "File"',
        "$.Steps[0].Arguments.ProcessingOutputConfig.Outputs[0].S3Output.S3Uri": by_path[
            "$.Steps[0].Arguments.ProcessingOutputConfig.Outputs[0].S3Output.S3Uri"
        ],
        "$.Steps[1].Arguments.HyperParameters.eta.Get": by_path[
            "$.Steps[1].Arguments.HyperParameters.eta.Get"
        ],
    }
    assert (
        "<artifacts>/<pipeline>/<execution id>"
        in by_path["$.Steps[0].Arguments.ProcessingOutputConfig.Outputs[0].S3Output.S3Uri"]
    )
    assert 'execution variable "Nope"' in by_path["$.Steps[1].Arguments.HyperParameters.eta.Get"]
    assert "IMPORT-TODO: " in result.spec_text  # the value is kept where a reviewer sees it


def test_per_file_code_says_which_scripts_and_where() -> None:
    seed = (ROOT / "tests/fixtures/sdk-v3-titanic-definition.json").read_text()
    result = import_text(seed)
    assert [(s.step, s.script, s.source) for s in result.scripts] == [
        ("DataPreProcessing", "preprocess.py", "parameter CodeBundleUri"),
        ("ModelEvaluation", "evaluate.py", "parameter CodeBundleUri"),
    ]
    assert [n.path for n in result.problems] == [
        "$.Steps[0].Arguments.AppSpecification.ContainerEntrypoint",
        "$.Steps[2].Arguments.AppSpecification.ContainerEntrypoint",
    ]
    assert "script: preprocess.py" in result.spec_text
    assert "# REVIEW: preprocess.py now runs from the unpacked code bundle" in result.spec_text


def test_an_import_never_raises_anything_but_a_definition_error(tmp_path: Path) -> None:
    for text in (
        "null",
        '"x"',
        '{"Version": "2020-12-01", "Steps": [1, {"Name": 3}]}',
        '{"Version": "2020-12-01", "Steps": [{"Name": "A", "Type": "Processing",'
        ' "Arguments": []}]}',
    ):
        with contextlib.suppress(DefinitionError):
            import_text(text)


def test_smpipe_metadata_the_source_lacks_is_the_only_metadata_left_out() -> None:
    from compiler.importer.roundtrip import without_local_notes

    compiled = {"Metadata": {"smpipe-lambda-A": "{}", "smpipe-x": "1", "other": "2"}}
    assert without_local_notes(compiled, {"Metadata": {"smpipe-x": "1"}}) == {
        "Metadata": {"smpipe-x": "1", "other": "2"}
    }
    assert without_local_notes({"Steps": []}, {}) == {"Steps": []}


def test_parallelism_and_tags_come_from_a_describe_pipeline_response() -> None:
    response = {
        "PipelineName": "titanic-modelbuild-dev",
        "PipelineDefinition": json.dumps(TITANIC),
        "ParallelismConfiguration": {"MaxParallelExecutionSteps": 3},
        "Tags": [{"Key": "team", "Value": "ml"}, {"Key": "cost-centre", "Value": "42"}],
    }
    result = import_text(json.dumps(response))
    assert result.identical
    lines = result.spec_text.splitlines()
    assert "  max_parallel_steps: 3" in lines
    assert {"  tags:", "    team: ml", "    cost-centre: '42'"} <= set(lines)
