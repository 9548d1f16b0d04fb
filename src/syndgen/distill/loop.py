"""``syndgen loop``: generate -> train -> eval -> generate again aimed at what the student fails.

Round ``r`` runs the config with seed ``seed + r - 1`` (new problems each round) and, from round 2
on, ``task.topics`` narrowed to the topics where the student's held-out pass rate was lowest;
the student is trained from the base model on every round's data so far, then evaluated with
the base on the same held-out problems. The steps are passed in (:class:`Steps`), so the
control flow is tested without a model.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from syndgen.distill.evaluate import Report
from syndgen.distill.tasks import EvalItem


class RoundResult(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    round: int
    run_dir: str
    student_dir: str
    topics: list[str]
    """The topics this round's generation was aimed at (empty: the config's own)."""
    report: Report


def weakest_topics(items: list[EvalItem], outcomes: list[list[bool]]) -> list[str]:
    """Topics whose pass rate is at or below the mean of the topics' rates (pure; never empty)."""
    rates: dict[str, list[float]] = {}
    for item, results in zip(items, outcomes, strict=True):
        if item.topic:
            rates.setdefault(item.topic, []).append(sum(results) / max(1, len(results)))
    if not rates:
        return []
    means = {topic: sum(v) / len(v) for topic, v in rates.items()}
    bar = sum(means.values()) / len(means)
    return sorted(t for t, m in means.items() if m <= bar)


@dataclass(frozen=True)
class Steps:
    generate: Callable[[Path, dict[str, Any], Path], None]
    """(config path, overrides, run dir): run and export."""
    train: Callable[[list[Path], Path], None]
    """(run dirs, student dir)."""
    evaluate: Callable[[dict[str, str]], tuple[Report, dict[str, list[list[bool]]]]]
    """({name: model spec}) -> report and per-model outcomes on the held-out items."""


def run_loop(
    config: Path,
    rounds: int,
    base_seed: int,
    student: str,
    out: Path,
    items: list[EvalItem],
    steps: Steps,
    on_round: Callable[[RoundResult], None] = lambda r: None,
) -> list[RoundResult]:
    results: list[RoundResult] = []
    topics: list[str] = []
    runs: list[Path] = []
    for r in range(1, rounds + 1):
        run_dir, student_dir = out / f"round-{r}" / "run", out / f"round-{r}" / "student"
        overrides: dict[str, Any] = {"seed": base_seed + r - 1}
        if topics:
            overrides["task.topics"] = topics
        steps.generate(config, overrides, run_dir)
        runs.append(run_dir)
        steps.train(list(runs), student_dir)
        report, outcomes = steps.evaluate({"base": student, "student": str(student_dir)})
        result = RoundResult(
            round=r, run_dir=str(run_dir), student_dir=str(student_dir), topics=topics, report=report
        )
        results.append(result)
        on_round(result)
        topics = weakest_topics(items, outcomes["student"])
    return results
