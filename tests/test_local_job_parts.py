"""The local engine's pieces for the new kinds, without running a pipeline: batch transform's
file semantics, the tuning searches, the training toolkit's script-mode contract."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from pipeline.local import script_job
from pipeline.local.batch_transform import (
    Settings,
    TransformError,
    json_path_filter,
    transform_object,
)
from pipeline.local.errors import StepFailed
from pipeline.local.store import ObjectStore
from pipeline.local.tuning_search import Range, Search, grid


@pytest.mark.parametrize(
    ("path", "row", "expected"),
    [
        ("$", ["a", "b", "c"], ["a", "b", "c"]),
        ("$[1:]", ["a", "b", "c"], ["b", "c"]),
        ("$[:-1]", ["a", "b", "c"], ["a", "b"]),
        ("$[0,-1]", ["a", "b", "c"], ["a", "c"]),
        ("$[2]", ["a", "b", "c"], ["c"]),
    ],
)
def test_json_path_filters_on_csv_records(path: str, row: list[str], expected: list[str]) -> None:
    assert json_path_filter(path)(row) == expected


def test_unsupported_filter_is_a_client_error() -> None:
    with pytest.raises(TransformError, match="JSONPath"):
        json_path_filter("$.features")


def _sum_model(body: str) -> str:
    return "".join(f"{sum(float(v) for v in line.split(','))}\n" for line in body.splitlines())


def test_line_split_join_and_filters() -> None:
    settings = Settings(
        split_type="Line",
        input_filter="$[1:]",
        join_source="Input",
        output_filter="$[0,-1]",
        assemble_with="Line",
    )
    text = "1,2,3\n0,4,5\n"
    assert transform_object(text, _sum_model, settings) == "1,5.0\n0,9.0\n"


def test_multirecord_batches_respect_the_payload_limit() -> None:
    batches: list[int] = []

    def model(body: str) -> str:
        batches.append(len(body.splitlines()))
        return _sum_model(body)

    settings = Settings(split_type="Line", max_payload_bytes=12, assemble_with="Line")
    out = transform_object("1,1\n2,2\n3,3\n4,4\n5,5\n", model, settings)
    assert out.splitlines() == ["2.0", "4.0", "6.0", "8.0", "10.0"]
    assert batches == [3, 2]  # 4 bytes a record, at most 12 a request
    single = Settings(split_type="Line", batch_strategy="SingleRecord")
    batches.clear()
    transform_object("1\n2\n", model, single)
    assert batches == [1, 1]


def test_an_answer_per_record_is_required() -> None:
    with pytest.raises(TransformError, match="answered 1 records for a batch of 2"):
        transform_object("1\n2\n", lambda body: "7\n", Settings(split_type="Line"))


def test_grid_is_every_combination_in_order() -> None:
    ranges = [
        Range("depth", "integer", 2, 3),
        Range("booster", "categorical", values=("gbtree", "dart")),
    ]
    assert grid(ranges, None) == [
        {"depth": "2", "booster": "gbtree"},
        {"depth": "2", "booster": "dart"},
        {"depth": "3", "booster": "gbtree"},
        {"depth": "3", "booster": "dart"},
    ]
    assert len(grid(ranges, 3)) == 3
    with pytest.raises(StepFailed, match="continuous"):
        grid([Range("eta", "continuous", 0.1, 0.2)], None)


@pytest.mark.parametrize("strategy", ["Random", "Bayesian"])
def test_searches_are_seeded_and_stay_in_range(strategy: str) -> None:
    ranges = [
        Range("eta", "continuous", 0.001, 0.5, "Logarithmic"),
        Range("depth", "integer", 2, 9),
        Range("leaf", "categorical", values=("1", "5")),
    ]

    def draws(seed: int) -> list[dict[str, str]]:
        search = Search(strategy, ranges, maximize=True, seed=seed)
        found = []
        for index in range(12):
            values = search.propose(index)
            search.tell(index, -abs(math.log(float(values["eta"])) + 3))
            found.append(values)
        return found

    first = draws(7)
    assert first == draws(7) and first != draws(8)
    for values in first:
        assert 0.001 <= float(values["eta"]) <= 0.5
        assert 2 <= int(values["depth"]) <= 9 and values["leaf"] in ("1", "5")
    etas = sorted(float(v["eta"]) for v in first)
    assert etas[0] < 0.01  # log scaling reaches the small end of the range


def test_script_mode_follows_the_training_toolkit(tmp_path: Path) -> None:
    store = ObjectStore(tmp_path / "s3")
    code = tmp_path / "code"
    code.mkdir()
    (code / "train.py").write_text("print('hi')\n")
    import tarfile

    bundle = tmp_path / "bundle.tar.gz"
    with tarfile.open(bundle, "w:gz") as tar:
        tar.add(code / "train.py", arcname="train.py")
    store.put_file(bundle, "s3://b/code/pipeline_code.tar.gz")
    root = tmp_path / "sandbox"
    command, cwd, env = script_job.prepare(
        store,
        "job-1",
        root,
        {"train": {"path": str(root / "opt/ml/input/data/train")}},
        {
            "sagemaker_program": "train.py",
            "sagemaker_submit_directory": "s3://b/code/pipeline_code.tar.gz",
            "sagemaker_region": "eu-west-1",
            "n_estimators": "200",
            "criterion": "gini",
            "a": "0.5",
        },
        {"MY_VAR": "x"},
    )
    assert cwd == root / "opt/ml/code" and (cwd / "train.py").is_file()
    assert command[1:] == [str(cwd / "train.py"), "-a", "0.5", "--criterion", "gini",
                           "--n_estimators", "200"]  # fmt: skip
    assert env["SM_CHANNEL_TRAIN"].endswith("opt/ml/input/data/train")
    assert json.loads(env["SM_HPS"]) == {"a": 0.5, "criterion": "gini", "n_estimators": 200}
    assert env["SM_HP_N_ESTIMATORS"] == "200" and env["MY_VAR"] == "x"
    assert env["SM_MODEL_DIR"] == str(root / "opt/ml/model")
    hyperparameters = json.loads((root / "opt/ml/input/config/hyperparameters.json").read_text())
    assert hyperparameters["sagemaker_program"] == "train.py"


def test_final_metrics_take_each_definitions_last_match(tmp_path: Path) -> None:
    log = tmp_path / "job.log"
    log.write_text("validation:accuracy=0.5\nnoise\nvalidation:accuracy=0.75\ntrain:accuracy=0.9\n")
    definitions = [
        {"Name": "validation:accuracy", "Regex": "validation:accuracy=([0-9.]+)"},
        {"Name": "missing", "Regex": "nothing=([0-9.]+)"},
    ]
    assert script_job.metric_data(log, definitions) == [
        {"MetricName": "validation:accuracy", "Value": 0.75}
    ]
