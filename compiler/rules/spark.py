"""Rules on Spark steps: the image is SageMaker's Spark processing image, the configuration
is a classification list the container knows (SDK v3's SparkConfigUtils list), and the
dependencies are bundle paths or s3:// URIs of the right kind."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import PurePosixPath

from compiler.diagnostics import Diagnostic, problem
from compiler.model import FrameworkImage, SparkStep
from compiler.model_spark import SparkConfiguration, SparkNestedConfiguration
from compiler.rules.context import PathT, SpecContext
from compiler.rules.registry import rule
from compiler.rules.suggest import did_you_mean

# sagemaker.core.spark.processing.SparkConfigUtils._valid_configuration_classifications
CLASSIFICATIONS = (
    "core-site",
    "hadoop-env",
    "hadoop-log4j",
    "hive-env",
    "hive-log4j",
    "hive-exec-log4j",
    "hive-site",
    "spark-defaults",
    "spark-env",
    "spark-log4j",
    "spark-hive-site",
    "spark-metrics",
    "yarn-env",
    "yarn-site",
    "export",
)
SUFFIXES = {"py_files": (".py", ".zip", ".egg"), "jars": (".jar",), "files": ()}


def _spark_steps(ctx: SpecContext) -> Iterator[tuple[int, SparkStep]]:
    for index, step in enumerate(ctx.spec.steps):
        if isinstance(step, SparkStep):
            yield index, step


@rule("spark-image", "spark", "A spark step's image is not SageMaker's Spark processing image.")
def spark_image(ctx: SpecContext) -> Iterator[Diagnostic]:
    for index, step in _spark_steps(ctx):
        if not isinstance(step.image, str):  # a parameter: checked by the images rules
            continue
        image = ctx.spec.images.get(step.image)
        if isinstance(image, FrameworkImage) and image.framework != "spark":
            yield problem(
                "spark-image",
                ("steps", index, "image"),
                f'spark step "{step.name}" uses image "{step.image}" ({image.framework}); '
                "smspark-submit is in the Spark processing image: declare "
                '{framework: spark, version: "3.5"} under `images`',
            )


def _configurations(
    items: list[SparkConfiguration], path: PathT
) -> Iterator[tuple[PathT, SparkConfiguration | SparkNestedConfiguration]]:
    for position, item in enumerate(items):
        here = (*path, position)
        yield here, item
        for inner, nested in enumerate(item.configurations):
            yield (*here, "configurations", inner), nested


@rule(
    "spark-configuration",
    "spark",
    "A spark configuration names a classification SageMaker's Spark container does not know.",
)
def spark_configuration(ctx: SpecContext) -> Iterator[Diagnostic]:
    for index, step in _spark_steps(ctx):
        for path, item in _configurations(step.configuration, ("steps", index, "configuration")):
            if item.classification not in CLASSIFICATIONS:
                yield problem(
                    "spark-configuration",
                    (*path, "classification"),
                    f'step "{step.name}": classification "{item.classification}" is not one the '
                    f"Spark container reads{did_you_mean(item.classification, CLASSIFICATIONS)} "
                    f"(known: {', '.join(CLASSIFICATIONS)})",
                )


@rule(
    "spark-dependency",
    "spark",
    "A spark step's script, py_files, jars or files entry is neither a relative path in the "
    "code bundle nor an s3:// URI, or has the wrong file type.",
)
def spark_dependency(ctx: SpecContext) -> Iterator[Diagnostic]:
    for index, step in _spark_steps(ctx):
        if not step.script.endswith(".py") or not _relative(step.script):
            yield problem(
                "spark-dependency",
                ("steps", index, "script"),
                f'step "{step.name}": script "{step.script}" must be a .py file inside the code '
                "bundle (a relative path)",
            )
        for field_name, suffixes in SUFFIXES.items():
            for position, item in enumerate(getattr(step, field_name)):
                where = ("steps", index, field_name, position)
                if not item.startswith("s3://") and not _relative(item):
                    yield problem(
                        "spark-dependency",
                        where,
                        f'step "{step.name}": {field_name} entry "{item}" must be a relative path '
                        "inside the code bundle or an s3:// URI",
                    )
                elif suffixes and not item.endswith(suffixes):
                    yield problem(
                        "spark-dependency",
                        where,
                        f'step "{step.name}": {field_name} entry "{item}" must end with '
                        + " or ".join(suffixes),
                    )
                elif "," in item:
                    yield problem(
                        "spark-dependency",
                        where,
                        f'step "{step.name}": {field_name} entry "{item}" holds a comma; give '
                        "one path per entry",
                    )


def _relative(path: str) -> bool:
    """A relative path inside the bundle: not absolute, no "..", and no URI of another scheme
    (https://..., s3a://...), which would otherwise read as the folders "https:" and so on."""
    pure = PurePosixPath(path)
    return (
        bool(path.strip())
        and not pure.is_absolute()
        and ".." not in pure.parts
        and not (pure.parts and pure.parts[0].endswith(":"))
    )
