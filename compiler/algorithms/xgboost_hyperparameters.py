"""Hyperparameter table, parsing and validation of SageMaker's built-in XGBoost 1.7-1 algorithm:
one source for the compiler's tuning-range rules and the local engine's emulation (pure
Python, no xgboost import).

A transcription of the container's declared table (sagemaker-xgboost-container, branch 1.7-1:
``algorithm_mode/hyperparameter_validation.py`` on top of ``sagemaker_algorithm_toolkit``):
same names, aliases, types, ranges, dependency rules and error messages. Values arrive as
strings, as SageMaker passes them.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

MAXIMIZE_METRICS = [
    "accuracy", "auc", "aucpr", "balanced_accuracy", "f1", "f1_binary", "f1_macro", "map",
    "ndcg", "precision", "r2", "recall", "precision_macro", "precision_micro", "recall_macro",
    "recall_micro",
]  # fmt: skip
MINIMIZE_METRICS = [
    "aft-nloglik", "cox-nloglik", "error", "gamma-deviance", "gamma-nloglik",
    "interval-regression-accuracy", "logloss", "mae", "mape", "merror", "mlogloss", "mphe",
    "mse", "poisson-nloglik", "rmse", "rmsle", "tweedie-nloglik",
]  # fmt: skip
OBJECTIVES = [
    "aft_loss_distribution", "binary:logistic", "binary:logitraw", "binary:hinge",
    "count:poisson", "multi:softmax", "multi:softprob", "rank:pairwise", "rank:ndcg", "rank:map",
    "reg:linear", "reg:squarederror", "reg:logistic", "reg:gamma", "reg:pseudohubererror",
    "reg:squaredlogerror", "reg:absoluteerror", "reg:tweedie", "survival:aft", "survival:cox",
]  # fmt: skip
UPDATERS = [
    "grow_colmaker", "distcol", "grow_histmaker", "grow_skmaker", "sync", "refresh", "prune",
    "grow_colmaker", "distcol", "grow_histmaker", "grow_colmaker", "shotgun", "coord_descent",
    "refresh", "prune",
]  # fmt: skip
ALIASES = {"learning_rate": "eta", "min_split_loss": "gamma", "reg_lambda": "lambda",
           "reg_alpha": "alpha"}  # fmt: skip


class HyperparameterError(ValueError):
    """The container's UserError (a ClientError), or with ``internal`` its AlgorithmError."""

    def __init__(self, message: str, internal: bool = False) -> None:
        super().__init__(message)
        self.internal = internal


@dataclass(frozen=True)
class Interval:
    """A numeric range printed the way the toolkit prints it: ``[0, 1]``, ``(0, +inf)``."""

    min_open: float | None = None
    min_closed: float | None = None
    max_open: float | None = None
    max_closed: float | None = None

    def __contains__(self, value: object) -> bool:
        v: Any = value
        return not (
            (self.min_open is not None and v <= self.min_open)
            or (self.min_closed is not None and v < self.min_closed)
            or (self.max_open is not None and v >= self.max_open)
            or (self.max_closed is not None and v > self.max_closed)
        )

    def __str__(self) -> str:
        low = (
            f"({self.min_open}, "
            if self.min_open is not None
            else f"[{self.min_closed}, "
            if self.min_closed is not None
            else "(-inf, "
        )
        high = (
            f"{self.max_open})"
            if self.max_open is not None
            else f"{self.max_closed}]"
            if self.max_closed is not None
            else "+inf)"
        )
        return low + high


def _eval_metric_in_range(metric: str) -> bool:
    if "<function" in metric:
        raise HyperparameterError(f"User defined evaluation metric {metric} is not supported yet.")
    if "@" in metric:
        name, threshold = (part.strip() for part in metric.split("@")[:2])
        if name not in ("error", "ndcg", "map"):
            raise HyperparameterError(
                f"Metric '{metric}' is not supported. Parameter 'eval_metric' with customized "
                "threshold should be one of these options: 'error', 'ndcg', 'map'."
            )
        try:
            float(threshold)
        except ValueError:
            raise HyperparameterError(
                f"Threshold value 't' in '{name}@t' expects float input."
            ) from None
        return True
    return metric in MAXIMIZE_METRICS + MINIMIZE_METRICS


class _Validated:
    """A range given as a rule, printed as the list it stands for (as the toolkit does)."""

    def __init__(self, shown: list[str], rule: Callable[[str], bool]) -> None:
        self.shown, self.rule = shown, rule

    def __contains__(self, value: object) -> bool:
        return self.rule(str(value))

    def __str__(self) -> str:
        return str(self.shown)


@dataclass(frozen=True)
class Spec:
    kind: str  # int | float | categorical | list | tuple | nested
    range: Any
    depends_on: tuple[str, ...] = ()


def _i(**bounds: float) -> Spec:
    return Spec("int", Interval(**bounds))


