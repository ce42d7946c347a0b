"""Rules on script mode, tuning, model and transform steps."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import PurePosixPath

from compiler import property_paths
from compiler.algorithms.xgboost_hyperparameters import (
    ALIASES,
    EVAL_METRICS,
    MAXIMIZE_METRICS,
    SPECS,
    Interval,
)
from compiler.diagnostics import Diagnostic, problem
from compiler.emit.script_mode import TOOLKIT_HYPERPARAMETERS
from compiler.model import (
    CategoricalRange,
    ContinuousRange,
    FrameworkImage,
    IntegerRange,
    ModelStep,
    TrainingStep,
    TransformStep,
    TuningStep,
)
from compiler.references import PropertyRef
from compiler.rules.context import SpecContext
from compiler.rules.registry import rule
from compiler.rules.suggest import did_you_mean

# Images whose containers run a script from the bundle (the training / inference toolkits).
SCRIPT_FRAMEWORKS = ("sklearn", "xgboost", "pytorch")
# Images that are a built-in algorithm when given no script.
BUILT_IN_ALGORITHMS = ("xgboost",)


def _framework(ctx: SpecContext, image_key: object) -> str | None:
    """The framework of an `images` key; None for a URI image or a {param} image."""
    image = ctx.spec.images.get(image_key) if isinstance(image_key, str) else None
    return image.framework if isinstance(image, FrameworkImage) else None


def is_built_in(ctx: SpecContext, step: TrainingStep | TuningStep) -> bool:
    """A built-in algorithm's image run without a script (SageMaker's XGBoost algorithm)."""
    return step.script is None and _framework(ctx, step.image) in BUILT_IN_ALGORITHMS


def _tuning_steps(ctx: SpecContext) -> Iterator[tuple[int, TuningStep]]:
    for index, step in enumerate(ctx.spec.steps):
        if isinstance(step, TuningStep):
            yield index, step


def _bad_script_path(script: str) -> bool:
    path = PurePosixPath(script)
    return path.is_absolute() or ".." in path.parts or not script.endswith(".py")


@rule(
    "script-mode",
    "jobs",
    "A script-mode script is not a relative .py path of the code bundle, its image cannot run "
    "scripts, or a framework image is given no program (script:, or SAGEMAKER_PROGRAM).",
)
def script_mode(ctx: SpecContext) -> Iterator[Diagnostic]:
    for index, step in enumerate(ctx.spec.steps):
        if not isinstance(step, (TrainingStep, TuningStep, ModelStep)):
            continue
        framework = _framework(ctx, step.image)
        if step.script is None:
            # The toolkit's settings given by hand (e.g. SAGEMAKER_PROGRAM in the environment
            # with the code in the image) also name a program: smpipe does not second-guess.
            given = "SAGEMAKER_PROGRAM" in step.environment or "sagemaker_program" in getattr(
                step, "hyperparameters", {}
            )
            if framework is not None and framework not in BUILT_IN_ALGORITHMS and not given:
                needs = "an inference script" if isinstance(step, ModelStep) else "a script"
                yield problem(
                    "script-mode",
                    ("steps", index, "image"),
                    f'step "{step.name}" runs the {framework} framework image, which has no '
                    f"built-in algorithm: give it {needs} (script: NAME.py from the code bundle)",
                )
            continue
        if _bad_script_path(step.script):
            yield problem(
                "script-mode",
                ("steps", index, "script"),
                f'script "{step.script}" must be a relative .py path inside the code bundle '
                "(pipeline/code/), e.g. train.py",
            )
        elif framework is not None and framework not in SCRIPT_FRAMEWORKS:
            yield problem(
                "script-mode",
                ("steps", index, "script"),
                f"the {framework} image does not run scripts; script mode needs one of: "
                + ", ".join(SCRIPT_FRAMEWORKS),
            )
        if isinstance(step, (TrainingStep, TuningStep)):
            for key in step.hyperparameters:
                if key in TOOLKIT_HYPERPARAMETERS:
                    yield problem(
                        "script-mode",
                        ("steps", index, "hyperparameters", key),
                        f'hyperparameter "{key}" is set by smpipe for script mode; remove it',
                        at_key=True,
                    )


def _xgboost_name(name: str) -> str:
    return ALIASES.get(name, name)


def _range_problems(
    ctx: SpecContext,
    step: TuningStep,
    name: str,
    spec: IntegerRange | ContinuousRange | CategoricalRange,
) -> Iterator[str]:
    if isinstance(spec, (IntegerRange, ContinuousRange)):
        low, high = spec.min, spec.max  # numbers: the schema refuses true/false here
        if low > high:
            yield f"min {low} is greater than max {high}"
        if spec.scaling == "Logarithmic" and low <= 0:
            yield f"Logarithmic scaling needs min > 0, not {low}"
        if spec.scaling == "ReverseLogarithmic" and (
            isinstance(spec, IntegerRange) or not (low >= 0 and high < 1)
        ):
            yield "ReverseLogarithmic scaling needs a continuous range within [0, 1)"
    elif len(set(map(str, spec.values))) != len(spec.values):
        yield "values repeat"
    if name in step.hyperparameters:
        yield "it is also a static hyperparameter (a hyperparameter is either static or tuned)"
    if name in TOOLKIT_HYPERPARAMETERS:
        yield "it is set by smpipe for script mode"
    if is_built_in(ctx, step):
        yield from _xgboost_range(name, spec)


def _xgboost_range(
    name: str, spec: IntegerRange | ContinuousRange | CategoricalRange
) -> Iterator[str]:
    table = SPECS.get(_xgboost_name(name))
    if table is None:
        yield f'the XGBoost algorithm has no hyperparameter "{name}"{did_you_mean(name, SPECS)}'
        return
    if isinstance(spec, CategoricalRange):
        if table.kind == "categorical":
            bad = [v for v in spec.values if str(v) not in table.range]
            if bad:
                yield f"XGBoost accepts {table.range} for {name}, not {', '.join(map(str, bad))}"
        elif table.kind in ("int", "float"):
            for value in spec.values:
                try:
                    number = int(str(value)) if table.kind == "int" else float(str(value))
                except ValueError:
                    yield f"XGBoost's {name} is a number, not {value!r}"
                    continue
                if number not in table.range:
                    yield f"{value} is outside XGBoost's range {table.range} for {name}"
        return
    if table.kind not in ("int", "float"):
        yield f"XGBoost's {name} is {table.kind}, not a number: tune it with a categorical range"
        return
    if isinstance(spec, ContinuousRange) and table.kind == "int":
        yield f"XGBoost's {name} is an integer: tune it with an integer range"
    interval = table.range
    if isinstance(interval, Interval):
        for bound in (spec.min, spec.max):
            if bound not in interval:
                yield f"{bound} is outside XGBoost's range {interval} for {name}"


@rule(
    "tuning-range",
    "jobs",
    "A tuning range is malformed (min > max, scaling), overlaps a static hyperparameter, or "
    "leaves the built-in algorithm's hyperparameter table.",
)
def tuning_range(ctx: SpecContext) -> Iterator[Diagnostic]:
    for index, step in _tuning_steps(ctx):
        for name, spec in step.ranges.items():
            for why in _range_problems(ctx, step, name, spec):
                yield problem(
                    "tuning-range",
                    ("steps", index, "ranges", name),
                    f'range "{name}" of tuning step "{step.name}": {why}',
                    at_key=True,
                )


def built_in_metrics() -> list[str]:
    """The XGBoost algorithm's metrics a tuning job can optimise."""
    return [f"{channel}:{metric}" for channel in ("validation", "train") for metric in EVAL_METRICS]


