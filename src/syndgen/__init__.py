"""syndgen: local-first synthetic training data with reasoning traces, a critic and exports.

>>> import syndgen
>>> result = syndgen.generate(syndgen.RunConfig(count=5), out="runs/example")  # doctest: +SKIP
>>> syndgen.export_run(result.run_dir, formats=["sft"], to=["parquet"])  # doctest: +SKIP
"""

from syndgen.api import default_out, export_run, generate, inspect_run
from syndgen.config import RunConfig, load_config
from syndgen.errors import BackendError, ConfigError, InputError, ParseError, SyndgenError
from syndgen.pipeline import RunResult, run_pipeline
from syndgen.reasoning import ReasoningSplit, reasoning_from_message, split_reasoning
from syndgen.records import Attempt, Question, Rejection, Sample, Seed, SeedOutcome, Verdict

__all__ = [
    "Attempt",
    "BackendError",
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
    "reasoning_from_message",
    "run_pipeline",
    "split_reasoning",
]
