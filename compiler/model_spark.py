"""Spark processing: a processing step on SageMaker's Spark processing image, submitted with
``smspark-submit`` as SDK v3's PySparkProcessor does, with its code from the code bundle."""

from __future__ import annotations

from pydantic import Field

from compiler.references import Strict, empty_dict, empty_list


class SparkNestedConfiguration(Strict):
    """A classification inside another, e.g. ``export`` under ``spark-env`` (EMR's
    configurations nest one level)."""

    classification: str = Field(description="e.g. export.")
    properties: dict[str, str] = Field(default_factory=empty_dict)

    def to_request(self) -> dict[str, object]:
        return {"Classification": self.classification, "Properties": dict(self.properties)}


class SparkConfiguration(Strict):
    """One EMR-style classification, as SageMaker's Spark container reads it from
    /opt/ml/processing/input/conf/configuration.json."""

    classification: str = Field(description="e.g. spark-defaults, spark-env, yarn-site.")
    properties: dict[str, str] = Field(default_factory=empty_dict)
    configurations: list[SparkNestedConfiguration] = Field(
        default_factory=empty_list,
        description="Nested classifications (e.g. export under spark-env).",
    )

    def to_request(self) -> dict[str, object]:
        """The dict the container reads; keys in the SDK's order, empty nesting left out."""
        entry: dict[str, object] = {
            "Classification": self.classification,
            "Properties": dict(self.properties),
        }
        if self.configurations:
            entry["Configurations"] = [c.to_request() for c in self.configurations]
        return entry


class SparkFields(Strict):
    py_files: list[str] = Field(
        default_factory=empty_list,
        description="spark-submit --py-files: paths in the code bundle or s3:// URIs.",
    )
    jars: list[str] = Field(
        default_factory=empty_list, description="spark-submit --jars: bundle paths or s3:// URIs."
    )
    files: list[str] = Field(
        default_factory=empty_list, description="spark-submit --files: bundle paths or s3:// URIs."
    )
    configuration: list[SparkConfiguration] = Field(
        default_factory=empty_list,
        description="Spark/Hadoop/YARN configuration: the classification list SageMaker takes.",
    )
