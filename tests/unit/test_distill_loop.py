"""``syndgen loop``'s control flow with scripted steps: rounds, cumulative data, aimed topics."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from syndgen.distill.evaluate import build_report
from syndgen.distill.loop import Steps, run_loop, weakest_topics
from syndgen.distill.tasks import build_items


def test_weakest_topics_are_those_at_or_below_the_mean():
    items = build_items(["math"], 8, 3)  # the 8 math topics in turn
    outcomes = [[i % 2 == 0] for i in range(8)]
    weak = weakest_topics(items, outcomes)
    assert weak == sorted(items[i].topic for i in range(1, 8, 2))


def test_loop_runs_rounds_on_growing_data_and_aims_at_failed_topics(tmp_path: Path):
    items = build_items(["math"], 8, 3)
    calls: list[tuple[str, Any]] = []

    def generate(config: Path, overrides: dict[str, Any], run_dir: Path) -> None:
        calls.append(("generate", overrides))

    def train(runs: list[Path], student_dir: Path) -> None:
        calls.append(("train", [r.parent.name for r in runs]))

    def evaluate(models: dict[str, str]) -> tuple[Any, dict[str, list[list[bool]]]]:
        outcomes = {"base": [[False]] * 8, "student": [[i < 6] for i in range(8)]}
        return build_report(3, outcomes, items, 1), outcomes

    results = run_loop(
        tmp_path / "c.yaml", 2, 10, "smollm2", tmp_path, items, Steps(generate, train, evaluate)
    )
    assert [c[0] for c in calls] == ["generate", "train", "generate", "train"]
    assert calls[0][1] == {"seed": 10}
    assert calls[2][1] == {"seed": 11, "task.topics": sorted([items[6].topic, items[7].topic])}
    assert calls[3][1] == ["round-1", "round-2"]
    assert [r.round for r in results] == [1, 2]
    assert results[0].report.scores[1].pass_at_1 == 0.75
