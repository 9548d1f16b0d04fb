"""Re-identification risk of a synthetic table measured against the real one.

* **Exact quasi-identifier match share**: the share of synthetic rows whose quasi-identifier
  values all equal those of some real row (numbers compared as numbers, the rest as text).
* **Distance to closest record (DCR)**: for each synthetic row, the Gower distance (numeric
  columns scaled by the real table's range, categories 0 if equal else 1, averaged over columns)
  to its nearest row of the real (training) table. The baseline is the same distance for rows of
  a holdout table from the same source that the synthesizer never saw: synthetic rows that sit
  much closer to the training rows than holdout rows do are copies, not samples. Reported: the
  medians, their ratio (about 1 or above is the healthy sign) and the share of synthetic rows
  closer than the holdout's 5th percentile (about 0.05 is expected).
"""

from __future__ import annotations

from typing import Any

from syndgen.errors import InputError
from syndgen.extras import require
from syndgen.tabular.anonymity import check_columns

MAX_DCR_ROWS = 20_000
"""Rows per side used for DCR (a random subset beyond this; the neighbour search is quadratic)."""


def _comparable(frame: Any, columns: list[str], numeric: set[str]) -> Any:
    import pandas as pd

    out = pd.DataFrame(index=frame.index)
    for c in columns:
        out[c] = pd.to_numeric(frame[c], errors="coerce") if c in numeric else frame[c].astype(str)
    return out


def _numeric_columns(real: Any, synthetic: Any, columns: list[str]) -> set[str]:
    import pandas as pd

    return {
        c
        for c in columns
        if pd.api.types.is_numeric_dtype(real[c])
        and not pd.api.types.is_bool_dtype(real[c])
        and pd.api.types.is_numeric_dtype(synthetic[c])
    }


def exact_match_share(synthetic: Any, real: Any, quasi_identifiers: list[str]) -> float:
    """Share of synthetic rows whose quasi-identifiers exactly match some real row's."""
    check_columns(real, quasi_identifiers, "quasi-identifier")
    check_columns(synthetic, quasi_identifiers, "quasi-identifier")
    if synthetic.empty:
        raise InputError("the synthetic table has no rows")
    numeric = _numeric_columns(real, synthetic, quasi_identifiers)
    left = _comparable(synthetic, quasi_identifiers, numeric)
    right = _comparable(real, quasi_identifiers, numeric).drop_duplicates()
    merged = left.merge(right, on=quasi_identifiers, how="left", indicator=True)
    return float((merged["_merge"] == "both").mean())


def _encode(frames: list[Any], columns: list[str], numeric: set[str]) -> list[Any]:
    """Matrices whose L1 distance divided by the column count is the Gower distance."""
    import numpy as np
    import pandas as pd

    reference = frames[0]
    parts: list[list[Any]] = [[] for _ in frames]
    for c in columns:
        if c in numeric:
            values = [pd.to_numeric(f[c], errors="coerce").to_numpy(dtype=float) for f in frames]
            low, high = np.nanmin(values[0]), np.nanmax(values[0])
            span = high - low if high > low else 1.0
            for i, v in enumerate(values):
                parts[i].append(np.nan_to_num((v - low) / span, nan=0.0)[:, None])
        else:
            levels = pd.Index(reference[c].astype(str).unique())
            for i, f in enumerate(frames):
                codes = levels.get_indexer(f[c].astype(str))
                onehot = np.zeros((len(f), len(levels) + 1))
                onehot[np.arange(len(f)), np.where(codes < 0, len(levels), codes)] = 0.5
                parts[i].append(onehot)
    return [np.hstack(p) for p in parts]


def _subset(frame: Any, seed: int) -> Any:
    return frame.sample(MAX_DCR_ROWS, random_state=seed) if len(frame) > MAX_DCR_ROWS else frame


def distance_to_closest(
    synthetic: Any, real: Any, holdout: Any, columns: list[str] | None = None
) -> dict[str, Any]:
    """DCR of synthetic rows and of holdout rows to the real (training) rows."""
    require("tabular", "the distance to closest record")
    import numpy as np
    from sklearn.neighbors import NearestNeighbors

    columns = columns or [c for c in real.columns if c in synthetic.columns and c in holdout.columns]
    if not columns:
        raise InputError("the synthetic, real and holdout tables share no column")
    for frame, what in ((synthetic, "synthetic"), (real, "real"), (holdout, "holdout")):
        check_columns(frame, columns, f"{what} table:")
        if frame.empty:
            raise InputError(f"the {what} table has no rows")
    numeric = _numeric_columns(real, synthetic, columns)
    train, synth, hold = _encode(
        [_subset(real, 0), _subset(synthetic, 1), _subset(holdout, 2)], columns, numeric
    )
    search = NearestNeighbors(n_neighbors=1, metric="manhattan").fit(train)
    d_synth = search.kneighbors(synth)[0][:, 0] / len(columns)
    d_hold = search.kneighbors(hold)[0][:, 0] / len(columns)
    p5 = float(np.percentile(d_hold, 5))
    median_hold = float(np.median(d_hold))
    median_synth = float(np.median(d_synth))
    return {
        "columns": columns,
        "synthetic_median": round(median_synth, 6),
        "holdout_median": round(median_hold, 6),
        "median_ratio": round(median_synth / median_hold, 4) if median_hold > 0 else None,
        "holdout_p5": round(p5, 6),
        "share_closer_than_holdout_p5": round(float((d_synth < p5).mean()), 4),
        "exact_copies_share": round(float((d_synth == 0).mean()), 4),
    }
