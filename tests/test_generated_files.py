"""Generated files stay in step with what generates them, and the copied SageMaker facts
with the installed botocore and SDK. Regenerate with the command each assertion names."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType

import pytest

from compiler.commands.schema import spec_json_schema_text
from compiler.sagemaker_data import image_config, resolve_image

ROOT = Path(__file__).resolve().parent.parent


def _script(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_spec_schema_is_current() -> None:
    committed = (ROOT / "schemas" / "pipeline-spec.schema.json").read_text()
    assert committed == spec_json_schema_text(), (
        "run: smpipe schema > schemas/pipeline-spec.schema.json"
    )


@pytest.mark.parametrize(
    "copy",
    ["compiler/data/pipeline-definition.schema.json", "schemas/pipeline-definition.schema.json"],
)
def test_definition_schema_is_current(copy: str) -> None:
    """The package's copy (read by compile) and the committed one for editors, both current."""
    module = _script("write_definition_schema")
    assert ROOT / copy in module.COPIES
    assert (ROOT / copy).read_text() == module.render(), (
        "run: python scripts/write_definition_schema.py"
    )


def test_compile_reads_the_schema_the_package_ships() -> None:
    from compiler.definition_check import SCHEMA_FILE
    from compiler.package_data import data_json

    shipped = ROOT / "compiler" / "data" / SCHEMA_FILE
    assert data_json(SCHEMA_FILE) == json.loads(shipped.read_text())


def test_rules_doc_is_current() -> None:
    module = _script("gen_rules_doc")
    assert module.OUT.read_text() == module.render(), "run: python scripts/gen_rules_doc.py"


def test_the_titanic_spec_points_editors_at_the_schema() -> None:
    first = (ROOT / "spec" / "titanic-modelbuild.yaml").read_text().splitlines()[0]
    assert first == "# yaml-language-server: $schema=../schemas/pipeline-spec.schema.json"


def _without_source(data: dict[str, object]) -> dict[str, object]:
    return {k: v for k, v in data.items() if k != "_source"}


def test_limits_match_botocore() -> None:
    module = _script("sync_sagemaker_data")
    committed = json.loads((ROOT / "compiler" / "data" / "sagemaker_limits.json").read_text())
    assert _without_source(committed) == _without_source(module.limits()), (
        "run: python scripts/sync_sagemaker_data.py"
    )


def test_images_match_the_sdk_config() -> None:
    pytest.importorskip("sagemaker.core.image_uris")
    module = _script("sync_sagemaker_data")
    fresh = module.images(module.installed_image_config_dir())
    assert _without_source(image_config()) == _without_source(fresh), (
        "run: python scripts/sync_sagemaker_data.py"
    )


@pytest.mark.parametrize(
    ("framework", "version"), [("sklearn", "1.2-1"), ("xgboost", "1.7-1"), ("xgboost", "1.5-1")]
)
def test_image_resolution_agrees_with_the_sdk_in_every_region(framework: str, version: str) -> None:
    image_uris = pytest.importorskip("sagemaker.core.image_uris")
    regions = image_config()[framework]["versions"][version]["registries"]
    assert len(regions) > 20
    for region in regions:
        sdk = image_uris.retrieve(
            framework=framework,
            region=region,
            version=version,
            image_scope="training",
            instance_type="ml.m5.large",
        )
        assert resolve_image(framework, version, region) == sdk, region


@pytest.mark.parametrize("version", ["3.3", "3.5"])
def test_spark_images_agree_with_pysparkprocessor_in_every_region(version: str) -> None:
    image_uris = pytest.importorskip("sagemaker.core.image_uris")
    regions = image_config()["spark"]["versions"][version]["registries"]
    assert len(regions) > 20
    for region in regions:
        # What PySparkProcessor._retrieve_image_uri asks for (no py_version).
        sdk = image_uris.retrieve(
            framework="spark",
            region=region,
            version=version,
            image_scope="processing",
            instance_type="ml.m5.large",
        )
        assert resolve_image("spark", version, region) == sdk, region
