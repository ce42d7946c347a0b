"""Builders for the local engine's tests: small bundles and definitions that need neither the
compiler nor the Titanic step code, so each test can set up exactly the case it checks."""

from __future__ import annotations

import io
import json
import tarfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pipeline.local.backend import LocalBackend

BOOTSTRAP_HEAD = ["/bin/sh", "-c"]
BUCKET = "s3://test-bucket"
ECR = "141502667606.dkr.ecr.eu-west-1.amazonaws.com"
SKLEARN_IMAGE = f"{ECR}/sagemaker-scikit-learn:1.2-1-cpu-py3"
XGBOOST_IMAGE = f"{ECR}/sagemaker-xgboost:1.7-1"


def wait_for(condition: Callable[[], object], what: str, limit: float = 60.0) -> object:
    """Poll ``condition`` until it is true (a limit against hangs, not a timed assertion)."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.05)
    raise AssertionError(f"gave up waiting for {what}")


def bootstrap_entrypoint(script: str) -> list[str]:
    from pipeline.local.containers import BUNDLE_BOOTSTRAP

    if isinstance(BUNDLE_BOOTSTRAP, list | tuple):
        return [*BUNDLE_BOOTSTRAP, script]
    return [*BOOTSTRAP_HEAD, BUNDLE_BOOTSTRAP, script]


def run_pipeline(backend: LocalBackend, name: str, text: str, **params: str) -> str:
    """Upsert ``text`` as pipeline ``name``, start it with ``params`` and wait for its end."""
    backend.upsert(name, text, "role", None)
    arn = backend.start(name, params)
    assert backend.wait(arn, timeout=120)
    return arn


def make_bundle(path: Path, files: dict[str, str]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(path, "w:gz") as tar:
        for name, text in sorted(files.items()):
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def output_uri(step: str, output: str) -> dict[str, Any]:
    return {
        "Std:Join": {
            "On": "/",
            "Values": [
                f"{BUCKET}/runtime",
                {"Get": "Execution.PipelineName"},
                {"Get": "Execution.PipelineExecutionId"},
                step,
                output,
            ],
        }
    }


def processing_step(
    name: str,
    script: str,
    *,
    inputs: list[tuple[str, Any, str]] = (),  # type: ignore[assignment]
    outputs: list[tuple[str, str]] = (),  # type: ignore[assignment]
    arguments: list[Any] = (),  # type: ignore[assignment]
    cache: bool = True,
    property_files: list[dict[str, str]] | None = None,
    depends_on: list[str] | None = None,
) -> dict[str, Any]:
    processing_inputs = [
        {
            "InputName": input_name,
            "S3Input": {
                "S3Uri": uri,
                "LocalPath": local_path,
                "S3DataType": "S3Prefix",
                "S3InputMode": "File",
            },
        }
        for input_name, uri, local_path in inputs
    ]
    processing_inputs.append(
        {
            "InputName": "code",
            "S3Input": {
                "S3Uri": {"Get": "Parameters.CodeBundleUri"},
                "LocalPath": "/opt/ml/processing/input/code",
                "S3DataType": "S3Prefix",
                "S3InputMode": "File",
            },
        }
    )
    step: dict[str, Any] = {
        "Name": name,
        "Type": "Processing",
        "Arguments": {
            "AppSpecification": {
                "ImageUri": SKLEARN_IMAGE,
                "ContainerEntrypoint": bootstrap_entrypoint(script),
                "ContainerArguments": list(arguments),
            },
            "ProcessingInputs": processing_inputs,
            "ProcessingOutputConfig": {
                "Outputs": [
                    {
                        "OutputName": output_name,
                        "S3Output": {
                            "S3Uri": output_uri(name, output_name),
                            "LocalPath": local_path,
                            "S3UploadMode": "EndOfJob",
                        },
                    }
                    for output_name, local_path in outputs
                ]
            },
            "ProcessingResources": {
                "ClusterConfig": {"InstanceType": "ml.m5.large", "InstanceCount": 1}
            },
        },
    }
    if cache:
        step["CacheConfig"] = {"Enabled": True, "ExpireAfter": "30d"}
    if property_files:
        step["PropertyFiles"] = property_files
    if depends_on:
        step["DependsOn"] = depends_on
    return step


def _join(*values: Any) -> dict[str, Any]:
    return {"Std:Join": {"On": "/", "Values": list(values)}}


def definition(steps: list[dict[str, Any]], parameters: list[dict[str, Any]]) -> str:
    return json.dumps(
        {"Version": "2020-12-01", "Metadata": {}, "Parameters": parameters, "Steps": steps},
        indent=2,
    )


# A script that writes a score report (its value from --score), and reads an input if given.
SCORE_SCRIPT = """
import argparse, json, os, sys, time
root = os.environ.get("SMPIPE_CONTAINER_ROOT", "/")
parser = argparse.ArgumentParser()
parser.add_argument("--score", type=float, required=True)
parser.add_argument("--sleep", type=float, default=0)
args = parser.parse_args()
data = os.path.join(root, "opt/ml/processing/input/data")
if os.path.isdir(data):
    for name in sorted(os.listdir(data)):
        text = open(os.path.join(data, name)).read()
        if "CORRUPT" in text:
            sys.exit("bad input file " + name + ": it is corrupt")
