"""File-level operations the CLI and the SDK share: fit a file, sample a model, check a table.

``fit_file`` does every check that needs no private data first (epsilon range, schema, identifier
guard, delta, the budget), records the spend in the ledger, and only then runs the DP mechanisms;
a fit that fails after that point still counts against the budget, since the data was read.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from syndgen.errors import InputError
from syndgen.extras import require
from syndgen.tabular import synth
from syndgen.tabular.frame import file_sha256, read_table, write_table
from syndgen.tabular.ledger import Balance, Ledger
from syndgen.tabular.schema import NUMERIC, TableSchema, load_schema_file, resolve_schema


@dataclass(frozen=True)
class FitResult:
    model_dir: Path
    schema: TableSchema
    epsilon: float
    delta: float
    balance: Balance
    seconds: float
    estimated_bounds: list[str]


def prepare(
    source: str | Path,
    *,
    schema_file: str | Path | None = None,
    drop: list[str] | tuple[str, ...] = (),
    columns: list[str] | None = None,
) -> tuple[Any, TableSchema]:
    """The source table (only ``columns`` when given) and its resolved schema (the identifier
    guard runs here)."""
    frame = read_table(source)
    if columns is not None:
        absent = [c for c in columns if c not in frame.columns]
        if absent:
            raise InputError(
                f"{source}: column {absent[0]!r} not found; columns are {', '.join(map(repr, frame.columns))}"
            )
        frame = frame[list(columns)]
    declared = load_schema_file(schema_file) if schema_file else None
    if declared and columns is not None:
        declared = {name: spec for name, spec in declared.items() if name in columns}
    return frame, resolve_schema(frame, declared, drop)


def fit_file(
    source: str | Path,
    out: str | Path,
    *,
    epsilon: float,
    delta: float | None = None,
    synthesizer: str = "mst",
    schema_file: str | Path | None = None,
    drop: list[str] | tuple[str, ...] = (),
    ledger: Ledger | None = None,
    budget: tuple[float | None, float | None] = (None, None),
) -> FitResult:
    """Fit a DP synthesizer on ``source`` and write the model folder ``out``."""
    require("tabular", "syndgen tabular fit")
    synth.check_epsilon(epsilon)  # before the file is read
    synth.check_synthesizer(synthesizer)
    model, result = fit_model(
        source,
        epsilon=epsilon,
        delta=delta,
        synthesizer=synthesizer,
        prepared=prepare(source, schema_file=schema_file, drop=drop),
        ledger=ledger,
        budget=budget,
        spend_details={"model": str(out)},
    )
    folder = synth.save(model, out, source=str(source), source_sha256=result.pop("sha256"))
    return FitResult(folder, model.schema, epsilon, model.delta, **result)


def fit_model(
    source: str | Path,
    *,
    epsilon: float,
    delta: float | None,
    synthesizer: str,
    prepared: tuple[Any, TableSchema],
    ledger: Ledger | None = None,
    budget: tuple[float | None, float | None] = (None, None),
    spend_details: dict[str, Any] | None = None,
) -> tuple[synth.FittedModel, dict[str, Any]]:
    """Check the budget, record the spend, fit. ``prepared`` is :func:`prepare`'s answer."""
    synth.check_epsilon(epsilon)
    synth.check_synthesizer(synthesizer)
    frame, schema = prepared
    spent_delta = synth.resolve_delta(schema, delta)
    ledger = ledger or Ledger()
    digest = file_sha256(source)
    if budget != (None, None):
        current = ledger.balance(digest)
        total_eps = budget[0] if budget[0] is not None else current.total_epsilon
        total_delta = budget[1] if budget[1] is not None else current.total_delta
        ledger.set_total(digest, total_eps, total_delta, source=str(source))
    ledger.check(digest, epsilon, spent_delta)
    estimated = [c.name for c in schema.kept if c.type in NUMERIC and c.bounds is None]
    details = {"source": str(source), "synthesizer": synthesizer, **(spend_details or {})}
    balance = ledger.spend(digest, epsilon, spent_delta, **details)
    model = synth.fit(frame, schema, epsilon=epsilon, delta=spent_delta, synthesizer=synthesizer)
    info = {
        "balance": balance,
        "seconds": model.meta["fit_seconds"],
        "estimated_bounds": estimated,
        "sha256": digest,
    }
    return model, info


def sample_file(model_dir: str | Path, count: int, out: str | Path, *, seed: int = 0) -> Path:
    """Draw ``count`` rows from a model folder and write them (CSV or Parquet by suffix)."""
    require("tabular", "syndgen tabular sample")
    model = synth.load(model_dir)
    return write_table(synth.sample(model, count, seed=seed), out)


def parse_columns(text: str | None, what: str) -> list[str]:
    names = [c.strip() for c in (text or "").split(",") if c.strip()]
    if not names and text is not None:
        raise InputError(f"{what}: give column names separated by commas")
    return names


def budget_info(
    source: str | Path,
    ledger_path: str | Path | None = None,
    *,
    total: tuple[float | None, float | None] = (None, None),
) -> dict[str, Any]:
    """A data set's budget: totals, what is spent, and every fit (optionally setting the totals)."""
    if not Path(source).is_file():
        raise InputError(f"{source}: file not found")
    ledger = Ledger(ledger_path)
    digest = file_sha256(source)
    balance = ledger.balance(digest)
    if total != (None, None):
        eps = total[0] if total[0] is not None else balance.total_epsilon
        delta = total[1] if total[1] is not None else balance.total_delta
        balance = ledger.set_total(digest, eps, delta, source=str(source))
    return {
        "source": str(source),
        "sha256": digest,
        "ledger": str(ledger.path),
        "total_epsilon": balance.total_epsilon,
        "total_delta": balance.total_delta,
        "spent_epsilon": balance.spent_epsilon,
        "spent_delta": balance.spent_delta,
        "left_epsilon": balance.left_epsilon,
        "left_delta": balance.left_delta,
        "fits": ledger.fits(digest),
    }
