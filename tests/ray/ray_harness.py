"""Helpers of the Ray tests (the fixture that starts the cluster is in conftest.py)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import yaml

# The embedded model, kept short (see tests/integration/conftest.py).
EMBEDDED = {
    "count": 2,
    "seed": 1,
    "max_attempts": 40,
    "quality": {"threshold": 3},
    "task": {"topics": ["rates and speed", "percentages and discounts", "unit conversion"]},
    "generator": {
        "backend": "llamacpp",
        "model": "smollm2",
        "temperature": 0.7,
        "max_tokens": 120,
        "max_reasoning_chars": 200,
        "n_ctx": 1024,
        "parallel": 4,
    },
    "critic": {
        "backend": "llamacpp",
        "model": "smollm2",
        "temperature": 0.0,
        "max_tokens": 80,
        "max_reasoning_chars": 200,
        "n_ctx": 1024,
        "parallel": 4,
    },
}


def dryrun(count: int, latency_s: float = 0.0, **changes: Any) -> dict[str, Any]:
    """A dryrun config: scripted replies, so a run's data is a pure function of its config."""
    side = {"backend": "dryrun", "parallel": 4, "latency_s": latency_s}
    # Exact and near duplicate checks on (the actors' replicas of the kept records are used), the
    # embedding one off: it would load an embedding model in every actor.
    dedup = {"semantic_threshold": None}
    return {"count": count, "seed": 3, "generator": side, "critic": dict(side), "dedup": dedup, **changes}


def on_ray(data: dict[str, Any], **executor: Any) -> dict[str, Any]:
    return {**data, "executor": {"kind": "ray", "workers_per_node": 2, **executor}}


def write(path: Path, data: dict[str, Any]) -> Path:
    path.write_text(yaml.safe_dump(data))
    return path


def exports(run_dir: Path) -> dict[str, bytes]:
    """The run's data files (the card names the executor, so it is left out)."""
    return {p.name: p.read_bytes() for p in sorted((run_dir / "data").glob("*.jsonl"))}


def worker_processes() -> list[Any]:
    """The processes of this test's Ray actors (``ray::SeedWorker`` is their title): descendants
    of this process, which started the cluster."""
    import psutil

    found = []
    for proc in psutil.Process().children(recursive=True):
        try:
            if " ".join(proc.cmdline()).startswith("ray::SeedWorker"):
                found.append(proc)
        except psutil.Error:
            continue
    return found


def wait_for(predicate: Any, timeout: float = 120.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)
