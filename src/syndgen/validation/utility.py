"""Downstream utility: train on synthetic, test on real (TSTR) against train on real (TRTR).

The reference rows are split once (stratified where every label has two rows, ``test_share``
held out, fixed seed). A scikit-learn logistic regression (standardised features) is trained
on the reference's training part (TRTR) and on the whole synthetic set (TSTR); both are scored
on the same held-out reference rows. ``ratio`` is TSTR accuracy over TRTR accuracy: 1.0 means the
synthetic set trains a model as good as real data does, and the platform's bar (< 10%
degradation) is ``ratio >= 0.9``. Macro F1 is reported beside accuracy.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from syndgen.errors import InputError

TEST_SHARE = 0.3
UTILITY_BAR = 0.9


def split_reference(labels: Sequence[str], *, seed: int = 0, test_share: float = TEST_SHARE) -> Any:
    """``(train_indices, test_indices)`` of the reference rows."""
    import numpy as np
    from sklearn.model_selection import train_test_split

    counts = Counter(labels)
    stratify = list(labels) if min(counts.values()) >= 2 and len(counts) > 1 else None
    indices = np.arange(len(labels))
    try:
        return train_test_split(indices, test_size=test_share, random_state=seed, stratify=stratify)
    except ValueError:  # too few rows per label for a stratified split of this size
        return train_test_split(indices, test_size=test_share, random_state=seed)


def _fit_score(x_train: Any, y_train: Any, x_test: Any, y_test: Any, seed: int) -> dict[str, float]:
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import accuracy_score, f1_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    if len(set(y_train)) < 2:
        only = y_train[0]
        predicted = [only] * len(y_test)
    else:
        model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000, random_state=seed))
        predicted = model.fit(x_train, y_train).predict(x_test)
    return {
        "accuracy": float(accuracy_score(y_test, predicted)),
        "macro_f1": float(f1_score(y_test, predicted, average="macro", zero_division=0)),
    }


def tstr(
    real_x: Any, real_y: Sequence[str], synth_x: Any, synth_y: Sequence[str], *, seed: int = 0
) -> dict[str, Any]:
    """TSTR and TRTR scores on the same held-out reference rows, and their ratio."""
    import numpy as np

    if len(real_y) < 4 or len(set(real_y)) < 2:
        raise InputError(
            "utility needs a labelled reference with at least 4 rows and 2 labels",
            hint="name a label field with --label-field, or leave utility out of --metrics",
        )
    real_labels = np.asarray(list(real_y), dtype=object)
    synth_labels = np.asarray(list(synth_y), dtype=object)
    train, test = split_reference(list(real_y), seed=seed)
    trtr = _fit_score(real_x[train], real_labels[train], real_x[test], real_labels[test], seed)
    tstr_ = _fit_score(synth_x, synth_labels, real_x[test], real_labels[test], seed)
    ratio = tstr_["accuracy"] / trtr["accuracy"] if trtr["accuracy"] > 0 else 0.0
    return {
        "tstr": tstr_,
        "trtr": trtr,
        "ratio": ratio,
        "degradation": max(0.0, 1.0 - ratio),
        "test_rows": len(test),
        "passes_bar": ratio >= UTILITY_BAR,
    }
