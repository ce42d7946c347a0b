"""The built-in XGBoost algorithm's validation, rule by rule, with the container's exact
messages: parsing of each kind, ranges of lists, tuples and nested lists, the dependency
rules, the updater rules, eval_metric thresholds, aliases, and problems_by_name's report."""

from __future__ import annotations

import pytest

from compiler.algorithms.xgboost_hyperparameters import (
    HyperparameterError,
    Interval,
    Spec,
    _c,
    _f,
    _i,
    _Validated,
    problems_by_name,
    validate,
)

TREE_UPDATERS = (
    "Tree updater should be selected from these options: 'grow_colmaker', 'distcol', "
    "'grow_histmaker', 'grow_skmaker', 'grow_quantile_histmaker', 'sync', 'refresh', "
    "'prune', 'shortgun', 'coord_descent'."
)
ONE_GROW_PLUGIN = (
    "Only one tree grow plugin can be selected. Choose one from thefollowing: "
    "'grow_colmaker', 'distcol', 'grow_histmaker', 'grow_skmaker'"
)
LINEAR_UPDATER = "Linear updater should be one of these options: 'shotgun', 'coord_descent'."
UPDATE_PROCESS = "process_type 'update' can only be used with updater 'refresh' and 'prune'"
MONOTONE = (
    "monotone_constraints can be used only when the tree_method parameter is set to "
    "either 'exact' or 'hist'."
)
INTERACTION = (
    "interaction_constraints can be used only when the tree_method parameter is set to "
    "either 'exact', 'hist' or 'approx'."
)

