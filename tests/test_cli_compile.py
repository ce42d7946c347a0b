"""The compile-side CLI as a user meets it: exit codes, bad files, JSON output, -o, imports."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.cli import cli

ROOT = Path(__file__).resolve().parent.parent
TITANIC = ROOT / "spec" / "titanic-modelbuild.yaml"


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    assert not isinstance(result.exception, Exception) or isinstance(
        result.exception, SystemExit
    ), result.exception
    return result.exit_code, result.stdout, result.stderr


def copy_titanic(tmp_path: Path, *replacements: tuple[str, str]) -> Path:
    (tmp_path / "env").mkdir(exist_ok=True)
    (tmp_path / "env" / "dev.yaml").write_text((ROOT / "spec" / "env" / "dev.yaml").read_text())
    text = TITANIC.read_text()
    for old, new in replacements:
        assert old in text
        text = text.replace(old, new)
    spec = tmp_path / "spec.yaml"
    spec.write_text(text)
    return spec


def test_validate_clean_spec_exits_0() -> None:
    assert invoke("validate", str(TITANIC), "--env", "dev")[0] == 0
    assert invoke("validate", str(TITANIC))[0] == 0  # without --env: variables left unresolved


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    assert invoke("validate")[0] == 2
    code, _, err = invoke("validate", str(TITANIC), "--var", "no-equals")
    assert code == 2 and "--var expects KEY=VALUE" in err
    code, _, err = invoke("validate", str(TITANIC), "--env", "prod")
    assert code == 2 and 'no environment "prod"' in err and "known: dev" in err


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "is a directory, expected a YAML file"),
        (b"", "the file is empty"),
        (b"\x00\x01\x02", "is a binary file"),
        (b"\xff\xfeversion: 1", "is not UTF-8 text"),
        (b"- just\n- a list\n", "a spec is a YAML mapping"),
        (b"version: 1\npipeline: {name: x\n", "invalid YAML"),
    ],
)
def test_bad_files_get_one_positioned_line(
    tmp_path: Path, content: bytes | None, message: str
) -> None:
    target = tmp_path / "bad.yaml"
    if content is None:
        target.mkdir()
    else:
        target.write_bytes(content)
    code, out, _ = invoke("validate", str(target))
    assert code == 1
    assert out.startswith(f"{target}:") and message in out
    assert "Traceback" not in out


def test_missing_file_is_reported_not_raised(tmp_path: Path) -> None:
    code, out, _ = invoke("validate", str(tmp_path / "nope.yaml"))
    assert code == 1 and "cannot read the file" in out


def test_json_format(tmp_path: Path) -> None:
    spec = copy_titanic(tmp_path, ("property_file: EvaluationReport", "property_file: EvalReport"))
    code, out, _ = invoke("validate", str(spec), "--env", "dev", "--format", "json")
    assert code == 1
    [diagnostic] = json.loads(out)
    assert diagnostic["rule"] == "property-file-unknown"
    assert (diagnostic["line"], diagnostic["column"]) == (120, 28)
    assert diagnostic["path"] == ["steps", 3, "conditions", 0, "left", "json_get", "property_file"]


@pytest.mark.parametrize(
    ("old", "new", "rule"),
    [
        (
            "source: {step: DataPreProcessing, output: train}",
            "source: {step: DataPreprocesing, output: train}",
            "step-unknown",
        ),
        ("property_file: EvaluationReport", "property_file: EvalReport", "property-file-unknown"),
        ("right: {param: AccuracyThreshold}", 'right: "0.78"', "gate-threshold-type"),
        ("      max_depth: 5\n", "      max_depth: 5\n      max_depth: 7\n", "yaml-duplicate-key"),
        (
            "    script: preprocess.py\n",
            "    script: preprocess.py\n    depends_on: [ModelEvaluation]\n",
            "step-cycle",
        ),
        ("QualityGateAccuracy", "Q" * 70, "name-invalid"),
    ],
)
def test_hand_made_mistakes_give_one_actionable_error(
    tmp_path: Path, old: str, new: str, rule: str
) -> None:
    spec = copy_titanic(tmp_path, (old, new))
    code, out, _ = invoke("validate", str(spec), "--env", "dev", "--format", "json")
    diagnostics = json.loads(out)
    assert code == 1
    assert [d["rule"] for d in diagnostics] == [rule], diagnostics


def test_compile_writes_atomically_and_refuses_bad_targets(tmp_path: Path) -> None:
    out = tmp_path / "definition.json"
    assert invoke("compile", str(TITANIC), "--env", "dev", "-o", str(out))[0] == 0
    assert json.loads(out.read_text())["Version"] == "2020-12-01"
    assert list(tmp_path.iterdir()) == [out]  # no temporary files left
    code, _, err = invoke(
        "compile", str(TITANIC), "--env", "dev", "-o", str(tmp_path / "missing" / "x.json")
    )
    assert code == 2 and "does not exist" in err
    code, _, err = invoke("compile", str(TITANIC), "--env", "dev", "-o", str(tmp_path))
    assert code == 2 and "is a directory" in err


def test_compile_with_problems_exits_1_and_writes_nothing(tmp_path: Path) -> None:
    spec = copy_titanic(tmp_path, ("image: sklearn", "image: sklearm"))
    out = tmp_path / "definition.json"
    code, _, err = invoke("compile", str(spec), "--env", "dev", "-o", str(out))
    assert code == 1 and "[image-undefined]" in err and not out.exists()


def test_compile_needs_deploy_variables() -> None:
    code, _, err = invoke("compile", str(TITANIC))
    assert code == 1 and 'deploy variable "data_bucket" is not set' in err


@pytest.mark.parametrize("spec", [TITANIC, TITANIC.parent / "examples" / "titanic-tuning.yaml"])
def test_compile_imports_neither_the_sdk_nor_boto3_nor_the_engine(
    tmp_path: Path, spec: Path
) -> None:
    probe = (
        "import sys\n"
        "from pipeline.cli import main\n"
        f"sys.argv = ['smpipe', 'compile', {str(spec)!r}, '--env', 'dev', '-o', {str(tmp_path / 'd.json')!r}]\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('sagemaker', 'boto3', 'botocore', 'pandas', 'xgboost', 'numpy') or m.startswith('pipeline.local'))\n"
        "print(heavy)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def test_internal_errors_are_one_line() -> None:
    # A bug (not bad input) still ends with one line and exit 3, no traceback.
    probe = (
        "import compiler.commands.validate as v\n"
        "v.check_spec_file = lambda *a, **k: 1 / 0\n"
        "import sys\n"
        "from pipeline.cli import main\n"
        "sys.argv = ['smpipe', 'validate', 'x.yaml']\n"
        "main()\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert result.returncode == 3
    assert "internal error: ZeroDivisionError" in result.stderr and "Traceback" not in result.stderr


def _long_chain_spec(tmp_path: Path, steps: int) -> Path:
    (tmp_path / "env").mkdir(exist_ok=True)
    (tmp_path / "env" / "dev.yaml").write_text((ROOT / "spec" / "env" / "dev.yaml").read_text())
    lines = [
        "version: 1",
        "pipeline: {name: long-chain, role: '${role_arn}', artifacts: 's3://${data_bucket}/runtime', code_bundle: Code}",
        "parameters:",
        "  Code: {type: String, default: 's3://${data_bucket}/code/pipeline_code.tar.gz'}",
        "images:",
        "  sklearn: {framework: sklearn, version: '1.2-1'}",
        "steps:",
    ]
    for index in range(steps):
        lines += [
            f"  - name: Step{index}",
            "    type: processing",
            "    image: sklearn",
            "    script: step.py",
            "    outputs: [{name: out, source: /opt/ml/processing/out}]",
        ]
        if index:
            lines.append(
                f"    inputs: [{{name: previous, source: {{step: Step{index - 1}, output: out}}, destination: /opt/ml/processing/in}}]"
            )
    spec = tmp_path / "long.yaml"
    spec.write_text("\n".join(lines) + "\n")
    return spec


def test_a_definition_over_the_inline_limit_compiles_with_a_warning(tmp_path: Path) -> None:
    spec = _long_chain_spec(tmp_path, 500)
    out = tmp_path / "definition.json"
    code, _, err = invoke("compile", str(spec), "--env", "dev", "-o", str(out))
    assert code == 0
    assert "warning: the compiled definition is" in err and "[definition-size]" in err
    assert out.stat().st_size > 1_048_576
    code, text, _ = invoke("validate", str(spec), "--env", "dev")
    assert code == 0 and "warning:" in text


@pytest.mark.parametrize("command", ["validate", "compile", "run", "upsert"])
def test_every_command_checks_deploy_variables_the_same_way(command: str) -> None:
    code, _, err = invoke(command, str(TITANIC), "--env", "dev", "--var", "bad-key=1")
    assert code == 2
    assert '--var expects KEY=VALUE with KEY a name, got "bad-key=1"' in err
