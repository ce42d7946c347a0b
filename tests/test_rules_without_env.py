"""`smpipe validate` without --env: a value still holding a ${...} deploy variable is known
only at deploy time, so the rules that check names, URIs, ARNs, ids and tags leave it alone
(each would otherwise report the "${" as a bad character)."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from pipeline.cli import cli

SPEC = """\
version: 1
pipeline:
  name: ${name}
  role: ${role_arn}
  artifacts: s3://${bucket}/runtime
  code_bundle: Code
  tags: {"${tag_key}": "${tag_value}"}
parameters:
  Code: {type: String, default: "s3://${bucket}/code.tar.gz"}
  Data: {type: String, default: "${data_uri}"}
images:
  xgboost: {framework: xgboost, version: "1.7-1"}
defaults:
  instance_type: ml.m5.large
  vpc: {subnets: ["${subnet}"], security_group_ids: ["${security_group}"]}
steps:
  - name: Train
    type: training
    image: xgboost
    hyperparameters: {num_round: "${rounds}"}
    channels: [{name: train, source: {param: Data}, content_type: text/csv}]
    spot: {max_wait_seconds: 90000, checkpoint_s3_uri: "${checkpoints}"}
  - name: Register
    type: register
    model_data: {step: Train, output: model}
    image: xgboost
    model_package_group: ${group}
    content_types: [text/csv]
    response_types: [text/csv]
  - name: Notify
    type: lambda
    function_arn: ${function_arn}
  - name: Wait
    type: callback
    queue_url: ${queue_url}
    outputs: [{name: ok, type: String}]
"""


def test_deploy_variables_are_left_to_deploy_time(tmp_path: Path) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text(SPEC)
    result = CliRunner().invoke(cli, ["validate", str(spec), "--strict"])
    assert result.exit_code == 0, result.output
    assert "[" not in result.stdout, result.stdout


IMAGES_SPEC = """\
version: 1
pipeline:
  name: images
  role: arn:aws:iam::111122223333:role/Pipeline
  artifacts: s3://images-bucket/runtime
  code_bundle: Code
parameters:
  Code: {type: String, default: "s3://images-bucket/code.tar.gz"}
images:
  custom: {uri: "111122223333.dkr.ecr.eu-west-1.amazonaws.com/custom:1"}
  sklearn: {framework: sklearn, version: "1.2-1"}
steps:
  - {name: Prepare, type: processing, image: sklearn, script: a.py, instance_type: ml.m5.large}
"""


def _validate_with_env(tmp_path: Path, env: str) -> tuple[int, str]:
    (tmp_path / "env").mkdir()
    (tmp_path / "env" / "test.yaml").write_text(env)
    spec = tmp_path / "spec.yaml"
    spec.write_text(IMAGES_SPEC)
    result = CliRunner().invoke(cli, ["validate", str(spec), "--env", "test"])
    return result.exit_code, result.stdout


def test_an_environment_without_a_region_is_named_at_the_first_framework_image(
    tmp_path: Path,
) -> None:
    code, out = _validate_with_env(tmp_path, "account: '111122223333'\n")
    assert code == 1
    assert out.splitlines()[0] == (
        f'{tmp_path / "spec.yaml"}:11:12: deploy variable "region" is not set: images by '
        "framework are resolved for it [deploy-variable-missing]"
    )


def test_a_region_left_as_a_deploy_variable_is_not_checked(tmp_path: Path) -> None:
    _, out = _validate_with_env(tmp_path, "region: ${deploy_region}\n")
    assert "[image-region]" not in out, out
