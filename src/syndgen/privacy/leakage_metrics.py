"""Leakage measures between one record and a set of source texts (pure; no file or model I/O).

Texts are compared as word tokens of :func:`syndgen.text.normalise.dedup_text` (casefolded,
punctuation as spaces), so a copy with changed case, punctuation or spacing is still a copy.

* **longest common token span** — the longest run of consecutive tokens the record shares with
  one source. Found from an index of every source's 8-token anchors: each anchor the record
  shares is extended both ways, so the result is exact for spans of 8 tokens or more (shorter
  spans are reported as 0; the threshold cannot be set below 8).
* **n-gram overlap** — the share of the record's distinct word n-grams (13 by default, as in the
  benchmark-contamination checks of GPT-3 and later reports) found in one source, with the count
  of shared n-grams (decontamination counts those).
* **MinHash near-duplicate** — the character 5-gram Jaccard of the whole texts through
  :class:`syndgen.text.similarity.Deduplicator` (MinHash LSH proposes, the exact Jaccard decides).
* **embedding distance** — cosine distance of the record's embedding to its closest source, next
  to the leave-one-out baseline of the sources themselves (:func:`syndgen.privacy.leakage.
  baseline`: the definition ``syndgen validate`` uses, on up to 500 held-out sources so that it
  stays linear in the number of sources).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from syndgen.text.normalise import dedup_text
from syndgen.text.similarity import Deduplicator

ANCHOR = 8
MAX_HITS = 64
"""Anchor positions kept per distinct 8-gram: a phrase repeated more often than this in the
sources (boilerplate) still finds its spans through its other anchors."""


def tokens(text: str) -> list[str]:
    """The word tokens every token measure compares."""
    return dedup_text(text).split()


@dataclass(frozen=True)
class Span:
    """``length`` shared tokens: the record's tokens from ``record_start``, the source's from
    ``source_start``."""

    source: int
    record_start: int
    source_start: int
    length: int


@dataclass(frozen=True)
class Overlap:
    source: int
    shared: int
    total: int

    @property
    def share(self) -> float:
        return self.shared / self.total if self.total else 0.0


class TokenIndex:
    """Anchors and n-grams of a fixed list of source texts."""

    def __init__(self, texts: Sequence[str], n: int = 13) -> None:
        self.n = n
        self.sources = [tokens(t) for t in texts]
        self._anchors: dict[tuple[str, ...], list[tuple[int, int]]] = {}
        self._ngrams: dict[tuple[str, ...], set[int]] = {}
        for number, words in enumerate(self.sources):
            for start in range(len(words) - ANCHOR + 1):
                hits = self._anchors.setdefault(tuple(words[start : start + ANCHOR]), [])
                if len(hits) < MAX_HITS:
                    hits.append((number, start))
            for gram in _ngrams(words, n):
                self._ngrams.setdefault(gram, set()).add(number)

    def __len__(self) -> int:
        return len(self.sources)

    def longest_span(self, words: Sequence[str]) -> Span | None:
        """The longest token run ``words`` shares with one source (None below 8 tokens)."""
        best: Span | None = None
        for start in range(len(words) - ANCHOR + 1):
            for number, at in self._anchors.get(tuple(words[start : start + ANCHOR]), ()):
                source = self.sources[number]
                if start and at and words[start - 1] == source[at - 1]:
                    continue  # inside a span found from an earlier anchor
                length = ANCHOR
                while (
                    start + length < len(words)
                    and at + length < len(source)
                    and words[start + length] == source[at + length]
                ):
                    length += 1
                if best is None or length > best.length:
                    best = Span(number, start, at, length)
        return best

    def overlap(self, words: Sequence[str]) -> Overlap | None:
        """The source sharing the most of ``words``' distinct n-grams (None when none shares one)."""
        grams = set(_ngrams(words, self.n))
        counts: Counter[int] = Counter()
        for gram in grams:
            counts.update(self._ngrams.get(gram, ()))
        if not counts:
            return None
        number, shared = min(counts.items(), key=lambda item: (-item[1], item[0]))
        return Overlap(number, shared, len(grams))


def _ngrams(words: Sequence[str], n: int) -> list[tuple[str, ...]]:
    return [tuple(words[i : i + n]) for i in range(len(words) - n + 1)]


class NearIndex:
    """Character 5-gram Jaccard of whole texts against the sources (the run's dedup measure)."""

    def __init__(self, texts: Sequence[str], threshold: float) -> None:
        self._dedup = Deduplicator(exact=True, near_threshold=threshold, semantic_threshold=None)
        for number, text in enumerate(texts):
            if text.strip():
                self._dedup.add(str(number), text)

    def nearest(self, text: str) -> tuple[int | None, float]:
        """``(source, jaccard)`` of the closest candidate (``(None, best below threshold)``)."""
        found = self._dedup.check("", text)
        return (int(found.of), found.similarity) if found.of is not None else (None, found.similarity)


def nearest_source(vectors: Any, vector: Any) -> tuple[int, float]:
    """``(source, cosine distance)`` of one normalised embedding to the closest source row."""
    import numpy as np

    sims = vectors @ vector
    best = int(np.argmax(sims))
    return best, float(np.clip(1.0 - sims[best], 0.0, 2.0))


def distribution(values: Sequence[float]) -> dict[str, float | int | None]:
    """Count, minimum, 5th/50th/95th percentiles and maximum of a measure (pure)."""
    import numpy as np

    if not values:
        return {"n": 0, "min": None, "p5": None, "p50": None, "p95": None, "max": None}
    data = np.asarray(values, dtype=float)
    p5, p50, p95 = (float(np.percentile(data, q)) for q in (5, 50, 95))
    return {
        "n": int(data.size),
        "min": round(float(data.min()), 4),
        "p5": round(p5, 4),
        "p50": round(p50, 4),
        "p95": round(p95, 4),
        "max": round(float(data.max()), 4),
    }
