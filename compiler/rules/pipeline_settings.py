"""Rules on the pipeline's own settings, sent beside the definition: parallelism and tags
(CreatePipeline's ParallelismConfiguration and Tags in botocore's service model)."""

from __future__ import annotations

from collections.abc import Iterator

from compiler.diagnostics import Diagnostic, problem
from compiler.rules.context import SpecContext
from compiler.rules.registry import rule
from compiler.sagemaker_data import check_name, limits
from compiler.variables import is_unresolved


@rule(
    "tag-invalid",
    "limits",
    "A pipeline tag breaks CreatePipeline's limits: more than 50, a key or value too long or "
    "with characters SageMaker refuses, or a key in the reserved aws: prefix.",
)
def tag_invalid(ctx: SpecContext) -> Iterator[Diagnostic]:
    tags = ctx.spec.pipeline.tags
    maximum = limits()["tags"].get("max")
    if maximum is not None and len(tags) > maximum:
        yield problem(
            "tag-invalid", ("pipeline", "tags"), f"{len(tags)} tags; SageMaker allows {maximum}"
        )
    for key, value in tags.items():
        path = ("pipeline", "tags", key)
        if key.lower().startswith("aws:"):
            yield problem(
                "tag-invalid",
                path,
                f'tag key "{key}" uses the aws: prefix, which AWS reserves',
                at_key=True,
            )
        elif not is_unresolved(key) and (why := check_name("tag_key", key)):
            yield problem("tag-invalid", path, f'tag key "{key}" {why}', at_key=True)
        if not is_unresolved(value) and (why := check_name("tag_value", value)):
            yield problem("tag-invalid", path, f'value of tag "{key}" {why}')


def max_parallel_steps_out_of_range(ctx: SpecContext) -> Iterator[Diagnostic]:
    """Part of value-out-of-range (compiler.rules.limits)."""
    value = ctx.spec.pipeline.max_parallel_steps
    low = limits()["max_parallel_steps"]["min"]
    if value is not None and value < low:
        yield problem(
            "value-out-of-range",
            ("pipeline", "max_parallel_steps"),
            f"max_parallel_steps {value} must be at least {low}",
        )
