"""pipeline.max_parallel_steps and pipeline.tags: beside the definition (never in it), written
by compile --settings-out, carried by upsert/start, available to the local engine."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from local_support import score_pipeline, seed_all

from compiler.compile import compile_spec_file
from pipeline.cli import cli
from pipeline.local.backend import LocalBackend
from pipeline.local.parallelism import local_limit
from pipeline.local.settings import max_parallel_steps, pipeline_settings

ROOT = Path(__file__).resolve().parent.parent
TYPED = ROOT / "tests" / "golden" / "typed-parameters" / "spec.yaml"
EXPECTED = {
    "ParallelismConfiguration": {"MaxParallelExecutionSteps": 4},
    "Tags": [{"Key": "team", "Value": "ml-platform"}, {"Key": "cost-center", "Value": "1234"}],
}


def test_the_settings_are_beside_the_definition_not_in_it() -> None:
    compiled = compile_spec_file(TYPED, env="test")
    assert compiled.settings == EXPECTED
    assert compiled.max_parallel_steps == 4
    assert "Parallelism" not in compiled.text and "ml-platform" not in compiled.text
    titanic = compile_spec_file(ROOT / "spec" / "titanic-modelbuild.yaml", env="dev")
    assert titanic.settings == {}


def test_compile_writes_the_settings_file(tmp_path: Path) -> None:
    out, settings = tmp_path / "typed.json", tmp_path / "typed.settings.json"
    result = CliRunner().invoke(
        cli,
        ["compile", str(TYPED), "--env", "test", "-o", str(out), "--settings-out", str(settings)],
    )
    assert result.exit_code == 0, result.output
    assert json.loads(settings.read_text()) == EXPECTED
    assert out.read_text() == compile_spec_file(TYPED, env="test").text


def test_local_upsert_stores_them_and_start_overrides_the_parallelism(tmp_path: Path) -> None:
    state = tmp_path / "state"
    seed_all(state, tmp_path)
    backend = LocalBackend(state)
    backend.upsert("toy", score_pipeline(), "role", None, EXPECTED)
    assert pipeline_settings(backend.home, "toy") == EXPECTED
    first = backend.start("toy", {})
    second = backend.start("toy", {}, max_parallel_steps=1)
    for arn in (first, second):
        assert backend.wait(arn, timeout=120)
    assert max_parallel_steps(backend.home, "toy", first.rsplit("/", 1)[1]) == 4
    assert max_parallel_steps(backend.home, "toy", second.rsplit("/", 1)[1]) == 1
    # The engine applies them (capped further by the machine's own limit).
    assert backend.home.state.execution(second)["max_parallel"] == 1
    assert backend.home.state.execution(first)["max_parallel"] == min(4, local_limit(None))
    backend.upsert("toy", score_pipeline(), "role", None)  # no settings: no cap of its own
    assert max_parallel_steps(backend.home, "toy", "another") is None


def test_upsert_of_a_definition_reads_the_settings_file_beside_it(tmp_path: Path) -> None:
    definition = tmp_path / "toy.json"
    definition.write_text(score_pipeline())
    (tmp_path / "toy.settings.json").write_text(json.dumps(EXPECTED))
    state = tmp_path / "state"
    seed_all(state, tmp_path)
    result = CliRunner().invoke(cli, ["upsert", str(definition), "--state-dir", str(state)])
    assert result.exit_code == 0, result.output
    assert pipeline_settings(LocalBackend(state).home, "toy") == EXPECTED


def test_steps_says_once_what_has_no_local_effect(tmp_path: Path) -> None:
    state = tmp_path / "state"
    seed_all(state, tmp_path)
    document = json.loads(score_pipeline())
    for step in document["Steps"]:
        if step["Type"] == "Processing":
            step["Arguments"]["NetworkConfig"] = {
                "EnableNetworkIsolation": False,
                "VpcConfig": {"SecurityGroupIds": ["sg-1"], "Subnets": ["subnet-1"]},
            }
            step["Arguments"]["ProcessingResources"]["ClusterConfig"]["VolumeKmsKeyId"] = "k"
    backend = LocalBackend(state)
    backend.upsert("secure", json.dumps(document), "role", None)
    arn = backend.start("secure", {})
    assert backend.wait(arn, timeout=120)
    result = CliRunner().invoke(cli, ["steps", arn, "--state-dir", str(state)])
    assert result.exit_code == 0, result.output
    notes = [line for line in result.output.splitlines() if line.startswith("note: ")]
    assert notes == [
        "note: VPC and network settings (the jobs use this machine's network): no effect "
        "locally (steps Score)",
        "note: KMS keys (volumes and outputs here are not encrypted with them): no effect "
        "locally (steps Score)",
    ]
    backend.upsert("plain", score_pipeline(), "role", None)
    arn = backend.start("plain", {})
    assert backend.wait(arn, timeout=120)
    assert "note:" not in CliRunner().invoke(cli, ["steps", arn, "--state-dir", str(state)]).output


def test_the_settings_file_bytes_are_stable_and_reviewable() -> None:
    """Sorted keys, two-space indent, UTF-8 kept as written and a final newline: the file is
    committed and diffed in review like the definition."""
    from compiler.emit.settings import dumps_settings

    settings = {"Tags": [{"Value": "équipe", "Key": "team"}], "A": 1}
    assert dumps_settings(settings) == (
        '{\n  "A": 1,\n  "Tags": [\n    {\n      "Key": "team",\n      "Value": "équipe"\n'
        "    }\n  ]\n}\n"
    )
