"""``smpipe init``: the files of a new pipeline repository, rendered from ``template/``.

The templates ship inside the package (read through ``importlib.resources``); ``{{key}}``
placeholders are filled from the settings. Nothing is ever overwritten: when any target
file exists, nothing is written at all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

from compiler import __version__
from compiler.commands.schema import spec_json_schema_text
from compiler.errors import SmpipeError, UsageError
from compiler.sagemaker_data import check_name, image_config, resolve_image
from pipeline.scaffold.sample_data import sample_csv

# template file -> the file it becomes ({name} is the pipeline's name).
TEMPLATES: dict[str, str] = {
    "spec/pipeline.yaml": "spec/{name}.yaml",
    "spec/env/dev.yaml": "spec/env/dev.yaml",
    "code/preprocess.py": "code/preprocess.py",
    "code/evaluate.py": "code/evaluate.py",
    "pre-commit-config.yaml": ".pre-commit-config.yaml",
    "workflow.yml": ".github/workflows/smpipe.yml",
    "README.md": "README.md",
    "gitignore": ".gitignore",
}
SCHEMA_FILE = "schemas/pipeline-spec.schema.json"  # the spec's first line points here
DATA_FILE = "data/train.csv"
DEFAULT_ROLE = "arn:aws:iam::111122223333:role/SageMakerPipelineExecutionRole"
# The images the generated spec names: the region must have both.
IMAGES = (("sklearn", "1.2-1"), ("xgboost", "1.7-1"))
_PLACEHOLDER = re.compile(r"\{\{([a-z_]+)\}\}")
_BUCKET = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")


@dataclass(frozen=True)
class Settings:
    name: str
    region: str
    bucket: str
    role_arn: str

    @property
    def account(self) -> str:
        return self.role_arn.split(":")[4]

    def values(self) -> dict[str, str]:
        return {
            "name": self.name,
            "region": self.region,
            "bucket": self.bucket,
            "role_arn": self.role_arn,
            "account": self.account,
            "version": __version__,
        }


def default_name(directory: Path) -> str:
    """A pipeline name from the folder's name: lower case, runs of other characters as '-'."""
    return re.sub(r"[^a-z0-9]+", "-", directory.resolve().name.lower()).strip("-")


def check_settings(settings: Settings) -> None:
    """Usage errors for values SageMaker or S3 would refuse, before anything is written."""
    for kind, option, value in (
        ("pipeline_name", "--name", settings.name),
        ("model_package_group_name", "--name", settings.name),
        ("role_arn", "--role", settings.role_arn),
    ):
        reason = check_name(kind, value)
        if reason:
            raise UsageError(f"{option} {value!r}: {reason}")
    if not _BUCKET.fullmatch(settings.bucket) or ".." in settings.bucket:
        raise UsageError(
            f"--bucket {settings.bucket!r}: an S3 bucket name is 3-63 characters of lower-case "
            "letters, digits, '.' and '-', starting and ending with a letter or digit"
        )
    for framework, version in IMAGES:
        try:
            resolve_image(framework, version, settings.region)
        except KeyError:
            known = sorted(image_config()[framework]["versions"][version]["registries"])
            raise UsageError(
                f"--region {settings.region!r}: SageMaker has no {framework} {version} image "
                f"there; one of {', '.join(known)}"
            ) from None


def render(text: str, values: dict[str, str]) -> str:
    def fill(match: re.Match[str]) -> str:
        return values[match.group(1)]

    return _PLACEHOLDER.sub(fill, text)


def scaffold_files(settings: Settings) -> dict[str, str]:
    """Relative path -> content of every file ``smpipe init`` writes."""
    values = settings.values()
    template = files("pipeline.scaffold").joinpath("template")
    rendered = {
        target.format(name=settings.name): render(
            template.joinpath(source).read_text(encoding="utf-8"), values
        )
        for source, target in TEMPLATES.items()
    }
    rendered[SCHEMA_FILE] = spec_json_schema_text()
    rendered[DATA_FILE] = sample_csv()
    return dict(sorted(rendered.items()))


def write_scaffold(directory: Path, contents: dict[str, str]) -> list[Path]:
    """Write every file under ``directory``; refuse (writing nothing) if any exists."""
    if directory.exists() and not directory.is_dir():
        raise UsageError(f"{directory}: not a folder")
    targets = {directory / relative: text for relative, text in contents.items()}
    existing = [str(path) for path in targets if path.exists() or path.is_symlink()]
    if existing:
        verb = "exists" if len(existing) == 1 else "exist"
        raise SmpipeError(
            f"smpipe init never overwrites a file: {', '.join(existing)} already {verb}; "
            "choose another folder or move them away (nothing was written)"
        )
    for path, text in targets.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        # newline="\n": the same bytes on every platform.
        with path.open("x", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
    return list(targets)
