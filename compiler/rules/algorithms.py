"""Rules on SageMaker's built-in algorithms: hyperparameters are checked at compile time
against the same table the local engine runs them with (compiler/algorithms/)."""

from __future__ import annotations

from collections.abc import Iterator

from compiler.algorithms.xgboost_hyperparameters import problems_by_name
from compiler.diagnostics import Diagnostic, problem
from compiler.emit.values import literal_text
from compiler.model import FrameworkImage, TrainingStep
from compiler.rules.context import SpecContext
from compiler.rules.registry import rule
from compiler.variables import is_unresolved


@rule(
    "hyperparameter-invalid",
    "algorithms",
    "Warning (an error with --strict): a hyperparameter the built-in algorithm (XGBoost image "
    "in algorithm mode) would reject at run time: unknown name, unparsable or out-of-range "
    "value, missing num_round.",
)
def hyperparameter_invalid(ctx: SpecContext) -> Iterator[Diagnostic]:
    for index, step in enumerate(ctx.spec.steps):
        if not isinstance(step, TrainingStep) or step.script is not None:
            continue  # script mode: the script, not the algorithm, reads the hyperparameters
        image = ctx.spec.images.get(step.image) if isinstance(step.image, str) else None
        if not isinstance(image, FrameworkImage) or image.framework != "xgboost":
            continue
        values = step.hyperparameters
        if any(not isinstance(v, (str, int, float)) or is_unresolved(v) for v in values.values()):
            continue  # a reference or an unresolved ${...}: known only at run time
        texts = {name: literal_text(value) for name, value in values.items()}
        base = ("steps", index, "hyperparameters")
        for name, message in problems_by_name(texts):
            path = base if name is None else (*base, name)
            yield problem(
                "hyperparameter-invalid",
                path,
                f'step "{step.name}": the built-in XGBoost algorithm would stop with "{message}"',
                # A warning, so that a draft (e.g. smpipe import's) still compiles; CI runs
                # validate --strict.
                severity="warning",
            )
