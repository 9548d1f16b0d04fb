"""Metrics on two sets of sentence embeddings (rows L2-normalised; ``real`` = the reference).

* ``mauve``: MAUVE (Pillutla et al., 2021) from ``mauve-text`` on the precomputed embeddings:
  the area under the divergence frontier of the two sets' quantised distributions (``n / 10``
  k-means buckets, at least 5); 1 = the same distribution, near 0 = disjoint.
* ``frechet``: the Fréchet distance between Gaussians fitted to the two sets
  (``|mu_r - mu_s|^2 + tr(C_r + C_s - 2 (C_r C_s)^1/2)``), as in FID; 0 = the same mean and
  covariance.
* ``precision`` / ``recall`` (Kynkäänniemi et al., 2019) and ``density`` / ``coverage``
  (Naeem et al., 2020) from ``prdc`` with k nearest neighbours: the share of synthetic rows
  inside the reference's k-NN manifold, and the share of reference rows inside the synthetic's.
* :func:`cluster_coverage`: k-means on the reference embeddings; a cluster is *reached* when at
  least one synthetic row lies within the k-NN radius of one of its reference rows.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    Matrix = npt.NDArray[np.float32]
else:
    Matrix = Any

DEFAULT_K = 5
MIN_BUCKETS = 5
"""MAUVE quantises both sets into ``n / 10`` k-means buckets (its own default), but at least 5:
with 2 or 3 buckets, small disjoint sets can share a bucket and score as similar."""


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """Silence what the libraries print on their own (faiss' clustering warnings on stderr,
    prdc's row counts on stdout), at the file-descriptor level since faiss writes from C++."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved = [os.dup(1), os.dup(2)]
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
        with open(os.devnull, "w") as sink, contextlib.redirect_stdout(sink):
            yield
    finally:
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        for fd in (*saved, devnull):
            os.close(fd)


def nearest_k(n_real: int, n_synth: int, k: int = DEFAULT_K) -> int:
    """``k`` shrunk so that both sets have at least k other rows (at least 1)."""
    return max(1, min(k, n_real - 1, n_synth - 1))


def mauve_score(real: Matrix, synth: Matrix, *, seed: int = 0) -> float:
    """MAUVE of the synthetic set against the reference, in [0, 1]."""
    import mauve

    buckets = max(MIN_BUCKETS, min(len(real), len(synth)) // 10)
    with quiet():
        out = mauve.compute_mauve(
            p_features=real,
            q_features=synth,
            num_buckets=buckets,
            verbose=False,
            seed=seed + 25,
            device_id=-1,
        )
    return float(out.mauve)


def frechet_distance(real: Matrix, synth: Matrix) -> float:
    """Fréchet distance between the Gaussians fitted to the two sets (0 for identical sets)."""
    import numpy as np
    from scipy import linalg

    a = np.asarray(real, dtype=np.float64)
    b = np.asarray(synth, dtype=np.float64)
    mu = a.mean(axis=0) - b.mean(axis=0)
    ca = np.atleast_2d(np.cov(a, rowvar=False))
    cb = np.atleast_2d(np.cov(b, rowvar=False))
    root = linalg.sqrtm(ca @ cb)
    if not np.isfinite(root).all():  # singular product: offset the diagonals, as FID does
        offset = np.eye(ca.shape[0]) * 1e-6
        root = linalg.sqrtm((ca + offset) @ (cb + offset))
    value = float(mu @ mu + np.trace(ca) + np.trace(cb) - 2.0 * np.trace(np.real(root)))
    return max(0.0, value)


def manifold_metrics(real: Matrix, synth: Matrix, *, k: int = DEFAULT_K) -> dict[str, float]:
    """``precision``, ``recall``, ``density`` and ``coverage`` (prdc) with ``k`` neighbours."""
    import prdc

    k = nearest_k(len(real), len(synth), k)
    with quiet():
        found = prdc.compute_prdc(real_features=real, fake_features=synth, nearest_k=k)
    return {name: float(value) for name, value in found.items()}


def _radii(real: Matrix, k: int) -> Any:
    from prdc.prdc import compute_nearest_neighbour_distances

    return compute_nearest_neighbour_distances(real, k)


def _representatives(members: Any, dist_to_centre: Any, texts: list[str], limit: int) -> list[str]:
    order = members[dist_to_centre[members].argsort()]
    return [texts[i][:200] for i in order[:limit]]


def cluster_coverage(
    real: Matrix,
    synth: Matrix,
    texts: list[str],
    *,
    clusters: int | None = None,
    k: int = DEFAULT_K,
    seed: int = 0,
    examples: int = 3,
) -> dict[str, Any]:
    """Share of reference clusters the synthetic set reaches, and each cluster's figures.

    ``clusters`` defaults to ``n_reference // 10`` clamped to [2, 20]. Each cluster lists its
    reference and synthetic counts (a synthetic row counts for the cluster of its nearest
    reference row), whether it is reached, and up to ``examples`` reference texts nearest its
    centre (the examples a missed cluster lacks).
    """
    import numpy as np
    from prdc.prdc import compute_pairwise_distance
    from sklearn.cluster import KMeans

    n_clusters = clusters or min(20, max(2, len(real) // 10))
    n_clusters = max(1, min(n_clusters, len(real)))
    model = KMeans(n_clusters=n_clusters, n_init=4, random_state=seed).fit(real)
    assign = model.labels_
    dist_to_centre = np.linalg.norm(real - model.cluster_centers_[assign], axis=1)
    radii = _radii(real, nearest_k(len(real), len(real), k))
    cross = compute_pairwise_distance(real, synth)  # (n_real, n_synth)
    reached_rows = (cross <= radii[:, None]).any(axis=1)
    nearest_real = cross.argmin(axis=0)
    rows: list[dict[str, Any]] = []
    for c in range(n_clusters):
        members = np.flatnonzero(assign == c)
        rows.append(
            {
                "cluster": c,
                "reference": len(members),
                "synthetic": int((assign[nearest_real] == c).sum()),
                "reached": bool(reached_rows[members].any()),
                "examples": _representatives(members, dist_to_centre, texts, examples),
            }
        )
    reached = sum(r["reached"] for r in rows)
    return {
        "share": reached / n_clusters,
        "clusters": n_clusters,
        "reached": reached,
        "missed": [r["cluster"] for r in rows if not r["reached"]],
        "per_cluster": rows,
    }
