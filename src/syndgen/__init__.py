"""syndgen: local-first synthetic training data with reasoning traces, a critic and exports.

>>> import syndgen
>>> result = syndgen.generate(syndgen.RunConfig(count=5), out="runs/example")  # doctest: +SKIP
>>> syndgen.export_run(result.run_dir, formats=["sft"], to=["parquet"])  # doctest: +SKIP

The names below are imported on first use, so ``import syndgen`` costs almost nothing.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_EXPORTS = {
    "Client": "syndgen.client",
    "default_out": "syndgen.api",
    "export_run": "syndgen.api",
    "generate": "syndgen.api",
    "inspect_run": "syndgen.api",
    "validate": "syndgen.api",
    "privacy_check": "syndgen.api",
    "tabular_fit": "syndgen.api",
    "tabular_sample": "syndgen.api",
    "RunConfig": "syndgen.config",
    "load_config": "syndgen.config",
    "BackendError": "syndgen.errors",
    "ConfigError": "syndgen.errors",
    "InputError": "syndgen.errors",
    "ParseError": "syndgen.errors",
    "SyndgenError": "syndgen.errors",
    "RunResult": "syndgen.runner.run",
    "run_pipeline": "syndgen.runner.run",
    "ReasoningSplit": "syndgen.reasoning",
    "reasoning_from_message": "syndgen.reasoning",
    "split_reasoning": "syndgen.reasoning",
    "Attempt": "syndgen.records",
    "Question": "syndgen.records",
    "Rejection": "syndgen.records",
    "Sample": "syndgen.records",
    "Seed": "syndgen.records",
    "SeedOutcome": "syndgen.records",
    "Verdict": "syndgen.records",
}

__all__ = [
    "Attempt",
    "BackendError",
    "Client",
    "ConfigError",
    "InputError",
    "ParseError",
    "Question",
    "ReasoningSplit",
    "Rejection",
    "RunConfig",
    "RunResult",
    "Sample",
    "Seed",
    "SeedOutcome",
    "SyndgenError",
    "Verdict",
    "default_out",
    "export_run",
    "generate",
    "inspect_run",
    "load_config",
    "privacy_check",
    "reasoning_from_message",
    "run_pipeline",
    "split_reasoning",
    "tabular_fit",
    "tabular_sample",
    "validate",
]

if TYPE_CHECKING:
    from syndgen.api import (
        default_out,
        export_run,
        generate,
        inspect_run,
        privacy_check,
        tabular_fit,
        tabular_sample,
        validate,
    )
    from syndgen.client import Client
    from syndgen.config import RunConfig, load_config
    from syndgen.errors import BackendError, ConfigError, InputError, ParseError, SyndgenError
    from syndgen.reasoning import ReasoningSplit, reasoning_from_message, split_reasoning
    from syndgen.records import Attempt, Question, Rejection, Sample, Seed, SeedOutcome, Verdict
    from syndgen.runner.run import RunResult, run_pipeline


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'syndgen' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
