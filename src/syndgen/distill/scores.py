"""Pass rates and their uncertainty (pure): pass@k, Wilson 95% intervals, student/teacher ratio."""

from __future__ import annotations

import math
from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict

Z95 = 1.959963984540054


class Interval(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    low: float
    high: float


def wilson(passed: float, n: int, z: float = Z95) -> Interval:
    """The Wilson score interval of ``passed`` successes in ``n`` trials (``passed`` may be fractional,
    e.g. a sum of per-problem pass@k estimates)."""
    if n <= 0:
        return Interval(low=0.0, high=1.0)
    p = passed / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    return Interval(low=max(0.0, centre - half), high=min(1.0, centre + half))


def pass_at_k(samples: int, correct: int, k: int) -> float:
    """The unbiased pass@k estimate for one problem with ``correct`` of ``samples`` right (Chen et al.)."""
    if k > samples:
        raise ValueError(f"pass@{k} needs at least {k} samples, not {samples}")
    if samples - correct < k:
        return 1.0
    return 1.0 - math.prod(1.0 - k / i for i in range(samples - correct + 1, samples + 1))


class Score(BaseModel):
    """One model on one task: pass@1 and pass@k with their intervals over ``problems``."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    model: str
    task: str
    problems: int
    samples: int
    pass_at_1: float
    pass_at_1_ci: Interval
    k: int
    pass_at_k: float
    pass_at_k_ci: Interval


def score(model: str, task: str, outcomes: Sequence[Sequence[bool]], k: int) -> Score:
    """Score per-problem sample outcomes (``outcomes[i][j]``: sample ``j`` of problem ``i`` passed)."""
    n = len(outcomes)
    samples = min((len(o) for o in outcomes), default=0)
    at1 = [pass_at_k(len(o), sum(o), 1) for o in outcomes]
    k_eff = min(k, samples) if samples else 1
    atk = [pass_at_k(len(o), sum(o), k_eff) for o in outcomes] if samples else []
    mean1 = sum(at1) / n if n else 0.0
    meank = sum(atk) / n if n else 0.0
    return Score(
        model=model,
        task=task,
        problems=n,
        samples=samples,
        pass_at_1=mean1,
        pass_at_1_ci=wilson(sum(at1), n),
        k=k_eff,
        pass_at_k=meank,
        pass_at_k_ci=wilson(sum(atk), n),
    )


def ratio(student: float, teacher: float) -> float | None:
    """Student over teacher (None when the teacher scored zero)."""
    return student / teacher if teacher > 0 else None
