"""The built-in XGBoost algorithm's hyperparameter ranges at their ends: a closed end takes
its bound, an open end refuses it, and one step outside either end is refused, with the
container's message."""

from __future__ import annotations

import pytest

from compiler.algorithms.xgboost_hyperparameters import HyperparameterError, Interval, validate

# (hyperparameter, value, the container's error or None when accepted)
CASES = [
    # [1, +inf): closed below
    ("num_round", "1", None),
    ("num_round", "0", "Hyperparameter num_round: 0 is not in [1, +inf)"),
    # [0, 1]: closed at both ends
    ("eta", "0", None),
    ("eta", "1", None),
    ("eta", "-0.001", "Hyperparameter eta: -0.001 is not in [0, 1]"),
    ("eta", "1.001", "Hyperparameter eta: 1.001 is not in [0, 1]"),
    ("verbosity", "3", None),
    ("verbosity", "4", "Hyperparameter verbosity: 4 is not in [0, 3]"),
    # (0, 1]: open below, closed above
    ("subsample", "0", "Hyperparameter subsample: 0.0 is not in (0, 1]"),
    ("subsample", "0.001", None),
    ("subsample", "1", None),
    ("subsample", "1.001", "Hyperparameter subsample: 1.001 is not in (0, 1]"),
    # (0, 1): open at both ends
    ("sketch_eps", "0", "Hyperparameter sketch_eps: 0.0 is not in (0, 1)"),
    ("sketch_eps", "0.5", None),
    ("sketch_eps", "1", "Hyperparameter sketch_eps: 1.0 is not in (0, 1)"),
    ("tweedie_variance_power", "1", "Hyperparameter tweedie_variance_power: 1.0 is not in (1, 2)"),
    ("tweedie_variance_power", "1.999", None),
    ("tweedie_variance_power", "2", "Hyperparameter tweedie_variance_power: 2.0 is not in (1, 2)"),
    # (0, +inf): open below, no upper bound
    ("scale_pos_weight", "0", "Hyperparameter scale_pos_weight: 0.0 is not in (0, +inf)"),
    ("scale_pos_weight", "1e9", None),
    # integer open ends
    ("seed", "2147483646", None),
    ("seed", "2147483647", "Hyperparameter seed: 2147483647 is not in (-2147483648, 2147483647)"),
    ("seed", "-2147483647", None),
    ("seed", "-2147483648", "Hyperparameter seed: -2147483648 is not in (-2147483648, 2147483647)"),
    ("num_class", "2", None),
    ("num_class", "1", "Hyperparameter num_class: 1 is not in [2, +inf)"),
]


@pytest.mark.parametrize(("name", "value", "error"), CASES)
def test_range_ends(name: str, value: str, error: str | None) -> None:
    hyperparameters = {"num_round": "1", name: value}
    if error is None:
        assert name in validate(hyperparameters)
        return
    with pytest.raises(HyperparameterError) as refused:
        validate(hyperparameters)
    assert str(refused.value) == error


@pytest.mark.parametrize(
    ("interval", "inside", "outside", "shown"),
    [
        (Interval(min_closed=0, max_closed=1), [0, 1, 0.5], [-1e-9, 1 + 1e-9], "[0, 1]"),
        (Interval(min_open=0, max_open=1), [1e-9, 1 - 1e-9], [0, 1], "(0, 1)"),
        (Interval(min_open=0, max_closed=1), [1e-9, 1], [0, 1 + 1e-9], "(0, 1]"),
        (Interval(min_closed=0, max_open=1), [0, 1 - 1e-9], [-1e-9, 1], "[0, 1)"),
        (Interval(), [-1e300, 0, 1e300], [], "(-inf, +inf)"),
    ],
)
def test_interval_ends(
    interval: Interval, inside: list[float], outside: list[float], shown: str
) -> None:
    assert all(value in interval for value in inside)
    assert not any(value in interval for value in outside)
    assert str(interval) == shown
