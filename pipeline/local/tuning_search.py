"""How a tuning step picks each training job's hyperparameters, locally.

Grid and Random follow SageMaker's definitions exactly: Grid runs every combination of the
categorical values and integer range values (in order, up to MaxNumberOfTrainingJobs);
Random draws each hyperparameter independently from its range with its scaling (uniform,
log-uniform for Logarithmic, 1 - log-uniform(1 - x) for ReverseLogarithmic), seeded by
RandomSeed. Bayesian is an APPROXIMATION of SageMaker's (unpublished) Gaussian-process
search: optuna's TPE sampler, seeded by RandomSeed, told each finished job's objective.
Hyperband (an early-stopping scheduler on SageMaker) runs as Random search here.
"""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pipeline.local.errors import StepFailed


@dataclass(frozen=True)
class Range:
    name: str
    kind: str  # integer | continuous | categorical
    low: float = 0.0
    high: float = 0.0
    scaling: str = "Auto"
    values: tuple[str, ...] = ()


def parse_ranges(config: Mapping[str, Any]) -> list[Range]:
    ranges: list[Range] = []
    found = config.get("ParameterRanges") or {}
    for key, kind in (
        ("IntegerParameterRanges", "integer"),
        ("ContinuousParameterRanges", "continuous"),
    ):
        for item in found.get(key) or []:
            try:
                low, high = float(item["MinValue"]), float(item["MaxValue"])
            except (KeyError, TypeError, ValueError) as error:
                raise StepFailed(f"ClientError: range {item.get('Name')!r}: {error}") from error
            if low > high:
                raise StepFailed(f"ClientError: range {item['Name']!r}: MinValue > MaxValue")
            ranges.append(Range(item["Name"], kind, low, high, item.get("ScalingType", "Auto")))
    for item in found.get("CategoricalParameterRanges") or []:
        ranges.append(Range(item["Name"], "categorical", values=tuple(map(str, item["Values"]))))
    if not ranges:
        raise StepFailed("ClientError: the tuning job has no parameter ranges")
    return ranges


def _text(kind: str, value: float) -> str:
    return str(round(value)) if kind == "integer" else f"{value:.10g}"


def grid(ranges: list[Range], limit: int | None) -> list[dict[str, str]]:
    axes = []
    for item in ranges:
        if item.kind == "continuous":
            raise StepFailed(f"ClientError: Grid search cannot take continuous range {item.name!r}")
        if item.kind == "integer":
            axes.append([str(v) for v in range(int(item.low), int(item.high) + 1)])
        else:
            axes.append(list(item.values))
    combos = [dict(zip([r.name for r in ranges], c, strict=True)) for c in itertools.product(*axes)]
    return combos[:limit] if limit else combos


class Search:
    """Proposes hyperparameters job by job; ``tell`` gives back a job's objective."""

    def __init__(self, strategy: str, ranges: list[Range], maximize: bool, seed: int) -> None:
        self.ranges = ranges
        self.random = random.Random(seed)
        self.study: Any = None
        self.trials: dict[int, Any] = {}
        if strategy == "Bayesian":
            import optuna

            optuna.logging.set_verbosity(optuna.logging.WARNING)
            self.study = optuna.create_study(
                direction="maximize" if maximize else "minimize",
                sampler=optuna.samplers.TPESampler(seed=seed, n_startup_trials=4),
            )

    def propose(self, index: int) -> dict[str, str]:
        if self.study is not None:
            return self._ask(index)
        return {item.name: self._draw(item) for item in self.ranges}

    def tell(self, index: int, value: float | None) -> None:
        if self.study is not None and index in self.trials:
            import optuna

            state = (
                optuna.trial.TrialState.COMPLETE
                if value is not None
                else optuna.trial.TrialState.FAIL
            )
            self.study.tell(self.trials.pop(index), value, state=state)

    def _draw(self, item: Range) -> str:
        if item.kind == "categorical":
            return self.random.choice(item.values)
        low, high = item.low, item.high
        if item.scaling == "Logarithmic" and low > 0:
            value = math.exp(self.random.uniform(math.log(low), math.log(high)))
        elif item.scaling == "ReverseLogarithmic" and high < 1:
            value = 1 - math.exp(self.random.uniform(math.log(1 - high), math.log(1 - low)))
        elif item.kind == "integer":
            return str(self.random.randint(int(low), int(high)))
        else:
            value = self.random.uniform(low, high)
        return _text(item.kind, min(max(value, low), high))

    def _ask(self, index: int) -> dict[str, str]:
        import optuna

        distributions: dict[str, Any] = {}
        for item in self.ranges:
            log = item.scaling == "Logarithmic" and item.low > 0
            if item.kind == "categorical":
                distributions[item.name] = optuna.distributions.CategoricalDistribution(item.values)
            elif item.kind == "integer":
                distributions[item.name] = optuna.distributions.IntDistribution(
                    int(item.low), int(item.high), log=log
                )
            else:
                distributions[item.name] = optuna.distributions.FloatDistribution(
                    item.low, item.high, log=log
                )
        trial = self.study.ask(distributions)
        self.trials[index] = trial
        return {
            item.name: item_value
            if item.kind == "categorical"
            else _text(item.kind, float(item_value))
            for item in self.ranges
            for item_value in [trial.params[item.name]]
        }