time.sleep(args.sleep)
out = os.path.join(root, "opt/ml/processing/report")
with open(os.path.join(out, "report.json"), "w") as f:
    json.dump({"metrics": {"score": args.score}, "binary_classification_metrics":
              {"accuracy": {"value": args.score, "standard_deviation": "NaN"}}}, f)
with open(os.path.join(out, "model.tar.gz"), "w") as f:
    f.write("not really a model")
print("wrote the report with score", args.score)
"""


def score_gate(
    threshold: Any, if_steps: list[dict[str, Any]], else_steps: list[dict[str, Any]]
) -> dict[str, Any]:
    """Condition "Gate": Score's report metrics.score >= ``threshold``."""
    return {
        "Name": "Gate",
        "Type": "Condition",
        "Arguments": {
            "Conditions": [
                {
                    "Type": "GreaterThanOrEqualTo",
                    "LeftValue": {
                        "Std:JsonGet": {
                            "PropertyFile": {"Get": "Steps.Score.PropertyFiles.Report"},
                            "Path": "metrics.score",
                        }
                    },
                    "RightValue": threshold,
                }
            ],
            "IfSteps": if_steps,
            "ElseSteps": else_steps,
        },
    }


def score_pipeline(*, score_param: str = "0.9", sleep: float = 0.0) -> str:
    """Score (processing) -> Gate (>= Threshold) -> Register | else Fail."""
    score = processing_step(
        "Score",
        "score.py",
        inputs=[("data", {"Get": "Parameters.InputUri"}, "/opt/ml/processing/input/data")],
        outputs=[("report", "/opt/ml/processing/report")],
        arguments=["--score", {"Get": "Parameters.Score"}, "--sleep", str(sleep)],
        property_files=[
            {"PropertyFileName": "Report", "OutputName": "report", "FilePath": "report.json"}
        ],
    )
    report_uri = {"Get": "Steps.Score.ProcessingOutputConfig.Outputs['report'].S3Output.S3Uri"}
    register = {
        "Name": "Register",
        "Type": "RegisterModel",
        "Arguments": {
            "ModelPackageGroupName": "test-group",
            "ModelApprovalStatus": "PendingManualApproval",
            "InferenceSpecification": {
                "Containers": [
                    {
                        "Image": XGBOOST_IMAGE,
                        "ModelDataUrl": _join(report_uri, "model.tar.gz"),
                    }
                ],
                "SupportedContentTypes": ["text/csv"],
                "SupportedResponseMIMETypes": ["text/csv"],
            },
            "ModelMetrics": {
                "ModelQuality": {
                    "Statistics": {
                        "ContentType": "application/json",
                        "S3Uri": _join(report_uri, "report.json"),
                    }
                }
            },
        },
    }
    fail = {
        "Name": "TooLow",
        "Type": "Fail",
        "Arguments": {
            "ErrorMessage": {
                "Std:Join": {"On": " ", "Values": ["score below", {"Get": "Parameters.Threshold"}]}
            }
        },
    }
    gate = score_gate({"Get": "Parameters.Threshold"}, [register], [fail])
    parameters = [
        {"Name": "CodeBundleUri", "Type": "String", "DefaultValue": f"{BUCKET}/code/bundle.tar.gz"},
        {"Name": "InputUri", "Type": "String", "DefaultValue": f"{BUCKET}/data/input.csv"},
        {"Name": "Score", "Type": "Float", "DefaultValue": float(score_param)},
        {"Name": "Threshold", "Type": "Float", "DefaultValue": 0.5},
    ]
    return definition([score, gate], parameters)


