"""Spark steps at compile time: the configuration travels in the definition's Metadata in
pieces of at most 1,024 characters (SageMaker's limit on one value), which upsert joins
back into exactly the configuration.json PySparkProcessor would upload, at its hashed URI."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import yaml

from compiler.compile import compile_spec_file
from pipeline.backends.spark_conf import PREFIX, configuration_objects

GOLDEN = Path(__file__).resolve().parent / "golden" / "spark"


def test_a_long_configuration_round_trips_through_metadata_pieces(tmp_path: Path) -> None:
    spec = yaml.safe_load((GOLDEN / "spec.yaml").read_text(encoding="utf-8"))
    properties = {f"spark.smpipe.test.property{i:03d}": f"value-{i:03d}" for i in range(120)}
    spec["steps"][0]["configuration"] = [
        {"classification": "spark-defaults", "properties": properties}
    ]
    (tmp_path / "spec.yaml").write_text(yaml.safe_dump(spec), encoding="utf-8")
    shutil.copytree(GOLDEN / "env", tmp_path / "env")
    compiled = compile_spec_file(tmp_path / "spec.yaml", env="test")

    pieces = {k: v for k, v in compiled.definition["Metadata"].items() if k.startswith(PREFIX)}
    assert len(pieces) >= 5
    assert all(len(piece) <= 1024 for piece in pieces.values())
    expected = [{"Classification": "spark-defaults", "Properties": properties}]
    ((uri, data),) = configuration_objects(compiled.text).items()
    assert json.loads(data) == expected
    assert data == json.dumps(expected).encode("utf-8")
    # PySparkProcessor's location: .../input/conf/<sha256 of the configuration's text>/...
    digest = hashlib.sha256(str(expected).encode()).hexdigest()
    assert uri.endswith(f"/Aggregate/input/conf/{digest}/configuration.json")