def _f(**bounds: float) -> Spec:
    return Spec("float", Interval(**bounds))


def _c(*values: str) -> Spec:
    return Spec("categorical", list(values))


TREE_METHODS = ["auto", "exact", "approx", "hist", "gpu_hist"]
PREDICTORS = ["auto", "cpu_predictor", "gpu_predictor"]
EVAL_METRICS = MAXIMIZE_METRICS + MINIMIZE_METRICS

SPECS: dict[str, Spec] = {
    "num_round": _i(min_closed=1),
    "csv_weights": _i(min_closed=0, max_closed=1),
    "early_stopping_rounds": _i(min_closed=1),
    "booster": _c("gbtree", "gblinear", "dart"),
    "verbosity": _i(min_closed=0, max_closed=3),
    "nthread": _i(min_closed=1),
    "eta": _f(min_closed=0, max_closed=1),
    "gamma": _f(min_closed=0),
    "max_depth": _i(min_closed=0),
    "min_child_weight": _f(min_closed=0),
    "max_delta_step": _f(min_closed=0),
    "subsample": _f(min_open=0, max_closed=1),
    "colsample_bytree": _f(min_open=0, max_closed=1),
    "colsample_bylevel": _f(min_open=0, max_closed=1),
    "colsample_bynode": _f(min_open=0, max_closed=1),
    "lambda": _f(min_closed=0),
    "alpha": _f(min_closed=0),
    "tree_method": Spec("categorical", _Validated(TREE_METHODS, TREE_METHODS.__contains__)),
    "sketch_eps": _f(min_open=0, max_open=1),
    "scale_pos_weight": _f(min_open=0),
    "updater": Spec("list", UPDATERS, ("booster", "process_type")),
    "dsplit": _c("row", "col"),
    "refresh_leaf": _i(min_closed=0, max_closed=1),
    "process_type": _c("default", "update"),
    "grow_policy": _c("depthwise", "lossguide"),
    "max_leaves": _i(min_closed=0),
    "max_bin": _i(min_closed=0),
    "predictor": Spec("categorical", _Validated(PREDICTORS, PREDICTORS.__contains__)),
    "monotone_constraints": Spec("tuple", [-1, 0, 1], ("tree_method",)),
    "interaction_constraints": Spec("nested", Interval(min_closed=1), ("tree_method",)),
    "sample_type": _c("uniform", "weighted"),
    "normalize_type": _c("tree", "forest"),
    "rate_drop": _f(min_closed=0, max_closed=1),
    "one_drop": _i(min_closed=0, max_closed=1),
    "skip_drop": _f(min_closed=0, max_closed=1),
    "lambda_bias": _f(min_closed=0, max_closed=1),
    "tweedie_variance_power": _f(min_open=1, max_open=2),
    "objective": Spec("categorical", OBJECTIVES, ("num_class",)),
    "num_class": _i(min_closed=2),
    "base_score": _f(min_closed=0),
    "_kfold": _i(min_closed=2),
    "_num_cv_round": _i(min_closed=1),
    "_tuning_objective_metric": _c(*(f"validation:{m}" for m in EVAL_METRICS)),
    "eval_metric": Spec("list", _Validated(EVAL_METRICS, _eval_metric_in_range), ("objective",)),
    "seed": _i(min_open=-(2**31), max_open=2**31 - 1),
    "num_parallel_tree": _i(min_closed=1),
    "save_model_on_termination": _c("true", "false"),
    "aft_loss_distribution": _c("normal", "logistic", "extreme"),
    "aft_loss_distribution_scale": _f(min_closed=0),
    "deterministic_histogram": _c("true", "false"),
    "sampling_method": _c("uniform", "gradient_based"),
    "prob_buffer_row": _i(min_open=1.0),
    "use_dask_gpu_training": _c("true", "false"),
}


def _parse(name: str, spec: Spec, text: str) -> Any:
    try:
        if spec.kind == "int":
            return int(text)
        if spec.kind == "float":
            return float(text)
        if spec.kind == "list":
            return text.split(",")
        if spec.kind in ("tuple", "nested"):
            return ast.literal_eval(text)
        return text
    except (ValueError, SyntaxError):
        # The toolkit appends the cause's class name to its message.
        raise HyperparameterError(
            f"Hyperparameter {name}: could not parse value (caused by ValueError)"
        ) from None


def _check_range(name: str, spec: Spec, value: Any) -> None:
    if spec.kind in ("list", "tuple"):
        if any(item not in spec.range for item in value):
            shown = spec.range if isinstance(spec.range, list) else str(spec.range)
            raise HyperparameterError(f"Hyperparameter {name}: value {value} not in range {shown}")
    elif spec.kind == "nested":
        if any(item not in spec.range for group in value for item in group):
            raise HyperparameterError(
                f"Hyperparameter {name}: value {value} not in range {spec.range}"
            )
    elif value not in spec.range:
        raise HyperparameterError(f"Hyperparameter {name}: {value} is not in {spec.range}")


