"""How varied a set of texts is: embedding spread and distinct n-grams. Pure except ``embed``.

* ``mean_cosine_distance``: the mean of ``1 - cos(a, b)`` over all pairs of a sample of the
  texts (every text when there are at most ``sample``; otherwise ``sample`` texts drawn by
  ``random.Random(seed)``, so the figure is reproducible). None without an ``embed`` callable or
  with fewer than two texts. 0 means identical meaning; unrelated sentences score about 0.8-1.
* ``distinct_n``: unique n-grams / total n-grams over all texts, with lowercased word tokens
  (``\\w+``) and n-grams taken within each text. 1.0 means no n-gram repeats; 0.0 for no n-grams.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any

Embed = Callable[[Sequence[str]], Any]
"""Texts -> a 2-D array with one row per text (rows are normalised here)."""

_WORD = re.compile(r"\w+", re.UNICODE)


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


class DistinctCounter:
    """distinct-n fed one text at a time: memory grows with the distinct n-grams, not the texts."""

    def __init__(self, n: int) -> None:
        if n < 1:
            raise ValueError(f"n must be >= 1, got {n}")
        self.n = n
        self.seen: set[tuple[str, ...]] = set()
        self.total = 0

    def add(self, text: str) -> None:
        tokens = words(text)
        grams = [tuple(tokens[i : i + self.n]) for i in range(len(tokens) - self.n + 1)]
        self.total += len(grams)
        self.seen.update(grams)

    @property
    def value(self) -> float:
        return len(self.seen) / self.total if self.total else 0.0


def distinct_n(texts: Iterable[str], n: int) -> float:
    """Unique n-grams over total n-grams across ``texts`` (0.0 when there are none)."""
    counter = DistinctCounter(n)
    for text in texts:
        counter.add(text)
    return counter.value


def sample_indices(n: int, sample: int, seed: int = 0) -> list[int]:
    """All of ``range(n)`` when ``n <= sample``, else ``sample`` of them drawn by ``seed``, sorted."""
    if sample < 2:
        raise ValueError(f"sample must be >= 2, got {sample}")
    if n <= sample:
        return list(range(n))
    return sorted(random.Random(seed).sample(range(n), sample))


def mean_cosine_distance(texts: Sequence[str], embed: Embed) -> float | None:
    """Mean pairwise cosine distance of ``texts`` (None for fewer than two)."""
    if len(texts) < 2:
        return None
    import numpy as np

    vectors = np.asarray(embed(list(texts)), dtype=np.float64)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    vectors = vectors / np.where(norms > 0, norms, 1.0)
    sims = vectors @ vectors.T
    upper = np.triu_indices(len(texts), k=1)
    return float(np.mean(1.0 - sims[upper]))


def diversity(
    texts: Sequence[str], *, embed: Embed | None = None, sample: int = 500, seed: int = 0
) -> dict[str, float | int | None]:
    """``{"mean_cosine_distance", "distinct_1", "distinct_2", "n"}`` for ``texts``."""
    picked = [texts[i] for i in sample_indices(len(texts), sample, seed)]
    return {
        "mean_cosine_distance": mean_cosine_distance(picked, embed) if embed is not None else None,
        "distinct_1": distinct_n(texts, 1),
        "distinct_2": distinct_n(texts, 2),
        "n": len(texts),
    }


class DiversityStream:
    """:func:`diversity` of ``n`` texts fed one at a time, holding only the embedding sample and
    the distinct n-grams (so a run's report does not hold its records)."""

    def __init__(self, n: int, *, sample: int = 500, seed: int = 0) -> None:
        self.n = n
        self.picks = set(sample_indices(n, sample, seed)) if n else set()
        self.ones, self.twos = DistinctCounter(1), DistinctCounter(2)
        self.picked: list[str] = []
        self.seen = 0

    def add(self, text: str) -> None:
        self.ones.add(text)
        self.twos.add(text)
        if self.seen in self.picks:
            self.picked.append(text)
        self.seen += 1

    def result(self, embed: Embed | None = None) -> dict[str, float | int | None]:
        return {
            "mean_cosine_distance": mean_cosine_distance(self.picked, embed) if embed is not None else None,
            "distinct_1": self.ones.value,
            "distinct_2": self.twos.value,
            "n": self.seen,
        }
