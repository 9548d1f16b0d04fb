"""Bins for numeric columns, and their bounds when the user gives none.

A numeric (integer, float, datetime) column enters the synthesizer as the index of one of
``bins`` equal-width intervals over ``[low, high]``; values outside are clipped to the bounds
first. Bounds the user writes in the schema file are public and cost nothing. A column without
them gets DP bounds by the approximate-bounds method of Google's DP library: a histogram of the
values' magnitudes (powers of two, signed, 2^-10 to 2^40, a fixed set that does not depend on the
data) released with OpenDP's Laplace mechanism, and the outermost buckets whose noisy count
clears a threshold give ``[low, high]`` (within a factor of two of the data's range; when no
bucket clears it, the bucket with the largest noisy count). That spends ``BOUNDS_SHARE`` of the
fit's epsilon, split evenly over those columns; the rest goes to the synthesizer. The bounds
are coarse and small tables at small epsilon get poor ones: write bounds in the schema file
when they are public knowledge (an age is in [0, 120]).

Sampling turns a bin index back into a value drawn uniformly inside its interval (whole numbers
for integer columns, seconds for datetimes).
"""

from __future__ import annotations

import math
from typing import Any

from syndgen.tabular.schema import ColumnSpec

BOUNDS_SHARE = 0.2
MIN_EXP, MAX_EXP = -10, 40
_OFFSET = 1 - MIN_EXP
BUCKETS = tuple(range(-(MAX_EXP + _OFFSET), MAX_EXP + _OFFSET + 1))
"""0 holds |x| < 2^MIN_EXP; bucket b > 0 holds [2^(b-OFFSET), 2^(b-OFFSET+1)); -b mirrors b."""
FAILURE = 1e-3
"""Chance that noise alone lifts any empty bucket over the threshold (over all buckets, by the
union bound: each bucket gets ``FAILURE / len(BUCKETS)``)."""


def numeric_values(series: Any, spec: ColumnSpec) -> Any:
    """A column as float64 numbers (datetimes as epoch seconds); missing values are NaN."""
    import pandas as pd

    if spec.type == "datetime":
        stamps = pd.to_datetime(series, errors="coerce", utc=True)
        seconds = stamps.astype("int64") / 1e9
        return seconds.where(stamps.notna()).to_numpy(dtype=float)
    return pd.to_numeric(series, errors="coerce").to_numpy(dtype=float)


def bucket_of(value: float) -> int:
    magnitude = abs(value)
    if magnitude < 2.0**MIN_EXP:
        return 0
    exponent = min(MAX_EXP, math.floor(math.log2(magnitude)))
    return int(math.copysign(exponent + _OFFSET, value))


def bucket_edges(bucket: int) -> tuple[float, float]:
    if bucket == 0:
        return -(2.0**MIN_EXP), 2.0**MIN_EXP
    low, high = 2.0 ** (abs(bucket) - _OFFSET), 2.0 ** (abs(bucket) - _OFFSET + 1)
    return (low, high) if bucket > 0 else (-high, -low)


def noisy_histogram(buckets: list[int], epsilon: float) -> tuple[list[int], float]:
    """Laplace-noised counts per bucket of :data:`BUCKETS` (epsilon-DP) and the noise scale."""
    import opendp.prelude as dp

    dp.enable_features("contrib")
    count = dp.t.make_count_by_categories(
        dp.vector_domain(dp.atom_domain(T=int)),
        dp.symmetric_distance(),
        categories=list(BUCKETS),
        null_category=False,
    )

    def make(scale: float) -> Any:
        return count >> dp.m.then_laplace(scale)

    scale = dp.binary_search_param(make, d_in=1, d_out=epsilon, T=float)
    return [int(c) for c in make(scale)(buckets)], scale


def dp_bounds(values: Any, epsilon: float) -> tuple[float, float]:
    """``[low, high]`` of the finite values, epsilon-DP (one row is one value)."""
    import numpy as np

    buckets = [bucket_of(float(v)) for v in values[np.isfinite(values)]]
    counts, scale = noisy_histogram(buckets, epsilon)
    # Laplace tail: P(noise > t) = exp(-t / scale) / 2, held to FAILURE / len(BUCKETS) per bucket.
    threshold = scale * math.log(len(BUCKETS) / (2 * FAILURE))
    above = [b for b, c in zip(BUCKETS, counts, strict=True) if c > threshold]
    if not above:
        above = [BUCKETS[int(np.argmax(counts))]]
    return bucket_edges(min(above))[0], bucket_edges(max(above))[1]


def edges(spec: ColumnSpec) -> list[float]:
    assert spec.bounds is not None
    low, high = spec.bounds
    if spec.type == "integer":
        low, high = math.floor(low), math.ceil(high)
    step = (high - low) / spec.bins
    return [low + i * step for i in range(spec.bins)] + [high]


def to_bins(values: Any, spec: ColumnSpec) -> list[int | None]:
    """Bin index of each value (clipped to the bounds); None where the value is missing."""
    import numpy as np

    cut = edges(spec)
    index = np.clip(np.searchsorted(cut, values, side="right") - 1, 0, spec.bins - 1)
    return [None if math.isnan(v) else int(i) for v, i in zip(values, index, strict=True)]


def from_bins(indices: Any, spec: ColumnSpec, rng: Any) -> Any:
    """Values drawn uniformly inside each bin (NaN for the missing bin)."""
    import numpy as np

    cut = np.asarray(edges(spec))
    out = np.full(len(indices), np.nan)
    valid = np.array([i is not None and i == i for i in indices], dtype=bool)
    idx = np.array([int(i) for i, ok in zip(indices, valid, strict=True) if ok], dtype=int)
    low, high = cut[idx], cut[idx + 1]
    if spec.type == "integer":
        last = idx == spec.bins - 1
        top = np.where(last, np.floor(high), np.ceil(high) - 1)
        bottom = np.ceil(low)
        drawn = np.floor(rng.uniform(bottom, np.maximum(bottom, top) + 1))
        out[valid] = np.minimum(drawn, np.maximum(bottom, top))
    else:
        out[valid] = rng.uniform(low, high)
    return out
