"""Shipped run configs: the demos (``demo.yaml``, ``demo-math.yaml``, ``demo-code.yaml``)."""

from __future__ import annotations

from pathlib import Path

from syndgen.errors import InputError

PRESETS = Path(__file__).parent


def demo_tasks() -> list[str]:
    """The ``--task`` values of ``syndgen demo``: one per shipped demo file."""
    names = sorted(p.stem.removeprefix("demo-") for p in PRESETS.glob("demo-*.yaml"))
    return ["qa", *names]


def demo_preset(task: str) -> Path:
    """The shipped config of ``syndgen demo --task TASK``."""
    path = PRESETS / ("demo.yaml" if task == "qa" else f"demo-{task}.yaml")
    if not path.is_file():
        raise InputError(f"unknown demo task '{task}'", hint=f"choose one of {', '.join(demo_tasks())}")
    return path