def _check_dependencies(name: str, value: Any, given: Mapping[str, Any]) -> None:
    if name == "objective":
        if value in ("multi:softmax", "multi:softprob") and "num_class" not in given:
            raise HyperparameterError(
                "Require input for parameter 'num_class' for multi-classification"
            )
    elif name == "eval_metric":
        if "objective" not in given:
            # The container indexes dependencies["objective"] and dies with a KeyError.
            raise HyperparameterError(
                "eval_metric needs the objective hyperparameter (the container fails with "
                "KeyError: 'objective')",
                internal=True,
            )
        objective = given["objective"]
        if "auc" in value and not objective.startswith(("binary:", "rank:")):
            raise HyperparameterError(
                "Metric 'auc' can only be applied for classification and ranking problems."
            )
        if "aft-nloglik" in value and objective != "survival:aft":
            raise HyperparameterError(
                "Metric 'aft-nloglik' can only be applied for 'survival:aft' objective."
            )
    elif name == "monotone_constraints" and given.get("tree_method") not in ("exact", "hist"):
        raise HyperparameterError(
            "monotone_constraints can be used only when the tree_method parameter is set to "
            "either 'exact' or 'hist'."
        )
    elif name == "interaction_constraints" and given.get("tree_method") not in (
        "exact",
        "hist",
        "approx",
    ):
        raise HyperparameterError(
            "interaction_constraints can be used only when the tree_method parameter is set to "
            "either 'exact', 'hist' or 'approx'."
        )
    elif name == "updater":
        _check_updater(value, given)


def _check_updater(value: list[str], given: Mapping[str, Any]) -> None:
    tree = {"grow_colmaker", "distcol", "grow_histmaker", "grow_skmaker", "sync", "refresh",
            "prune", "grow_quantile_histmaker"}  # fmt: skip
    builders = {"grow_colmaker", "distcol", "grow_histmaker", "grow_quantile_histmaker"}
    if given.get("booster") == "gblinear":
        if not (len(value) == 1 and value[0] in ("shotgun", "coord_descent")):
            raise HyperparameterError(
                "Linear updater should be one of these options: 'shotgun', 'coord_descent'."
            )
    elif given.get("process_type") == "update":
        if not all(x in ("refresh", "prune") for x in value):
            raise HyperparameterError(
                "process_type 'update' can only be used with updater 'refresh' and 'prune'"
            )
    elif not all(x in tree for x in value):
        raise HyperparameterError(
            "Tree updater should be selected from these options: 'grow_colmaker', 'distcol', "
            "'grow_histmaker', 'grow_skmaker', 'grow_quantile_histmaker', 'sync', 'refresh', "
            "'prune', 'shortgun', 'coord_descent'."
        )
    elif sum(x in builders for x in value) > 1:
        raise HyperparameterError(
            "Only one tree grow plugin can be selected. Choose one from thefollowing: "
            "'grow_colmaker', 'distcol', 'grow_histmaker', 'grow_skmaker'"
        )


def validate(hyperparameters: Mapping[str, str]) -> dict[str, Any]:
    """Parse and check string hyperparameters as the container does, in its order:
    aliases, required, names and parsing, ranges, then the rules between them."""
    given = {ALIASES.get(name, name): str(value) for name, value in hyperparameters.items()}
    if "num_round" not in given:
        raise HyperparameterError("Missing required hyperparameter: num_round")
    parsed: dict[str, Any] = {}
    for name, text in given.items():
        if name not in SPECS:
            raise HyperparameterError(f"Extraneous hyperparameter found: {name}")
        parsed[name] = _parse(name, SPECS[name], text)
    for name, value in parsed.items():
        _check_range(name, SPECS[name], value)
    for name, value in parsed.items():
        _check_dependencies(name, value, parsed)
    return parsed


def problems_by_name(hyperparameters: Mapping[str, str]) -> list[tuple[str | None, str]]:
    """Every problem the container would stop at, each with the name it is about (``None``
    for the set as a whole): unknown names, values that do not parse or are out of range,
    then (only when each value is fine) the rules between them and the required num_round."""
    found: list[tuple[str | None, str]] = []
    for name, text in hyperparameters.items():
        canonical = ALIASES.get(name, name)
        if canonical not in SPECS:
            found.append((name, f"Extraneous hyperparameter found: {name}"))
            continue
        try:
            _check_range(canonical, SPECS[canonical], _parse(canonical, SPECS[canonical], text))
        except HyperparameterError as error:
            found.append((name, str(error)))
    if not found:
        try:
            validate(hyperparameters)
        except HyperparameterError as error:
            found.append((None, str(error)))
    return found