# (hyperparameters besides num_round=1, the container's error or None when accepted)
CASES: list[tuple[dict[str, str], str | None]] = [
    # parsing, by kind
    ({"max_depth": "6"}, None),
    (
        {"max_depth": "6.5"},
        "Hyperparameter max_depth: could not parse value (caused by ValueError)",
    ),
    ({"eta": "fast"}, "Hyperparameter eta: could not parse value (caused by ValueError)"),
    (
        {"monotone_constraints": "(1,"},
        "Hyperparameter monotone_constraints: could not parse value (caused by ValueError)",
    ),
    (
        {"monotone_constraints": "x"},
        "Hyperparameter monotone_constraints: could not parse value (caused by ValueError)",
    ),
    (
        {"interaction_constraints": "[[1, 2]", "tree_method": "hist"},
        "Hyperparameter interaction_constraints: could not parse value (caused by ValueError)",
    ),
    # names
    ({"learning_rate": "0.5", "reg_lambda": "2", "reg_alpha": "1", "min_split_loss": "0"}, None),
    ({"learning_rate": "2"}, "Hyperparameter eta: 2.0 is not in [0, 1]"),
    ({"depth": "3"}, "Extraneous hyperparameter found: depth"),
    # categorical and list ranges
    ({"booster": "dart"}, None),
    (
        {"booster": "forest"},
        "Hyperparameter booster: forest is not in ['gbtree', 'gblinear', 'dart']",
    ),
    ({"tree_method": "gpu_hist"}, None),
    (
        {"tree_method": "fast"},
        "Hyperparameter tree_method: fast is not in ['auto', 'exact', 'approx', 'hist', 'gpu_hist']",
    ),
    ({"updater": "grow_colmaker,prune"}, None),
    (
        {"updater": "grow_colmaker,bogus"},
        "Hyperparameter updater: value ['grow_colmaker', 'bogus'] not in range ['grow_colmaker', 'distcol', 'grow_histmaker', 'grow_skmaker', 'sync', 'refresh', 'prune', 'grow_colmaker', 'distcol', 'grow_histmaker', 'grow_colmaker', 'shotgun', 'coord_descent', 'refresh', 'prune']",
    ),
    ({"monotone_constraints": "(1, -1, 0)", "tree_method": "exact"}, None),
    (
        {"monotone_constraints": "(1, 2)", "tree_method": "exact"},
        "Hyperparameter monotone_constraints: value (1, 2) not in range [-1, 0, 1]",
    ),
    ({"interaction_constraints": "[[1, 2], [3]]", "tree_method": "approx"}, None),
    (
        {"interaction_constraints": "[[1, 2], [0]]", "tree_method": "approx"},
        "Hyperparameter interaction_constraints: value [[1, 2], [0]] not in range [1, +inf)",
    ),
    # eval_metric: names, thresholds, functions
    ({"objective": "binary:logistic", "eval_metric": "auc,error@0.7,logloss"}, None),
    ({"objective": "rank:ndcg", "eval_metric": "ndcg@ 3,map@2"}, None),
    (
        {"objective": "binary:logistic", "eval_metric": "auc,bogus"},
        "Hyperparameter eval_metric: value ['auc', 'bogus'] not in range "
        + str(
            [
                "accuracy",
                "auc",
                "aucpr",
                "balanced_accuracy",
                "f1",
                "f1_binary",
                "f1_macro",
                "map",
                "ndcg",
                "precision",
                "r2",
                "recall",
                "precision_macro",
                "precision_micro",
                "recall_macro",
                "recall_micro",
                "aft-nloglik",
                "cox-nloglik",
                "error",
                "gamma-deviance",
                "gamma-nloglik",
                "interval-regression-accuracy",
                "logloss",
                "mae",
                "mape",
                "merror",
                "mlogloss",
                "mphe",
                "mse",
                "poisson-nloglik",
                "rmse",
                "rmsle",
                "tweedie-nloglik",
            ]
        ),
    ),
    (
        {"objective": "reg:squarederror", "eval_metric": "rmse@0.5"},
        "Metric 'rmse@0.5' is not supported. Parameter 'eval_metric' with customized threshold should be one of these options: 'error', 'ndcg', 'map'.",
    ),
    (
        {"objective": "binary:logistic", "eval_metric": "error@high"},
        "Threshold value 't' in 'error@t' expects float input.",
    ),
    (
        {"objective": "binary:logistic", "eval_metric": "<function f>"},
        "User defined evaluation metric <function f> is not supported yet.",
    ),
    # rules between hyperparameters
    (
        {"objective": "multi:softmax"},
        "Require input for parameter 'num_class' for multi-classification",
    ),
    (
        {"objective": "multi:softprob"},
        "Require input for parameter 'num_class' for multi-classification",
    ),
    ({"objective": "multi:softprob", "num_class": "3"}, None),
    ({"objective": "binary:hinge"}, None),
    (
        {"objective": "reg:squarederror", "eval_metric": "auc"},
        "Metric 'auc' can only be applied for classification and ranking problems.",
    ),
    ({"objective": "rank:pairwise", "eval_metric": "auc"}, None),
    (
        {"objective": "reg:squarederror", "eval_metric": "aft-nloglik"},
        "Metric 'aft-nloglik' can only be applied for 'survival:aft' objective.",
    ),
    ({"objective": "survival:aft", "eval_metric": "aft-nloglik"}, None),
    ({"monotone_constraints": "(1,)"}, MONOTONE),
    ({"monotone_constraints": "(1,)", "tree_method": "approx"}, MONOTONE),
    ({"monotone_constraints": "(1,)", "tree_method": "hist"}, None),
    ({"interaction_constraints": "[[1]]", "tree_method": "auto"}, INTERACTION),
    ({"interaction_constraints": "[[1]]", "tree_method": "exact"}, None),
    ({"interaction_constraints": "[[1]]", "tree_method": "hist"}, None),
    # updaters
    ({"booster": "gblinear", "updater": "shotgun"}, None),
    ({"booster": "gblinear", "updater": "coord_descent"}, None),
    ({"booster": "gblinear", "updater": "shotgun,coord_descent"}, LINEAR_UPDATER),
    ({"booster": "gblinear", "updater": "grow_colmaker"}, LINEAR_UPDATER),
    ({"process_type": "update", "updater": "refresh,prune"}, None),
    ({"process_type": "update", "updater": "refresh,grow_colmaker"}, UPDATE_PROCESS),
    ({"process_type": "default", "updater": "shotgun"}, TREE_UPDATERS),
    ({"updater": "coord_descent"}, TREE_UPDATERS),
    ({"updater": "grow_colmaker,grow_histmaker"}, ONE_GROW_PLUGIN),
    ({"updater": "distcol,sync,refresh"}, None),
    ({"updater": "distcol,grow_histmaker"}, ONE_GROW_PLUGIN),
    ({"updater": "grow_skmaker,grow_histmaker"}, None),  # grow_skmaker is no grow plugin here
]