@rule(
    "tuning-objective",
    "jobs",
    "A tuning objective names a metric the job does not emit (the built-in algorithm's or the "
    "step's metric_definitions), or optimises it the wrong way.",
)
def tuning_objective(ctx: SpecContext) -> Iterator[Diagnostic]:
    for index, step in _tuning_steps(ctx):
        path = ("steps", index, "objective", "metric")
        metric = step.objective.metric
        if is_built_in(ctx, step):
            known = built_in_metrics()
            if metric not in known:
                yield problem(
                    "tuning-objective",
                    path,
                    f'the XGBoost algorithm emits no metric "{metric}"{did_you_mean(metric, known)} '
                    "(its metrics are validation:<eval_metric> and train:<eval_metric>)",
                )
                continue
            wanted = "Maximize" if metric.split(":", 1)[1] in MAXIMIZE_METRICS else "Minimize"
            if step.objective.type != wanted:
                yield problem(
                    "tuning-objective",
                    ("steps", index, "objective", "type"),
                    f'"{metric}" is a metric to {wanted.lower()}, not to '
                    f"{step.objective.type.lower()}",
                )
            continue
        declared = [m.name for m in step.metric_definitions]
        if metric not in declared:
            detail = (
                "which declares only " + ", ".join(f'"{d}"' for d in declared)
                if declared
                else "which declares no metric_definitions (a script's metrics are read from its "
                "log with {name, regex})"
            )
            yield problem(
                "tuning-objective",
                path,
                f'tuning step "{step.name}" optimises "{metric}", {detail}'
                + (did_you_mean(metric, declared) if declared else ""),
            )


