"""The workshop notebook: committed clean, and run end to end headlessly (papermill) on the
local backend with a fresh state directory; it must register a model."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "notebooks" / "03-sagemaker-pipeline.ipynb"
GROUP = "titanic-survival-xgboost"


def code_cells(notebook: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    return [cell for cell in notebook.cells if cell.cell_type == "code"]


def test_committed_notebook_has_no_outputs_and_a_local_default() -> None:
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(notebook)
    for cell in code_cells(notebook):
        assert cell.outputs == [] and cell.execution_count is None, cell.source[:60]
    (parameters,) = [c for c in notebook.cells if "parameters" in c.metadata.get("tags", [])]
    assert re.search(r'^BACKEND = "local"', parameters.source, re.MULTILINE)
    assert re.search(r"^UPSERT = False", parameters.source, re.MULTILINE)


def test_every_boto3_call_says_why_and_on_what() -> None:
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    calls = 0
    for cell in code_cells(notebook):
        for line in cell.source.splitlines():
            if re.search(r"\b\w+_client\.\w+\(", line):  # a direct boto3 client call
                calls += 1
                assert "# boto3" in cell.source, cell.source[:80]
    assert calls >= 2  # the registry check: ListModelPackages, DescribeModelPackage


def test_seed_cells_00_to_11_are_all_there() -> None:
    text = NOTEBOOK.read_text()
    for number in range(12):
        assert f"### Cell {number:02d} " in text, number
    for v3_import in (
        "from sagemaker.core.workflow.pipeline_context import PipelineSession",
        "from sagemaker.mlops.workflow.pipeline import Pipeline",
        "from sagemaker.mlops.workflow.model_step import ModelStep",
        "from sagemaker.train.model_trainer import ModelTrainer",
    ):
        assert v3_import in text


def test_notebook_runs_on_the_local_backend_and_registers_a_model(tmp_path: Path) -> None:
    import papermill

    from pipeline.local.backend import LocalBackend

    state = tmp_path / "state"
    executed = tmp_path / "executed.ipynb"
    papermill.execute_notebook(  # raises PapermillExecutionError on any cell error
        str(NOTEBOOK),
        str(executed),
        parameters={"BACKEND": "local", "STATE_DIR": str(state)},
        cwd=str(ROOT),
        kernel_name="python3",
        progress_bar=False,
        request_save_on_cell_execute=False,
    )
    notebook = nbformat.read(executed, as_version=4)
    printed = "".join(
        output.get("text", "") for cell in code_cells(notebook) for output in cell.outputs
    )
    assert "Pipeline status: Succeeded" in printed
    assert "ModelApprovalStatus: PendingManualApproval" in printed
    if (ROOT / "compiler" / "emit_sdk.py").is_file():
        assert "SDK pipeline.definition() == compiled definition: True" in printed
    execution = re.search(r"PipelineExecutionArn: (\S+)", printed)
    assert execution is not None
    (package,) = LocalBackend(state).list_model_packages(GROUP)
    assert package.approval_status == "PendingManualApproval"
    assert package.source_execution == execution.group(1)
    assert f"ModelPackageArn: {package.arn}" in printed


@pytest.mark.parametrize("backend", ["nowhere"])
def test_unknown_backend_fails_the_run(tmp_path: Path, backend: str) -> None:
    import papermill

    with pytest.raises(papermill.PapermillExecutionError, match="BACKEND must be"):
        papermill.execute_notebook(
            str(NOTEBOOK),
            str(tmp_path / "executed.ipynb"),
            parameters={"BACKEND": backend, "STATE_DIR": str(tmp_path / "state")},
            cwd=str(ROOT),
            kernel_name="python3",
            progress_bar=False,
        )


def test_dev_extra_pins_the_notebook_extra() -> None:
    tomllib = pytest.importorskip("tomllib")  # Python >= 3.11
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
        "optional-dependencies"
    ]
    assert set(extras["notebook"]) <= set(extras["dev"])
