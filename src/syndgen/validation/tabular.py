"""Tables (CSV, Parquet, flat JSONL): SDMetrics' reports and privacy metric, plus TSTR.

* ``quality``: SDMetrics' ``QualityReport``: **Column Shapes** (per column, KS complement for
  numbers and dates, TV complement for categories) and **Column Pair Trends** (correlation and
  contingency similarity per pair); its score, their mean, is the table's distribution
  similarity (the platform's bar is > 0.85).
* ``diagnostic``: SDMetrics' ``DiagnosticReport``: **Data Validity** (values inside the real
  ranges and categories, keys unique) and **Data Structure** (same columns).
* ``coverage``: SDMetrics' ``RangeCoverage`` (numbers) and ``CategoryCoverage`` (categories), per
  column and their mean: how much of each real column's range or categories the synthetic covers.
* ``privacy``: SDMetrics' ``DCRBaselineProtection``: the synthetic rows' median distance to the
  closest real row against that of random rows drawn from the real columns' ranges; its score is
  1 when synthetic rows are as far from the real ones as random data would be; plus the share of
  synthetic rows that are exact copies of a real row.
* ``utility``: TSTR / TRTR (see :mod:`syndgen.validation.utility`) on one-hot encoded columns
  when a label column is named.

Column types are inferred: booleans, numbers with more than 10 distinct values (numerical), dates
(datetime), everything else categorical.
"""

from __future__ import annotations

import warnings
from typing import Any

from syndgen.errors import InputError
from syndgen.validation.utility import tstr

CATEGORICAL_MAX_DISTINCT = 10
DCR_ROWS = 500
TABLE = "table"


def infer_metadata(frame: Any) -> dict[str, Any]:
    """SDMetrics single-table metadata: an ``sdtype`` per column."""
    import pandas as pd

    columns: dict[str, dict[str, str]] = {}
    for name in frame.columns:
        col = frame[name]
        if pd.api.types.is_bool_dtype(col):
            sdtype = "boolean"
        elif pd.api.types.is_datetime64_any_dtype(col):
            sdtype = "datetime"
        elif pd.api.types.is_numeric_dtype(col) and col.nunique() > CATEGORICAL_MAX_DISTINCT:
            sdtype = "numerical"
        else:
            sdtype = "categorical"
        columns[str(name)] = {"sdtype": sdtype}
    return {"columns": columns}


def _aligned(real: Any, synth: Any) -> tuple[Any, Any]:
    missing = [c for c in real.columns if c not in synth.columns]
    if missing:
        raise InputError(
            f"the synthetic table lacks reference column(s) {', '.join(map(str, missing[:5]))}",
            hint="validate tables with the same columns",
        )
    synth = synth[list(real.columns)]
    for name in real.columns:  # categories compare as text when one side parsed them differently
        if real[name].dtype != synth[name].dtype and not (_numeric(real[name]) and _numeric(synth[name])):
            real, synth = (
                real.assign(**{name: real[name].astype(str)}),
                synth.assign(**{name: synth[name].astype(str)}),
            )
    return real, synth


def _numeric(col: Any) -> bool:
    import pandas as pd

    return bool(pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col))


def _report(cls: Any, real: Any, synth: Any, metadata: dict[str, Any]) -> tuple[dict[str, Any], Any]:
    """The report's score and property scores (those it could compute), and the report."""
    import math

    report = cls()
    report.generate({TABLE: real}, {TABLE: synth}, {"tables": {TABLE: metadata}}, verbose=False)
    properties = {str(r["Property"]): float(r["Score"]) for _, r in report.get_properties().iterrows()}
    scores = {name: value for name, value in properties.items() if not math.isnan(value)}
    return {"score": float(report.get_score()), "properties": scores}, report


def _column_shapes(report: Any) -> dict[str, float]:
    details = report.get_details("Column Shapes", table_name=TABLE)
    return {str(r["Column"]): float(r["Score"]) for _, r in details.iterrows()}


def _coverage(real: Any, synth: Any, metadata: dict[str, Any]) -> dict[str, Any]:
    from sdmetrics.single_column import CategoryCoverage, RangeCoverage

    per_column: dict[str, float] = {}
    for name, info in metadata["columns"].items():
        metric = RangeCoverage if info["sdtype"] in ("numerical", "datetime") else CategoryCoverage
        per_column[name] = float(metric.compute(real[name].dropna(), synth[name].dropna()))
    values = list(per_column.values())
    return {"share": sum(values) / len(values) if values else 1.0, "per_column": per_column}


def _privacy(real: Any, synth: Any, metadata: dict[str, Any], seed: int) -> dict[str, Any]:
    import numpy as np
    from sdmetrics.single_table import DCRBaselineProtection

    np.random.seed(seed)  # SDMetrics draws its random baseline from numpy's global state
    found = DCRBaselineProtection.compute_breakdown(
        real, synth, {"tables": {TABLE: metadata}}, TABLE, num_rows_subsample=min(DCR_ROWS, len(synth))
    )
    medians = found.get("median_DCR_to_real_data", {})
    real_rows = set(map(tuple, real.astype(str).itertuples(index=False)))
    copied = sum(tuple(row) in real_rows for row in synth.astype(str).itertuples(index=False))
    return {
        "dcr_baseline_protection": float(found["score"]),
        "dcr_median": _float(medians.get("synthetic_data")),
        "random_baseline_median": _float(medians.get("random_data_baseline")),
        "exact_copies": copied / len(synth),
    }


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def _encoded(real: Any, synth: Any, label: str) -> tuple[Any, Any]:
    import pandas as pd

    both = pd.concat([real.drop(columns=[label]), synth.drop(columns=[label])], ignore_index=True)
    encoded = pd.get_dummies(both, dummy_na=True).astype(float).fillna(0.0).to_numpy()
    return encoded[: len(real)], encoded[len(real) :]


def tabular_metrics(
    real: Any, synth: Any, *, metrics: set[str], label: str | None = None, seed: int = 0
) -> dict[str, Any]:
    """The table figures for the requested ``metrics`` (similarity, coverage, privacy, utility)."""
    from sdmetrics.reports import DiagnosticReport, QualityReport

    real, synth = _aligned(real, synth)
    metadata = infer_metadata(real)
    out: dict[str, Any] = {"metadata": metadata}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if "similarity" in metrics:
            out["quality"], report = _report(QualityReport, real, synth, metadata)
            out["column_shapes"] = _column_shapes(report)
            out["diagnostic"], _ = _report(DiagnosticReport, real, synth, metadata)
        if "coverage" in metrics:
            out["coverage"] = _coverage(real, synth, metadata)
        if "privacy" in metrics:
            out["privacy"] = _privacy(real, synth, metadata, seed)
    if "utility" in metrics and label is not None:
        if label not in real.columns:
            raise InputError(f"label column {label!r} is not in the reference table")
        real_x, synth_x = _encoded(real, synth, label)
        out["utility"] = tstr(
            real_x, [str(v) for v in real[label]], synth_x, [str(v) for v in synth[label]], seed=seed
        )
    return out