@rule(
    "tuning-strategy",
    "jobs",
    "A tuning step's strategy and limits do not fit: Grid with continuous ranges, no max_jobs "
    "for a search, more parallel jobs than jobs.",
)
def tuning_strategy(ctx: SpecContext) -> Iterator[Diagnostic]:
    for index, step in _tuning_steps(ctx):
        base = ("steps", index)
        if step.strategy == "Grid":
            for name, spec in step.ranges.items():
                if isinstance(spec, ContinuousRange):
                    yield problem(
                        "tuning-strategy",
                        (*base, "ranges", name),
                        f'Grid search takes only categorical and integer ranges; "{name}" is '
                        "continuous",
                        at_key=True,
                    )
        elif step.max_jobs is None:
            yield problem(
                "tuning-strategy",
                (*base, "strategy"),
                f"{step.strategy} search needs max_jobs (only Grid runs its whole grid)",
            )
        for key in ("max_jobs", "max_parallel_jobs"):
            value = getattr(step, key)
            if value is not None and value < 1:
                yield problem("tuning-strategy", (*base, key), f"{key} must be at least 1")
        if step.max_jobs is not None and step.max_parallel_jobs > step.max_jobs:
            yield problem(
                "tuning-strategy",
                (*base, "max_parallel_jobs"),
                f"max_parallel_jobs {step.max_parallel_jobs} is more than max_jobs {step.max_jobs}",
            )


@rule(
    "transform-model",
    "jobs",
    "A transform step's model is not a model step, or its filters are not JSONPath ($...).",
)
def transform_model(ctx: SpecContext) -> Iterator[Diagnostic]:
    models = [s.name for s in ctx.spec.steps if isinstance(s, ModelStep)]
    for index, step in enumerate(ctx.spec.steps):
        if not isinstance(step, TransformStep):
            continue
        found = ctx.steps.get(step.model)
        if found is not None and not isinstance(found[1], ModelStep):
            yield problem(
                "transform-model",
                ("steps", index, "model"),
                f'transform step "{step.name}" uses "{step.model}" as its model, but that is a '
                f"{found[1].type} step; name a model step"
                + (f" ({', '.join(models)})" if models else " (type: model)"),
            )
        for key in ("input_filter", "output_filter"):
            value = getattr(step, key)
            if value is not None and not value.startswith("$"):
                yield problem(
                    "transform-model",
                    ("steps", index, key),
                    f'{key} "{value}" is not a JSONPath such as "$[1:]" or "$.features"',
                )


@rule(
    "property-path",
    "references",
    "A {property: {step, path}} names a path the step's Describe* response does not have "
    "(botocore's shapes), or a step with no properties.",
)
def property_path(ctx: SpecContext) -> Iterator[Diagnostic]:
    for _, path, ref in ctx.references():
        if not isinstance(ref, PropertyRef) or ref.property.step not in ctx.steps:
            continue
        target = ctx.steps[ref.property.step][1]
        where = (*path, "property", "path")
        tokens = property_paths.parse(ref.property.path)
        if tokens is None:
            yield problem(
                "property-path",
                where,
                f'"{ref.property.path}" is not a property path like '
                '"BestTrainingJob.TrainingJobName" or "FinalMetricDataList[\'validation:auc\'].Value"',
            )
            continue
        step_type = property_paths.STEP_TYPES.get(target.type)
        if step_type is None:
            yield problem(
                "property-path",
                (*path, "property", "step"),
                f'step "{target.name}" is a {target.type} step, which has no properties to read',
            )
            continue
        found = property_paths.resolve(step_type, tokens)
        if found.type is None:
            # A path starts with a member name, so there is always one.
            last = next(t for t in reversed(tokens) if isinstance(t, str))
            hint = did_you_mean(last, found.choices) if found.choices else ""
            yield problem("property-path", where, f'step "{target.name}": {found.problem}{hint}')
