"""The Titanic spec for tests: the hyperparameters its compiled definition passes, and the
pipeline ready to start on a local backend (the bundle built from pipeline/code, the spec
compiled for --env dev with that bundle's version, the bundle and the curated CSVs put where
the definition's defaults point, the pipeline upserted)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from compiler.compile import CompileResult, compile_spec_file
from pipeline.bundle.build import Bundle, build_bundle
from pipeline.local.backend import LocalBackend

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class SeededTitanic:
    backend: LocalBackend
    compiled: CompileResult
    bundle: Bundle
    defaults: dict[str, object]  # parameter name -> DefaultValue


def seed_titanic(
    workdir: Path, state_dir: Path, spec: str = "titanic-modelbuild.yaml"
) -> SeededTitanic:
    bundle = build_bundle(ROOT / "pipeline" / "code", workdir / "bundle")
    compiled = compile_spec_file(
        ROOT / "spec" / spec, env="dev", variables={"git_sha": bundle.version}
    )
    defaults = {p["Name"]: p.get("DefaultValue") for p in compiled.definition["Parameters"]}
    backend = LocalBackend(state_dir)
    store = backend.home.store
    store.put_file(bundle.path, str(defaults["CodeBundleUri"]))
    store.put_file(ROOT / "data" / "curated" / "train.csv", str(defaults["InputTrainUri"]))
    store.put_file(
        ROOT / "data" / "curated" / "validation.csv", str(defaults["InputValidationUri"])
    )
    backend.upsert(compiled.pipeline_name, compiled.text, compiled.role_arn, None)
    return SeededTitanic(backend, compiled, bundle, defaults)


def spec_hyperparameters() -> dict[str, str]:
    """TrainModel's HyperParameters as the compiled definition passes them (all strings)."""
    compiled = compile_spec_file(ROOT / "spec" / "titanic-modelbuild.yaml", env="dev")
    train = next(step for step in compiled.definition["Steps"] if step["Name"] == "TrainModel")
    return dict(train["Arguments"]["HyperParameters"])