PREP_SCRIPT = """
import os
root = os.environ.get("SMPIPE_CONTAINER_ROOT", "/")
with open(os.path.join(root, "opt/ml/processing/prepared/prepared.txt"), "w") as f:
    f.write("prepared")
print("prepared")
"""

# Waits until its partner has started too: succeeds only if both run at the same time.
RENDEZVOUS_SCRIPT = """
import os, sys, time
me, partner = sys.argv[1], sys.argv[2]
shared = os.environ["RENDEZVOUS_DIR"]
open(os.path.join(shared, me), "w").close()
for _ in range(400):
    if os.path.exists(os.path.join(shared, partner)):
        print(me, "met", partner)
        sys.exit(0)
    time.sleep(0.05)
sys.exit(me + " never met " + partner)
"""


# A fan-out's job: marks that it started, fails if it is $GATE_FAIL, and else waits for
# $GATE_DIR/release (at most a minute) or, with $GATE_QUORUM, until that many have started.
GATE_SCRIPT = """
import os, sys, time
me, shared = sys.argv[1], os.environ["GATE_DIR"]
open(os.path.join(shared, "started-" + me), "w").close()
if me == os.environ.get("GATE_FAIL"):
    sys.exit(me + " fails on purpose")
quorum = int(os.environ.get("GATE_QUORUM") or 0)
for _ in range(1200):
    started = [n for n in os.listdir(shared) if n.startswith("started-")]
    if os.path.exists(os.path.join(shared, "release")) or quorum and len(started) >= quorum:
        sys.exit(0)
    time.sleep(0.05)
sys.exit(me + " was never released")
"""


def fanout_pipeline(width: int, shared_dir: Path, **environment: str) -> str:
    """``width`` independent steps F00, F01, ... running GATE_SCRIPT (no cache)."""
    steps = []
    for index in range(width):
        name = f"F{index:02d}"
        step = processing_step(name, "gate.py", arguments=[name], cache=False)
        step["Arguments"]["Environment"] = {"GATE_DIR": str(shared_dir), **environment}
        steps.append(step)
    parameters = [
        {"Name": "CodeBundleUri", "Type": "String", "DefaultValue": f"{BUCKET}/code/bundle.tar.gz"},
    ]
    return definition(steps, parameters)


def chain_pipeline() -> str:
    """Prep (no cache) -> Score (DependsOn Prep, reads InputUri): the retry case."""
    prep = processing_step(
        "Prep", "prep.py", outputs=[("prepared", "/opt/ml/processing/prepared")], cache=False
    )
    score = processing_step(
        "Score",
        "score.py",
        inputs=[("data", {"Get": "Parameters.InputUri"}, "/opt/ml/processing/input/data")],
        outputs=[("report", "/opt/ml/processing/report")],
        arguments=["--score", "0.7"],
        depends_on=["Prep"],
        cache=False,
    )
    parameters = [
        {"Name": "CodeBundleUri", "Type": "String", "DefaultValue": f"{BUCKET}/code/bundle.tar.gz"},
        {"Name": "InputUri", "Type": "String", "DefaultValue": f"{BUCKET}/data/input.csv"},
    ]
    return definition([prep, score], parameters)


