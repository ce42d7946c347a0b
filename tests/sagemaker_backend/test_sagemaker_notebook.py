"""The workshop notebook's sagemaker path against the moto server, cells 00 to 09: the SDK's
PipelineSession, the code bundle check, no upsert (Terraform owns the pipeline), and the
SDK's ``Pipeline.start``. (Cell 10 needs ListPipelineExecutionSteps, which moto lacks; the
local backend runs the whole notebook in tests/test_notebook.py.)"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from sagemaker_support import ROLE_ARN, boto_client

from pipeline.sagemaker.backend import SageMakerBackend

ROOT = Path(__file__).resolve().parent.parent.parent
NOTEBOOK = ROOT / "notebooks" / "03-sagemaker-pipeline.ipynb"
BUCKET = "titanic-mlops-artifacts-dev"  # the dev environment's, as the notebook compiles it
GIT_SHA = "d" * 40


def cells_up_to(notebook: nbformat.NotebookNode, title: str) -> nbformat.NotebookNode:
    """The notebook cut after the code cell that follows the markdown heading ``title``."""
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type == "markdown" and cell.source.startswith(title):
            notebook.cells = notebook.cells[: index + 2]
            return notebook
    raise AssertionError(f"no cell {title!r}")


def test_sagemaker_path_starts_the_deployed_pipeline_through_the_sdk(
    aws_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from nbclient import NotebookClient

    from compiler.compile import compile_spec_file

    endpoint = aws_env["SMPIPE_SAGEMAKER_ENDPOINT_URL"]
    s3 = boto_client("s3", endpoint)
    existing = {b["Name"] for b in s3.list_buckets().get("Buckets", [])}
    if BUCKET not in existing:
        s3.create_bucket(
            Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"}
        )
    key = f"pipeline/code/{GIT_SHA}/pipeline_code.tar.gz"
    s3.put_object(Bucket=BUCKET, Key=key, Body=b"bundle")
    compiled = compile_spec_file(
        ROOT / "spec" / "titanic-modelbuild.yaml", "dev", {"git_sha": GIT_SHA}
    )
    # What Terraform would have deployed (moto's account differs from the spec's role's).
    SageMakerBackend().upsert(compiled.pipeline_name, compiled.text, ROLE_ARN, None)

    notebook = cells_up_to(nbformat.read(NOTEBOOK, as_version=4), "### Cell 09")
    (parameters,) = [c for c in notebook.cells if "parameters" in c.metadata.get("tags", [])]
    parameters.source += '\nBACKEND = "sagemaker"\n'
    monkeypatch.setenv("GIT_SHA", GIT_SHA)  # the kernel inherits this environment
    client = NotebookClient(
        notebook, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(ROOT)}}
    )
    client.execute()  # raises CellExecutionError on any cell error
    printed = "".join(
        output.get("text", "")
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.outputs
    )
    assert "data-science-user eu-west-1 -> sagemaker" in printed
    assert "upsert skipped: Terraform deploys this pipeline" in printed
    assert "SDK pipeline.definition() == compiled definition: True" in printed
    assert (
        "PipelineExecutionArn: arn:aws:sagemaker:eu-west-1:123456789012:pipeline/"
        "titanic-modelbuild-dev/execution/"
    ) in printed
