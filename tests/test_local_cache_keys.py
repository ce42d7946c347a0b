"""The local engine's step cache, attribute by attribute: a change to any attribute SageMaker
keys its cache on runs the step again; a change to any other attribute is still a hit; a
step without CacheConfig (or with it disabled) never hits. Checked through the backend only
(start, wait, list_steps), so the tests hold whatever the engine's internals become."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from local_support import BUCKET, XGBOOST_IMAGE, definition, processing_step, seed_all

from pipeline.local.backend import LocalBackend

Edit = Callable[[dict[str, Any]], None]
TRAIN_CSV = "".join(f"{i % 2},{(i % 7) / 7:.3f},{(i % 5) / 5:.3f}\n" for i in range(40))


def training_step() -> dict[str, Any]:
    return {
        "Name": "Fit",
        "Type": "Training",
        "CacheConfig": {"Enabled": True, "ExpireAfter": "30d"},
        "Arguments": {
            "AlgorithmSpecification": {"TrainingImage": XGBOOST_IMAGE, "TrainingInputMode": "File"},
            "HyperParameters": {"objective": "binary:logistic", "num_round": "2"},
            "InputDataConfig": [
                {
                    "ChannelName": "train",
                    "ContentType": "text/csv",
                    "DataSource": {
                        "S3DataSource": {
                            "S3DataType": "S3Prefix",
                            "S3Uri": f"{BUCKET}/data/train.csv",
                            "S3DataDistributionType": "FullyReplicated",
                        }
                    },
                }
            ],
            "OutputDataConfig": {"S3OutputPath": f"{BUCKET}/runtime/fit"},
            "ResourceConfig": {
                "InstanceType": "ml.m5.large",
                "InstanceCount": 1,
                "VolumeSizeInGB": 30,
            },
            "StoppingCondition": {"MaxRuntimeInSeconds": 600},
            "RoleArn": "arn:aws:iam::111122223333:role/R",
        },
    }


def base_definition() -> dict[str, Any]:
    prep = processing_step("Prep", "prep.py", outputs=[("prepared", "/opt/ml/processing/prepared")])
    prep["Arguments"]["Environment"] = {"MODE": "a"}
    parameters = [
        {"Name": "CodeBundleUri", "Type": "String", "DefaultValue": f"{BUCKET}/code/bundle.tar.gz"}
    ]
    return json.loads(definition([prep, training_step()], parameters))


def arguments(document: dict[str, Any], step: str) -> dict[str, Any]:
    found: dict[str, Any] = next(s for s in document["Steps"] if s["Name"] == step)
    return found["Arguments"]  # type: ignore[no-any-return]


def setter(step: str, *path: str, value: Any) -> Edit:
    def edit(document: dict[str, Any]) -> None:
        target = arguments(document, step)
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return edit


@pytest.fixture
def backend(tmp_path: Path) -> LocalBackend:
    state = tmp_path / "state"
    seed_all(state, tmp_path)
    train = tmp_path / "train.csv"
    train.write_text(TRAIN_CSV)
    backend = LocalBackend(state)
    backend.home.store.put_file(train, f"{BUCKET}/data/train.csv")
    return backend


def run(backend: LocalBackend, document: dict[str, Any]) -> dict[str, str | None]:
    """Upsert ``document`` as pipeline "cached", run it; step -> its cache source."""
    backend.upsert("cached", json.dumps(document), "role", None)
    arn = backend.start("cached", {})
    assert backend.wait(arn, timeout=300)
    assert backend.describe_execution(arn).status == "Succeeded"
    return {step.name: step.cache_source_execution for step in backend.list_steps(arn)}


# (step, edit, hit): each key attribute of SageMaker's cache, and attributes outside it.
CASES: dict[str, tuple[str, Edit, bool]] = {
    "processing AppSpecification": (
        "Prep",
        setter("Prep", "AppSpecification", "ContainerArguments", value=["--changed"]),
        False,
    ),
    "processing Environment": ("Prep", setter("Prep", "Environment", "MODE", value="b"), False),
    "processing ProcessingInputs": (
        "Prep",
        setter("Prep", "ProcessingInputs", 0, "S3Input", "S3InputMode", value="Pipe"),
        False,
    ),
    "processing resources (not a key)": (
        "Prep",
        setter(
            "Prep",
            "ProcessingResources",
            "ClusterConfig",
            "InstanceType",
            value="ml.c5.xlarge",
        ),
        True,
    ),
    "training HyperParameters": (
        "Fit",
        setter("Fit", "HyperParameters", "num_round", value="3"),
        False,
    ),
    "training AlgorithmSpecification": (
        "Fit",
        setter("Fit", "AlgorithmSpecification", "EnableSageMakerMetricsTimeSeries", value=True),
        False,
    ),
    "training InputDataConfig": (
        "Fit",
        setter("Fit", "InputDataConfig", 0, "InputMode", value="File"),
        False,
    ),
    "training Environment": ("Fit", setter("Fit", "Environment", value={"X": "1"}), False),
    "training CheckpointConfig": (
        "Fit",
        setter("Fit", "CheckpointConfig", value={"S3Uri": f"{BUCKET}/checkpoints"}),
        False,
    ),
    "training DebugHookConfig": (
        "Fit",
        setter("Fit", "DebugHookConfig", value={"S3OutputPath": f"{BUCKET}/debug"}),
        False,
    ),
    "training DebugRuleConfigurations": (
        "Fit",
        setter("Fit", "DebugRuleConfigurations", value=[{"RuleConfigurationName": "r"}]),
        False,
    ),
    "training ResourceConfig (not a key)": (
        "Fit",
        setter("Fit", "ResourceConfig", "InstanceType", value="ml.m5.xlarge"),
        True,
    ),
    "training StoppingCondition (not a key)": (
        "Fit",
        setter("Fit", "StoppingCondition", "MaxRuntimeInSeconds", value=900),
        True,
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_a_change_runs_the_step_again_only_for_a_cache_key_attribute(
    backend: LocalBackend, case: str
) -> None:
    step, edit, hit = CASES[case]
    base = base_definition()
    first = run(backend, base)
    assert first == {"Prep": None, "Fit": None}
    changed = copy.deepcopy(base)
    edit(changed)
    assert changed != base
    second = run(backend, changed)
    assert (second[step] is not None) is hit, second
    other = "Fit" if step == "Prep" else "Prep"
    assert second[other] is not None  # the untouched step still hits


@pytest.mark.parametrize("cache_config", [None, {"Enabled": False}])
def test_a_step_without_an_enabled_cache_never_hits(
    backend: LocalBackend, cache_config: dict[str, Any] | None
) -> None:
    document = base_definition()
    for step in document["Steps"]:
        if cache_config is None:
            del step["CacheConfig"]
        else:
            step["CacheConfig"] = cache_config
    run(backend, document)
    assert run(backend, document) == {"Prep": None, "Fit": None}
