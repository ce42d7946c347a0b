"""Regenerate compiler/data/describe_shapes.json from botocore's SageMaker service model: the
response shapes of the Describe* (and List*) calls whose fields a pipeline step's properties
expose, as SageMaker Pipelines documents them (the SDK's ``Properties`` use the same shapes).

Compile checks ``{property: {step, path}}`` references against this file, so it never
imports botocore; a test fails when the copy drifts from the installed botocore.
Usage: python scripts/sync_describe_shapes.py
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parent.parent / "compiler" / "data" / "describe_shapes.json"
# Step type -> the response shapes its properties come from (in order).
ROOTS = {
    "Processing": ["DescribeProcessingJobResponse"],
    "Training": ["DescribeTrainingJobResponse"],
    "Tuning": [
        "DescribeHyperParameterTuningJobResponse",
        "ListTrainingJobsForHyperParameterTuningJobResponse",
    ],
    "Model": ["DescribeModelOutput"],
    "Transform": ["DescribeTransformJobResponse"],
    "RegisterModel": ["DescribeModelPackageOutput"],
}


def shapes() -> dict[str, Any]:
    import botocore
    import botocore.session

    model = botocore.session.get_session().get_service_model("sagemaker")
    found: dict[str, Any] = {}

    def visit(name: str) -> None:
        if name in found:
            return
        shape = model.shape_for(name)
        entry: dict[str, Any] = {"type": shape.type_name}
        found[name] = entry
        if shape.type_name == "structure":
            entry["members"] = {m: s.name for m, s in shape.members.items()}
            for member in shape.members.values():
                visit(member.name)
        elif shape.type_name == "list":
            entry["member"] = shape.member.name
            visit(shape.member.name)
        elif shape.type_name == "map":
            entry["value"] = shape.value.name
            visit(shape.value.name)

    for roots in ROOTS.values():
        for root in roots:
            visit(root)
    return {
        "_source": f"botocore {botocore.__version__} sagemaker service model",
        "roots": ROOTS,
        "shapes": dict(sorted(found.items())),
    }


def main() -> None:
    OUT.write_text(json.dumps(shapes(), indent=1, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
