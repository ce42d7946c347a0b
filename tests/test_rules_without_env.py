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
