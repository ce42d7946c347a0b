"""What the local engine knows about SageMaker's containers: entrypoints, images, paths.

Processing steps run their script with this environment's Python; the sandbox stands in for
the container's filesystem, and ``SMPIPE_CONTAINER_ROOT`` tells the step code where it is
(the step code's contract: every container path is
``os.path.join(os.environ.get("SMPIPE_CONTAINER_ROOT", "/"), "opt/ml/...")``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from pipeline.local.errors import CannotRunLocally

if TYPE_CHECKING:
    from pipeline.local.steps.spark import SparkSubmit

CODE_DIR = "/opt/ml/processing/input/code"


def _compiler_bootstrap() -> Any:
    """The compiler owns the bootstrap line (in a module of constants: no pydantic import);
    the copy below stands in when it is absent."""
    try:
        from compiler.emit import bootstrap
    except ImportError:  # pragma: no cover - a partial install without the emitters
        return None
    return getattr(bootstrap, "BUNDLE_BOOTSTRAP", None)


# The shell line the compiled Processing steps start with: unpack the bundle, run the script.
BUNDLE_BOOTSTRAP: Any = _compiler_bootstrap() or (
    f'set -e; cd {CODE_DIR}; for b in *.tar.gz; do tar -xzf "$b"; done; exec python3 "$0" "$@"'
)

# The built-in XGBoost algorithm's images: any region's ECR account, any 1.x version tag.
XGBOOST_IMAGE = re.compile(
    r"^\d{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com(?:\.cn)?/sagemaker-xgboost:1\.\d+-\d+[\w.-]*$"
)


@dataclass(frozen=True)
class LocalCommand:
    """How to run a Processing step's entrypoint here."""

    script: str  # the script's container path, e.g. /opt/ml/processing/input/code/x.py
    unpack_bundles: bool  # the bootstrap unpacks every *.tar.gz in the code folder first
    spark: SparkSubmit | None = None  # a Spark step: spark-submit instead of python


def _bootstrap_prefix() -> list[str]:
    if isinstance(BUNDLE_BOOTSTRAP, list | tuple):
        return [str(item) for item in BUNDLE_BOOTSTRAP]
    return ["/bin/sh", "-c", str(BUNDLE_BOOTSTRAP)]


def local_command(step: str, entrypoint: Any) -> LocalCommand:
    """Recognise the entrypoints the engine can run, or explain why it cannot."""
    if not isinstance(entrypoint, list) or not all(isinstance(item, str) for item in entrypoint):
        raise CannotRunLocally(
            f"step {step!r}: ContainerEntrypoint must be a list of literal strings to run "
            f"locally, found {entrypoint!r}"
        )
    prefix = _bootstrap_prefix()
    if entrypoint[: len(prefix)] == prefix and len(entrypoint) == len(prefix) + 1:
        script = entrypoint[-1]
        if PurePosixPath(script).is_absolute() or ".." in PurePosixPath(script).parts:
            raise CannotRunLocally(f"step {step!r}: bundle script {script!r} must be relative")
        return LocalCommand(f"{CODE_DIR}/{script}", unpack_bundles=True)
    if (
        len(entrypoint) == 2
        and PurePosixPath(entrypoint[0]).name in ("python", "python3")
        and entrypoint[1].startswith("/opt/ml/")
        and entrypoint[1].endswith(".py")
    ):
        return LocalCommand(entrypoint[1], unpack_bundles=False)
    from pipeline.local.steps.spark import spark_command

    spark = spark_command(step, entrypoint)
    if spark is not None:
        return spark
    raise CannotRunLocally(
        f"step {step!r}: cannot run the entrypoint {entrypoint!r} locally; the local engine "
        "runs smpipe's bundle bootstrap (Spark's too) or `python3 /opt/ml/.../script.py`"
    )


# The framework images whose training toolkit runs a script (script mode), any region.
FRAMEWORK_IMAGE = re.compile(
    r"^\d{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com(?:\.cn)?/"
    r"(?:sagemaker-scikit-learn|sagemaker-xgboost|pytorch-training|pytorch-inference):[\w.-]+$"
)


def check_framework_image(step: str, image: Any) -> None:
    if not isinstance(image, str) or not FRAMEWORK_IMAGE.match(image):
        raise CannotRunLocally(
            f"step {step!r}: image {image!r} cannot run a script locally; the local engine "
            "runs script mode for the scikit-learn, XGBoost and PyTorch framework images"
        )


def check_training_image(step: str, image: Any) -> None:
    if not isinstance(image, str) or not XGBOOST_IMAGE.match(image):
        raise CannotRunLocally(
            f"step {step!r}: training image {image!r} cannot run locally; the local engine "
            "emulates only the built-in XGBoost algorithm (sagemaker-xgboost:1.x)"
        )


def sandbox_path(root: Path, container_path: str) -> Path:
    """Where a container path (``/opt/ml/...``) lives inside a job's sandbox."""
    relative = PurePosixPath(container_path)
    if not relative.is_absolute() or ".." in relative.parts:
        raise CannotRunLocally(f"container path {container_path!r} must be absolute, without ..")
    return root.joinpath(*relative.parts[1:])


def rewrite_arguments(arguments: Sequence[str], root: Path) -> list[str]:
    """Point ``/opt/ml/...`` arguments (also ``--flag=/opt/ml/...``) into the sandbox."""
    rewritten = []
    for argument in arguments:
        flag, equals, value = argument.partition("=")
        if argument.startswith("/opt/ml/"):
            argument = str(sandbox_path(root, argument))
        elif equals and value.startswith("/opt/ml/"):
            argument = f"{flag}={sandbox_path(root, value)}"
        rewritten.append(argument)
    return rewritten
