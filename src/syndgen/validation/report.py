"""The JSON report: every figure, what it means, the component scores, overall and verdict."""

from __future__ import annotations

import json
import math
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from syndgen.validation import score

DEFINITIONS: dict[str, str] = {
    "similarity.mauve": "MAUVE (mauve-text) on the sentence embeddings: 1 = same distribution, ~0 = disjoint",
    "similarity.frechet_distance": "Fréchet distance between Gaussians fitted to the two embedding sets "
    "(as FID); 0 = same mean and covariance",
    "similarity.precision": "share of synthetic rows inside the reference's k-NN manifold "
    "(Kynkäänniemi et al. 2019, prdc, k=5)",
    "similarity.recall": "share of reference rows inside the synthetic set's k-NN manifold",
    "similarity.density": "how many reference k-NN balls hold each synthetic row, over k (Naeem et al. 2020)",
    "similarity.coverage": "share of reference rows whose k-NN ball holds a synthetic row "
    "(Naeem et al. 2020)",
    "similarity.length": "text length in words: total variation of the histograms (20 shared bins), "
    "two-sample KS statistic, Wasserstein-1 distance (words)",
    "similarity.*_shares": "share of each label / topic value per side and their total variation distance",
    "coverage.share": "share of reference clusters (k-means on reference embeddings) that some synthetic row "
    "reaches (lies within the k-NN radius of one of the cluster's reference rows)",
    "coverage.per_cluster": "per cluster: reference rows, synthetic rows nearest it, reached, example texts",
    "diversity.distinct_1": "unique / total word unigrams over the set",
    "diversity.distinct_2": "unique / total word bigrams over the set",
    "diversity.self_similarity": "mean pairwise cosine similarity of the embeddings (lower = more varied)",
    "diversity.near_duplicate_rate": "share of rows with an exact or near duplicate (character 5-gram "
    "Jaccard >= 0.8) in the same set",
    "utility.ratio": "TSTR accuracy / TRTR accuracy: logistic regression on embeddings (or one-hot columns) "
    "trained on synthetic vs on 70% of the reference, both tested on the same 30% of the reference",
    "privacy.dcr_median": "median cosine distance from a synthetic row to its closest reference row",
    "privacy.baseline_median": "median distance from a reference row to its closest other reference row "
    "(leave-one-out holdout baseline)",
    "privacy.dcr_ratio": "dcr_median / baseline_median: ~1 = no closer to the reference than real data is",
    "privacy.close_share": "share of synthetic rows closer than the baseline's 5th percentile",
    "privacy.exact_copies": "share of synthetic rows equal to a reference row (after normalisation)",
    "privacy.near_copies": "share of synthetic texts with 5-gram Jaccard >= 0.8 to a reference text",
    "privacy.dcr_baseline_protection": "SDMetrics DCRBaselineProtection: synthetic distance to the real rows "
    "against random rows' distance; 1 = as far as random data",
    "bias.axes": "per term axis (gender, age, names by origin, or --bias-terms): mention shares, each "
    "group's share of the axis' mentions, their total variation, skew (max - min share), amplified",
    "bias.score": "1 - the largest total variation of an axis' representation",
    "quality": "SDMetrics QualityReport: Column Shapes and Column Pair Trends, score = their mean",
    "diagnostic": "SDMetrics DiagnosticReport: Data Validity and Data Structure",
    "coverage.per_column": "SDMetrics RangeCoverage (numbers) / CategoryCoverage (categories) per column",
    "scores": "one component in [0, 1] per measured family (see overall)",
    "overall": "mean of the measured components: similarity (text: MAUVE; table: SDMetrics quality), "
    "coverage, diversity (distinct-2 and 1 - self-similarity relative to the reference, less excess "
    "near-duplicates), utility (min(1, TSTR/TRTR)), privacy (text: min(1, DCR ratio) x (1 - near copies); "
    "table: DCRBaselineProtection x (1 - exact copies)), bias (1 - largest term-axis TV)",
    "verdict": "the platform's bars: similarity > 0.85, coverage >= 0.95, utility ratio >= 0.9 "
    "(less than 10% degradation); passed when every measured bar passes",
}


def _version() -> str:
    try:
        return version("syndgen")
    except PackageNotFoundError:  # pragma: no cover - always installed in development
        return "(source)"


def clean(value: Any) -> Any:
    """JSON-safe copy: numpy scalars to Python numbers, NaN and infinities to None."""
    if isinstance(value, dict):
        return {str(k): clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [clean(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def assemble(
    *,
    kind: str,
    sides: dict[str, tuple[str, int]],
    settings: dict[str, Any],
    metrics: dict[str, Any],
    parts: dict[str, float],
    notes: list[str],
) -> dict[str, Any]:
    metrics = {k: v for k, v in metrics.items() if k != "metadata"}
    report: dict[str, Any] = clean(
        {
            "syndgen_version": _version(),
            "kind": kind,
            **{name: {"source": src, "rows": rows} for name, (src, rows) in sides.items()},
            "settings": settings,
            "overall": score.overall(parts),
            "verdict": score.verdict(parts, metrics),
            "scores": parts,
            "metrics": metrics,
            "notes": notes,
            "definitions": DEFINITIONS,
        }
    )
    return report


def write_json(report: dict[str, Any], path: Path) -> None:
    from syndgen.rundir import atomic_write_text

    atomic_write_text(path, json.dumps(report, indent=2, ensure_ascii=False) + "\n")
