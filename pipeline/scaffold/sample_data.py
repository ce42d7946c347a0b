"""The sample data set of a new pipeline repository: ``data/train.csv``.

A seeded, synthetic binary classification (four numeric features, a "label" column of 0/1)
that the generated pipeline learns well past its accuracy gate; the same bytes every time.
"""

from __future__ import annotations

import math
import random

ROWS = 400
FEATURES = ("feature_1", "feature_2", "feature_3", "feature_4")
WEIGHTS = (1.6, -1.1, 0.8, 0.0)  # feature_4 is noise
SEED = 20261130


def sample_csv(rows: int = ROWS, seed: int = SEED) -> str:
    generator = random.Random(seed)
    lines = [",".join((*FEATURES, "label"))]
    for _ in range(rows):
        values = [generator.gauss(0.0, 1.0) for _ in FEATURES]
        score = sum(w * v for w, v in zip(WEIGHTS, values, strict=True)) + generator.gauss(0, 0.5)
        label = 1 if generator.random() < 1 / (1 + math.exp(-3 * score)) else 0
        lines.append(",".join([*(f"{v:.4f}" for v in values), str(label)]))
    return "\n".join(lines) + "\n"
