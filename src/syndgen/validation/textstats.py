"""Metrics on the texts and fields themselves (no embeddings except ``self_similarity``).

* :func:`numeric_distances` (text length in words): total variation between the two histograms
  on shared bins (0 = the same, 1 = disjoint), the two-sample Kolmogorov-Smirnov statistic and
  the Wasserstein-1 distance (in words), from scipy.
* :func:`share_distances` (a label or topic): each value's share on both sides and the total
  variation distance between the two distributions, ``0.5 * sum |p - q|``.
* :func:`diversity_figures`: distinct-1 and distinct-2 (unique / total word n-grams), the mean
  pairwise cosine similarity of the embeddings (self-similarity; lower is more varied) and the
  near-duplicate rate: the share of texts that have an exact or near duplicate (character
  5-gram Jaccard >= 0.8, syndgen's dedup measure) elsewhere in the same set.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from syndgen.diversity import distinct_n, sample_indices, words
from syndgen.text.similarity import pairs_above

NEAR_DUPLICATE = 0.8
HISTOGRAM_BINS = 20


def lengths(texts: Sequence[str]) -> list[int]:
    return [len(words(t)) for t in texts]


def numeric_distances(real: Sequence[float], synth: Sequence[float]) -> dict[str, float]:
    """``total_variation``, ``ks`` and ``wasserstein`` between two samples of numbers."""
    import numpy as np
    from scipy import stats

    a = np.asarray(real, dtype=np.float64)
    b = np.asarray(synth, dtype=np.float64)
    edges = np.histogram_bin_edges(np.concatenate([a, b]), bins=HISTOGRAM_BINS)
    pa = np.histogram(a, bins=edges)[0] / len(a)
    pb = np.histogram(b, bins=edges)[0] / len(b)
    return {
        "total_variation": float(0.5 * np.abs(pa - pb).sum()),
        "ks": float(stats.ks_2samp(a, b).statistic),
        "wasserstein": float(stats.wasserstein_distance(a, b)),
        "mean_reference": float(a.mean()),
        "mean_synthetic": float(b.mean()),
    }


def shares(values: Sequence[str]) -> dict[str, float]:
    counts = Counter(values)
    return {k: n / len(values) for k, n in sorted(counts.items())}


def share_distances(real: Sequence[str], synth: Sequence[str]) -> dict[str, Any]:
    """Shares per value on both sides and their total variation distance."""
    pr, ps = shares(real), shares(synth)
    keys = sorted(set(pr) | set(ps))
    tv = 0.5 * sum(abs(pr.get(k, 0.0) - ps.get(k, 0.0)) for k in keys)
    return {
        "total_variation": tv,
        "reference": pr,
        "synthetic": ps,
        "missing": [k for k in keys if k not in ps],
        "unseen": [k for k in keys if k not in pr],
    }


def self_similarity(vectors: Any, *, sample: int = 500, seed: int = 0) -> float | None:
    """Mean cosine similarity over all pairs of (a sample of) normalised rows."""
    import numpy as np

    if len(vectors) < 2:
        return None
    picked = np.asarray(vectors)[sample_indices(len(vectors), sample, seed)]
    sims = picked @ picked.T
    upper = np.triu_indices(len(picked), k=1)
    return float(sims[upper].mean())


def near_duplicate_rate(texts: Sequence[str], threshold: float = NEAR_DUPLICATE) -> float:
    """Share of texts with an exact or near duplicate elsewhere in ``texts``."""
    if len(texts) < 2:
        return 0.0
    involved: set[int] = set()
    for i, j, _ in pairs_above(texts, threshold):
        involved.update((i, j))
    return len(involved) / len(texts)


def diversity_figures(texts: Sequence[str], vectors: Any) -> dict[str, float | None]:
    return {
        "distinct_1": distinct_n(texts, 1),
        "distinct_2": distinct_n(texts, 2),
        "self_similarity": self_similarity(vectors),
        "near_duplicate_rate": near_duplicate_rate(texts),
    }
