"""did_you_mean: a close spelling or a prefix is a hint; otherwise the known names (at most
eight), or that none are declared."""

from __future__ import annotations

import pytest

from compiler.rules.suggest import did_you_mean


@pytest.mark.parametrize(
    ("name", "known", "expected"),
    [
        ("stpes", ["steps", "images"], '; did you mean "steps"?'),
        ("Train", ["TrainModel", "Evaluate"], '; did you mean "TrainModel"?'),  # a prefix
        ("TrainModel1", ["Train", "Evaluate"], '; did you mean "Train"?'),  # starts with one
        ("tags", ["images", "steps"], ' (known: "images", "steps")'),  # letters shared only
        ("x", ["b", "a", "b"], ' (known: "a", "b")'),  # sorted, each once
        (
            "zzz",
            [f"n{i}" for i in range(8)],
            " (known: " + ", ".join(f'"n{i}"' for i in range(8)) + ")",
        ),
        (
            "zzz",
            [f"n{i}" for i in range(9)],
            " (known: " + ", ".join(f'"n{i}"' for i in range(8)) + ", ...)",
        ),
        ("zzz", [], " (none are declared)"),
    ],
)
def test_did_you_mean(name: str, known: list[str], expected: str) -> None:
    assert did_you_mean(name, known) == expected


def test_the_closest_of_several_is_named() -> None:
    assert did_you_mean("validation:acc", ["train:auc", "validation:auc", "validation:rmse"]) == (
        '; did you mean "validation:auc"?'
    )


def test_a_prefix_hint_is_looked_for_among_the_three_closest_only() -> None:
    # Three names closer than "train_model" (each 0.67 alike) push it out of the three looked at.
    known = ["xxtrainxxx", "yytrainyyy", "zztrainzzz", "train_model"]
    assert did_you_mean("train", known).startswith(" (known: ")


def test_a_prefix_half_alike_is_still_a_hint() -> None:
    assert did_you_mean("train", ["train_models"]) == '; did you mean "train_models"?'  # 0.59
