"""A Spark step's configuration on import. SDK v3's PySparkProcessor uploads the
configuration.json and the definition holds only the ``conf`` input's location; smpipe's
compiler also carries the bytes in Metadata. Where import can read the object (a deployed
pipeline, through the backend) and compiling ``configuration:`` gives back the same input,
the spec holds the configuration; otherwise the spec reads the same object as a plain
``conf`` input (so the round trip still holds) and a review note says where it lives."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import yaml
from import_support import ROOT, import_text
from sdk_pipelines import SPARK_SPEC, spark_golden

from compiler.importer import UnreadableObject
from compiler.importer.roundtrip import normalise

CONF_AT = "$.Steps[0].Arguments.ProcessingInputs[1].S3Input.S3Uri"


@cache
def _sdk() -> tuple[str, str, bytes]:
    """(the SDK-built definition, the configuration's URI, the bytes PySparkProcessor uploaded)."""
    definition, uploads = spark_golden()
    [(uri, data)] = uploads.items()
    return definition, uri, data


def _reader(objects: dict[str, bytes]) -> Any:
    def read(uri: str) -> bytes:
        if uri not in objects:
            raise UnreadableObject(f"NoSuchKey: {uri}")
        return objects[uri]

    return read


def _steps(spec_text: str) -> dict[str, dict[str, Any]]:
    return {step["name"]: step for step in yaml.safe_load(spec_text)["steps"]}


def _round_trips(result: Any, definition: str) -> None:
    assert result.problems == []
    assert result.compiled_text is not None
    source = normalise(json.loads(definition))
    back = json.loads(result.compiled_text)
    # The compiler's own copy of the bytes (Metadata) is normalisation 3's to leave out.
    back["Metadata"] = {k: v for k, v in back["Metadata"].items() if k in source["Metadata"]}
    assert back == source


def test_the_sdk_uploads_the_configuration_beside_the_definition() -> None:
    definition, uri, data = _sdk()
    step = json.loads(definition)["Steps"][0]
    conf = step["Arguments"]["ProcessingInputs"][1]
    assert conf["InputName"] == "conf"
    assert conf["S3Input"]["S3Uri"] == uri
    assert conf["S3Input"]["LocalPath"] == "/opt/ml/processing/input/conf"
    assert json.loads(definition)["Metadata"] == {}  # the definition alone lacks the bytes
    assert json.loads(data)[0]["Classification"] == "spark-defaults"


def test_read_from_s3_the_configuration_goes_into_the_spec() -> None:
    definition, uri, data = _sdk()
    result = import_text(definition, read_object=_reader({uri: data}))
    _round_trips(result, definition)
    golden = _steps((ROOT / SPARK_SPEC).read_text())["Aggregate"]
    aggregate = _steps(result.spec_text)["Aggregate"]
    assert aggregate["configuration"] == golden["configuration"]
    assert [i["name"] for i in aggregate["inputs"]] == ["raw"]  # the conf input is derived
    assert "configuration" not in _steps(result.spec_text)["Publish"]
    assert result.reviews == []


def test_a_bare_definition_keeps_reading_the_object_and_says_where_it_is() -> None:
    definition, uri, _ = _sdk()
    result = import_text(definition)
    _round_trips(result, definition)
    aggregate = _steps(result.spec_text)["Aggregate"]
    assert "configuration" not in aggregate
    assert aggregate["inputs"][-1] == {
        "name": "conf",
        "source": uri.replace("s3://features-bucket/", "s3://${data_bucket}/"),
        "destination": "/opt/ml/processing/input/conf",
    }
    [note] = result.reviews
    assert note.path == CONF_AT
    assert note.message.startswith(
        f"the Spark configuration is the object at {uri} (a definition file holds only its "
        "location, and import does not read S3): the spec reads it as its conf input"
    )
    assert "import with --backend sagemaker --pipeline NAME" in note.message
    assert f"  # REVIEW: {note.message}" in result.spec_text.splitlines()


def test_an_unreadable_object_is_reported_with_the_reason() -> None:
    definition, uri, _ = _sdk()
    result = import_text(definition, read_object=_reader({}))
    _round_trips(result, definition)
    [note] = result.reviews
    assert note.path == CONF_AT
    assert f"(import could not read it: NoSuchKey: {uri})" in note.message
    assert "To review it, import again once it can be read, or copy its" in note.message


def test_a_configuration_the_spec_cannot_hold_stays_an_input() -> None:
    definition, uri, _ = _sdk()
    for data in [b"not json", b'[{"Classification": "spark-defaults", "Properties": {"a": 1}}]']:
        result = import_text(definition, read_object=_reader({uri: data}))
        _round_trips(result, definition)
        [note] = result.reviews
        assert "it is not a classification list the spec's configuration: can hold" in (
            note.message
        )


def test_a_configuration_written_differently_stays_an_input_with_its_spec_form() -> None:
    # As users often write it: a classification with only nested configurations, no
    # Properties. The spec's form adds "Properties": {}, a different object and hash.
    definition, uri, _ = _sdk()
    export = {"Classification": "export", "Properties": {"PYSPARK_PYTHON": "/usr/bin/python3"}}
    data = json.dumps([{"Classification": "spark-env", "Configurations": [export]}]).encode()
    result = import_text(definition, read_object=_reader({uri: data}))
    _round_trips(result, definition)
    [note] = result.reviews
    assert "configuration: writes these classifications differently" in note.message
    assert note.message.endswith(
        'replace the conf input by configuration: [{"classification": "spark-env", '
        '"configurations": [{"classification": "export", "properties": '
        '{"PYSPARK_PYTHON": "/usr/bin/python3"}}]}]'
    )


def test_a_configuration_elsewhere_than_smpipe_puts_it_stays_an_input() -> None:
    definition, uri, data = _sdk()
    elsewhere = "s3://features-bucket/spark-conf/configuration.json"
    moved = definition.replace(uri, elsewhere)
    result = import_text(moved, read_object=_reader({elsewhere: data}))
    _round_trips(result, moved)
    [note] = result.reviews
    assert f"the Spark configuration is the object at {elsewhere}:" in note.message
    assert f"because configuration: would upload it to {uri}" in note.message


def test_the_compilers_own_definition_keeps_its_configuration_without_reading() -> None:
    # smpipe's definition carries the bytes in Metadata: no reader needed, nothing to review.
    definition = (ROOT / "tests/golden/spark/definition.json").read_text()
    result = import_text(definition, read_object=_reader({}))
    assert result.identical and result.reviews == []
    assert "configuration" in _steps(result.spec_text)["Aggregate"]


def test_dependencies_uploaded_from_local_files_are_reported() -> None:
    # PySparkProcessor uploads local submit_py_files into a py-files channel and passes
    # the channel's container directory to --py-files.
    definition, _, _ = _sdk()
    document = json.loads(definition)
    arguments = document["Steps"][0]["Arguments"]
    entry = arguments["AppSpecification"]["ContainerEntrypoint"]
    entry[entry.index("--py-files") + 1] = "/opt/ml/processing/input/py-files"
    result = import_text(json.dumps(document))
    assert result.compiled_text is None
    assert (
        "$.Steps[0].Arguments.AppSpecification.ContainerEntrypoint",
        "--py-files reads /opt/ml/processing/input/py-files, files uploaded beside the "
        "definition; the spec takes Spark dependencies from the code bundle or s3:// URIs",
    ) in [(n.path, n.message) for n in result.problems]


def test_a_configuration_in_another_key_order_is_written_differently() -> None:
    # The SDK hashes str(configuration): the same classifications in another key order are
    # another object at another location.
    definition, uri, _ = _sdk()
    data = json.dumps([{"Properties": {"a": "1"}, "Classification": "spark-defaults"}]).encode()
    result = import_text(definition, read_object=_reader({uri: data}))
    _round_trips(result, definition)
    [note] = result.reviews
    assert "configuration: writes these classifications differently" in note.message
