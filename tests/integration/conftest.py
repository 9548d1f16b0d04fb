"""Integration tests run the real embedded model (SmolLM2-135M through llama.cpp)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from syndgen.config import load_config
from syndgen.runner.run import run_pipeline

# Short outputs keep the real model fast; the pipeline is the same as a full run.
SMALL = {
    "count": 3,
    "seed": 1,
    "max_attempts": 40,
    "quality": {"threshold": 3},
    "task": {"topics": ["rates and speed", "percentages and discounts", "unit conversion"]},
    "generator": {
        "backend": "llamacpp",
        "model": "smollm2",
        "temperature": 0.7,
        "max_tokens": 200,
        "max_reasoning_chars": 300,
        "n_ctx": 2048,
    },
    "critic": {
        "backend": "llamacpp",
        "model": "smollm2",
        "temperature": 0.0,
        "max_tokens": 120,
        "max_reasoning_chars": 300,
        "n_ctx": 2048,
    },
}


def write_config(path: Path, **changes: object) -> Path:
    data = {**SMALL, **changes}
    path.write_text(yaml.safe_dump(data))
    return path


@pytest.fixture(scope="session")
def small_config_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_config(tmp_path_factory.mktemp("cfg") / "small.yaml")


@pytest.fixture(scope="session")
def embedded_run(tmp_path_factory: pytest.TempPathFactory, small_config_path: Path) -> Path:
    """One real run shared by the read-only tests."""
    run_dir = tmp_path_factory.mktemp("runs") / "small"
    from syndgen.export.run_export import export_run

    run_pipeline(load_config(small_config_path), run_dir)
    export_run(run_dir)
    return run_dir
