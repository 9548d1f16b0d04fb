"""Generalisation that makes a table k-anonymous: binning, truncation, suppression.

Each quasi-identifier has a ladder of levels. A numeric column at level ``L`` is cut into
``2**(MAX_BIN_LEVEL - L)`` equal-width intervals over its range (level ``MAX_BIN_LEVEL`` is one
interval: the column says nothing). A text column at level ``L`` keeps all but its last ``L``
characters (``12345`` -> ``123**`` at level 2). The search is greedy: while rows sit in classes
smaller than ``k``, it raises the one column whose next level leaves the fewest such rows (ties:
the column with the lowest relative level). Once at most ``max_suppression`` of the rows are left
in small classes, those rows are suppressed (removed).

Information lost is reported per column as its relative height (level / top level, 0 = as is,
1 = fully generalised), their mean (Sweeney's precision loss) and the share of rows suppressed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from syndgen.errors import InputError
from syndgen.tabular.anonymity import check_columns, class_sizes

MAX_BIN_LEVEL = 6


@dataclass(frozen=True)
class Generalisation:
    frame: Any
    levels: dict[str, int]
    top_levels: dict[str, int]
    methods: dict[str, str]
    suppressed: int
    rows: int

    @property
    def heights(self) -> dict[str, float]:
        return {c: self.levels[c] / self.top_levels[c] for c in self.levels}

    @property
    def precision_loss(self) -> float:
        heights = self.heights
        return sum(heights.values()) / len(heights)

    def to_dict(self) -> dict[str, Any]:
        return {
            "methods": self.methods,
            "levels": self.levels,
            "top_levels": self.top_levels,
            "relative_height": {c: round(h, 4) for c, h in self.heights.items()},
            "precision_loss": round(self.precision_loss, 4),
            "suppressed_rows": self.suppressed,
            "suppressed_share": round(self.suppressed / self.rows, 4) if self.rows else 0.0,
        }


def _is_numeric(series: Any) -> bool:
    import pandas as pd

    return bool(pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series))


def _bin(series: Any, level: int) -> Any:
    import numpy as np
    import pandas as pd

    if level == 0:
        return series
    low, high = float(series.min()), float(series.max())
    bins = 2 ** (MAX_BIN_LEVEL - level)
    if high <= low or bins == 1:
        whole = pd.Series(f"[{low:g}, {high:g}]", index=series.index, dtype=object)
        return whole.where(series.notna(), None)
    edges = np.linspace(low, high, bins + 1)
    position = np.clip(np.searchsorted(edges, series.to_numpy(dtype=float), side="right") - 1, 0, bins - 1)
    labels = [f"[{edges[i]:g}, {edges[i + 1]:g}{']' if i == bins - 1 else ')'}" for i in range(bins)]
    out = pd.Series([labels[p] for p in position], index=series.index, dtype=object)
    return out.where(series.notna(), None)


def _truncate(series: Any, level: int) -> Any:
    if level == 0:
        return series
    text = series.astype(str)
    kept = text.str.len().sub(level).clip(lower=0)
    out = [t[:n] + "*" * (len(t) - n) for t, n in zip(text, kept, strict=True)]
    return series.__class__(out, index=series.index).where(series.notna(), None)


def apply_levels(frame: Any, levels: dict[str, int], methods: dict[str, str]) -> Any:
    out = frame.copy()
    for column, level in levels.items():
        step = _bin if methods[column] == "bin" else _truncate
        out[column] = step(frame[column], level)
    return out


def _rows_below(frame: Any, qis: list[str], k: int) -> int:
    sizes = class_sizes(frame, qis)
    return int(sizes[sizes < k].sum())


def _methods(frame: Any, qis: list[str], truncate: list[str]) -> dict[str, str]:
    return {c: "truncate" if c in truncate or not _is_numeric(frame[c]) else "bin" for c in qis}


def _top_level(frame: Any, column: str, method: str) -> int:
    if method == "bin":
        return MAX_BIN_LEVEL
    return max(1, int(frame[column].dropna().astype(str).str.len().max() or 1))


def _next_step(
    frame: Any, qis: list[str], k: int, state: tuple[dict[str, int], dict[str, int], dict[str, str]]
) -> str:
    levels, tops, methods = state
    best: tuple[int, float, str] | None = None
    for column in qis:
        if levels[column] >= tops[column]:
            continue
        trial = {**levels, column: levels[column] + 1}
        below = _rows_below(apply_levels(frame, trial, methods), qis, k)
        key = (below, trial[column] / tops[column], column)
        if best is None or key < best:
            best = key
    assert best is not None  # the caller stops before every column is at its top
    return best[2]


def generalise(
    frame: Any,
    quasi_identifiers: list[str],
    k: int,
    *,
    max_suppression: float = 0.05,
    truncate: list[str] | None = None,
) -> Generalisation:
    """The least generalised table (greedily) in which every class has at least ``k`` rows."""
    check_columns(frame, quasi_identifiers, "quasi-identifier")
    if len(frame) < k:
        raise InputError(f"the table has {len(frame)} rows: no generalisation reaches k={k}")
    if not 0 <= max_suppression < 1:
        raise InputError("max_suppression must be in [0, 1)")
    methods = _methods(frame, quasi_identifiers, truncate or [])
    tops = {c: _top_level(frame, c, methods[c]) for c in quasi_identifiers}
    levels = dict.fromkeys(quasi_identifiers, 0)
    budget = int(max_suppression * len(frame))
    current = frame
    while True:
        current = apply_levels(frame, levels, methods)
        below = _rows_below(current, quasi_identifiers, k)
        if below <= budget or all(levels[c] >= tops[c] for c in quasi_identifiers):
            break
        column = _next_step(frame, quasi_identifiers, k, (levels, tops, methods))
        levels[column] += 1
    sizes = current.groupby(quasi_identifiers, dropna=False, observed=True)[quasi_identifiers[0]].transform(
        "size"
    )
    kept = current[sizes >= k].reset_index(drop=True)
    return Generalisation(kept, levels, tops, methods, len(frame) - len(kept), len(frame))