@pytest.mark.parametrize(("given", "error"), CASES)
def test_validate_like_the_container(given: dict[str, str], error: str | None) -> None:
    hyperparameters = {"num_round": "1", **given}
    if error is None:
        validate(hyperparameters)
        return
    with pytest.raises(HyperparameterError) as refused:
        validate(hyperparameters)
    assert str(refused.value) == error
    assert refused.value.internal is False


def test_values_come_back_parsed_under_their_canonical_names() -> None:
    assert validate(
        {
            "num_round": "10",
            "learning_rate": "0.25",
            "updater": "grow_colmaker,prune",
            "monotone_constraints": "(1, 0)",
            "interaction_constraints": "[[1, 2], [3]]",
            "tree_method": "hist",
            "objective": "binary:logistic",
        }
    ) == {
        "num_round": 10,
        "eta": 0.25,
        "updater": ["grow_colmaker", "prune"],
        "monotone_constraints": (1, 0),
        "interaction_constraints": [[1, 2], [3]],
        "tree_method": "hist",
        "objective": "binary:logistic",
    }


def test_num_round_is_required_and_checked_first() -> None:
    with pytest.raises(HyperparameterError, match=r"^Missing required hyperparameter: num_round$"):
        validate({"depth": "3"})


def test_eval_metric_without_objective_is_the_containers_internal_failure() -> None:
    with pytest.raises(HyperparameterError) as refused:
        validate({"num_round": "1", "eval_metric": "rmse"})
    assert refused.value.internal is True
    assert str(refused.value) == (
        "eval_metric needs the objective hyperparameter (the container fails with "
        "KeyError: 'objective')"
    )


def test_problems_are_listed_by_the_name_written_each_one() -> None:
    assert problems_by_name(
        {"depth": "3", "num_round": "0", "learning_rate": "x", "max_depth": "2", "alpha": "1"}
    ) == [
        ("depth", "Extraneous hyperparameter found: depth"),
        ("num_round", "Hyperparameter num_round: 0 is not in [1, +inf)"),
        ("learning_rate", "Hyperparameter eta: could not parse value (caused by ValueError)"),
    ]


def test_rules_between_values_are_checked_only_when_each_value_is_fine() -> None:
    assert problems_by_name({"num_round": "5", "objective": "multi:softmax"}) == [
        (None, "Require input for parameter 'num_class' for multi-classification")
    ]
    assert problems_by_name({"eta": "0.1"}) == [
        (None, "Missing required hyperparameter: num_round")
    ]
    assert problems_by_name({"num_round": "5", "objective": "multi:softmax", "eta": "9"}) == [
        ("eta", "Hyperparameter eta: 9.0 is not in [0, 1]")
    ]
    assert problems_by_name({"num_round": "5", "num_class": "3"}) == []


def test_the_table_builders() -> None:
    # They run at import, when mutation testing cannot switch a mutant in: called here.
    assert _i(min_closed=1) == Spec("int", Interval(min_closed=1))
    assert _f(min_open=0, max_closed=1) == Spec("float", Interval(min_open=0, max_closed=1))
    assert _c("a", "b") == Spec("categorical", ["a", "b"])
    shown = _Validated(["x", "y"], lambda value: value == "x")
    assert "x" in shown and "y" not in shown
    assert str(shown) == "['x', 'y']"
