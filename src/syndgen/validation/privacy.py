"""Does the synthetic set copy the reference? Distances to the closest record and copies.

* **DCR** (distance to closest record): for each synthetic row, the cosine distance
  (``1 - cos``) of its embedding to the nearest reference row. The **holdout baseline** is the
  same distance for each reference row to its nearest *other* reference row (leave-one-out): how
  close genuinely new real records come to the rest. ``dcr_ratio`` is the synthetic median over
  the baseline median: near 1 (or above) means synthetic rows are no closer to the reference than
  fresh real data is; near 0 means they sit on top of reference rows. ``close_share`` is the
  share of synthetic rows closer than the baseline's 5th percentile.
* **copies**: ``exact_copies`` is the share of synthetic texts equal to a reference text after
  syndgen's dedup normalisation (case, punctuation, spacing); ``near_copies`` the share whose
  character 5-gram Jaccard with some reference text is >= 0.8 (exact ones included).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from syndgen.text.similarity import Deduplicator

NEAR_COPY = 0.8
CLOSE_PERCENTILE = 5.0


def nearest_distances(real: Any, synth: Any) -> tuple[Any, Any]:
    """(synthetic -> nearest reference, reference -> nearest other reference) cosine distances."""
    import numpy as np

    to_real = 1.0 - (synth @ real.T).max(axis=1)
    within = real @ real.T
    np.fill_diagonal(within, -np.inf)
    baseline = 1.0 - within.max(axis=1)
    return np.clip(to_real, 0.0, 2.0), np.clip(baseline, 0.0, 2.0)


def dcr(real: Any, synth: Any) -> dict[str, float | None]:
    """DCR figures of ``synth`` against ``real`` embeddings (normalised rows)."""
    import numpy as np

    if len(real) < 2:
        return {"dcr_median": None, "baseline_median": None, "dcr_ratio": None, "close_share": None}
    to_real, baseline = nearest_distances(real, synth)
    base_median = float(np.median(baseline))
    median = float(np.median(to_real))
    cut = float(np.percentile(baseline, CLOSE_PERCENTILE))
    return {
        "dcr_median": median,
        "baseline_median": base_median,
        "dcr_ratio": median / base_median if base_median > 0 else None,
        "close_share": float((to_real < cut).mean()) if cut > 0 else float((to_real <= 0).mean()),
    }


def copies(real_texts: Sequence[str], synth_texts: Sequence[str]) -> dict[str, Any]:
    """Shares of synthetic texts that copy a reference text exactly or nearly, with examples."""
    index = Deduplicator(exact=True, near_threshold=NEAR_COPY, semantic_threshold=None)
    for i, text in enumerate(real_texts):
        key = f"r{i}"
        if index.check(key, text).kind != "exact":
            index.add(key, text)
    exact = near = 0
    examples: list[str] = []
    for i, text in enumerate(synth_texts):
        found = index.check(f"s{i}", text)
        if found.duplicate:
            near += 1
            exact += found.kind == "exact"
            if len(examples) < 3:
                examples.append(text[:200])
    n = max(1, len(synth_texts))
    return {"exact_copies": exact / n, "near_copies": near / n, "examples": examples}