def parallel_pipeline(shared_dir: Path) -> str:
    """Left and Right must run at once; After DependsOn both."""
    steps = []
    for me, partner in (("Left", "Right"), ("Right", "Left")):
        step = processing_step("" + me, "rendezvous.py", arguments=[me, partner], cache=False)
        step["Arguments"]["Environment"] = {"RENDEZVOUS_DIR": str(shared_dir)}
        steps.append(step)
    steps.append(
        processing_step(
            "After",
            "prep.py",
            outputs=[("prepared", "/opt/ml/processing/prepared")],
            cache=False,
            depends_on=["Left", "Right"],
        )
    )
    parameters = [
        {"Name": "CodeBundleUri", "Type": "String", "DefaultValue": f"{BUCKET}/code/bundle.tar.gz"},
    ]
    return definition(steps, parameters)


def seed_all(state_dir: Path, tmp: Path, input_text: str = "a,b\n1,2\n") -> Path:
    """A bundle with every test script, and the input; returns the input's local copy."""
    from pipeline.local.store import ObjectStore

    store = ObjectStore(state_dir / "s3")
    bundle = make_bundle(
        tmp / "bundle.tar.gz",
        {
            "score.py": SCORE_SCRIPT,
            "prep.py": PREP_SCRIPT,
            "rendezvous.py": RENDEZVOUS_SCRIPT,
            "gate.py": GATE_SCRIPT,
        },
    )
    store.put_file(bundle, f"{BUCKET}/code/bundle.tar.gz")
    data = tmp / "input.csv"
    data.write_text(input_text)
    store.put_file(data, f"{BUCKET}/data/input.csv")
    return data


def step_context(
    root: Path,
    step: dict[str, Any],
    *,
    parameters: dict[str, Any] | None = None,
    properties: dict[str, dict[str, Any]] | None = None,
    attempt: int = 1,
    pipeline: str = "toy",
    metadata: dict[str, Any] | None = None,
) -> Any:
    """A StepContext for calling a step runner in this process, as the engine would: a fresh
    state under ``root`` holding an Executing execution whose ``step`` has started
    ``attempt`` times; ``properties`` are earlier steps' properties, ``parameters`` the
    execution's. (In-process calls are what mutation testing can see.)"""
    import threading

    from pipeline.local.definition import StepDef
    from pipeline.local.engine import ExecutionVariables
    from pipeline.local.expressions import Scope
    from pipeline.local.home import LocalHome
    from pipeline.local.steps.context import StepContext

    home = LocalHome(root)
    document = json.loads(definition([step], []))
    document["Metadata"] = metadata or {}
    home.state.upsert_pipeline(pipeline, json.dumps(document), None, None)
    arn = home.state.create_execution(pipeline, 1, parameters or {}, None)
    execution_id = arn.rsplit("/", 1)[1]
    for _ in range(attempt):
        home.state.start_step(arn, step["Name"], step["Type"], None, None)
    scope = Scope(
        parameters=dict(parameters or {}),
        execution=ExecutionVariables(arn, execution_id, pipeline, "2026-11-30T12:00:00+00:00"),
        step_properties=dict(properties or {}),
        read_json=home.store.read_json,
    )
    return StepContext(
        home=home,
        step=StepDef(step["Name"], step["Type"], step.get("Arguments") or {}, step),
        execution_arn=arn,
        execution_id=execution_id,
        pipeline_name=pipeline,
        attempt=attempt,
        scope=scope,
        stop=threading.Event(),
        log_path=home.log_path(execution_id, step["Name"], attempt),
        metadata=metadata or {},
    )


def logged(context: Any) -> list[str]:
    """The lines a step context wrote to its log, without their ``[smpipe <time>] `` heads."""
    import re

    if not context.log_path.exists():
        return []
    lines = context.log_path.read_text(encoding="utf-8").splitlines()
    return [re.sub(r"^\[smpipe \d{4}-\d\d-\d\dT[\d:.]+\+00:00\] ", "", line) for line in lines]
