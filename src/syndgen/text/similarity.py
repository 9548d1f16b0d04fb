"""Duplicate detection before the critic: exact, near (Jaccard) and semantic (embedding cosine).

:class:`Deduplicator` is incremental: ``check`` says whether a text duplicates one already added,
without adding it; ``add`` records it. Checks run in this order and the first hit wins:

* **exact** — a BLAKE2b hash of the normalised text (casefolded, punctuation turned into spaces,
  whitespace collapsed), so case, punctuation and spacing changes count as the same text;
* **near** — Jaccard similarity of the *character 5-gram* sets of the normalised text, default
  ``>= 0.8``. Character 5-grams rather than word 3-shingles: records here are often short (a
  question is 10-30 words) and one changed word removes three of only ~10 word 3-shingles, while
  it touches a small fraction of the character 5-grams, so the measure stays stable across text
  lengths. A datasketch ``MinHashLSH`` index (128 permutations, bands chosen by
  :func:`lsh_bands` so a pair exactly at the threshold is proposed with probability >= 99.5%)
  proposes candidates; the decision uses the *exact* Jaccard of the candidate's 5-gram set, so
  no MinHash estimate decides alone and no check is O(n);
* **semantic** — cosine similarity of embeddings, default ``>= 0.92``; it runs only when an
  ``embed`` callable is given (texts -> L2-normalised rows, e.g.
  ``syndgen.embed.get_embedder().encode``).

Everything is deterministic: fixed MinHash seed, gram hashes that do not depend on Python's
hash randomisation, candidates compared in insertion order.

:func:`pairs_above` is the exhaustive checker: every pair of texts whose exact 5-gram Jaccard
reaches a threshold, found without comparing all pairs (prefix filtering: two sets with Jaccard
``>= t`` share a token among the rarest ``|x| - ceil(t|x|) + 1`` tokens of each), so it proves
an output has no near-duplicate pairs.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from datasketch import MinHash, MinHashLSH

from syndgen.errors import ConfigError, InputError
from syndgen.text.normalise import dedup_text as normalise_text

if TYPE_CHECKING:
    import numpy.typing as npt

    Array = npt.NDArray[Any]
else:
    Array = Any

Embed = Callable[[Sequence[str]], Any]
DuplicateKind = Literal["exact", "near", "semantic"]

SHINGLE_CHARS = 5
NUM_PERM = 128
LSH_RECALL = 0.995


@dataclass(frozen=True)
class DedupResult:
    """``similarity``: 1.0 for exact; Jaccard for near; cosine for semantic; for a non-duplicate
    the highest exact Jaccard among the near-duplicate candidates (0.0 when none)."""

    duplicate: bool
    kind: DuplicateKind | None = None
    of: str | None = None
    similarity: float = 0.0


def _grams(normalised: str, n: int = SHINGLE_CHARS) -> Array:
    """The distinct character n-grams of a normalised text as fixed-width byte strings, sorted."""
    import numpy as np

    codes = np.frombuffer(normalised.encode("utf-32-le"), dtype=np.uint32)
    if codes.size == 0:
        return np.zeros(0, dtype=f"V{4 * n}")
    if codes.size < n:
        codes = np.concatenate([codes, np.zeros(n - codes.size, dtype=np.uint32)])
    windows = np.lib.stride_tricks.sliding_window_view(codes, n)
    as_bytes = np.ascontiguousarray(windows).view(f"V{4 * n}").ravel()
    return np.unique(as_bytes)


def shingles(text: str, n: int = SHINGLE_CHARS) -> frozenset[str]:
    """The character n-gram set the near-duplicate measure uses (texts shorter than ``n`` are one
    gram; an empty text has none)."""
    norm = normalise_text(text)
    if not norm:
        return frozenset()
    if len(norm) <= n:
        return frozenset({norm})
    return frozenset(norm[i : i + n] for i in range(len(norm) - n + 1))


def _gram_hashes(grams: Array) -> list[int]:
    """32-bit hashes of grams (polynomial over code points; MinHash mixes them further)."""
    import numpy as np

    if grams.size == 0:
        return []
    codes = grams.view(np.uint32).reshape(grams.size, -1).astype(np.uint64)
    acc = np.zeros(grams.size, dtype=np.uint64)
    for column in range(codes.shape[1]):
        acc = (acc * np.uint64(1_000_003) + codes[:, column]) & np.uint64(0xFFFFFFFF)
    return [int(h) for h in acc]


def _identity(value: int) -> int:
    return value


_EMPTY_MINHASH = MinHash(num_perm=NUM_PERM, seed=1, hashfunc=_identity)


def _minhash(grams: Array) -> MinHash:
    mh = _EMPTY_MINHASH.copy()  # reuses the permutations: building them is most of the cost
    mh.update_batch(_gram_hashes(grams))
    return mh


def _jaccard_sorted(a: Array, b: Array) -> float:
    import numpy as np

    if a.size == 0 and b.size == 0:
        return 1.0
    inter = np.intersect1d(a, b, assume_unique=True).size
    return float(inter / (a.size + b.size - inter))


def lsh_bands(threshold: float, num_perm: int, recall: float = LSH_RECALL) -> tuple[int, int]:
    """``(bands, rows)`` for ``MinHashLSH(params=...)``: the most rows per band (fewest false
    candidates) for which a pair at ``threshold`` is still proposed with probability ``recall``."""
    best = (num_perm, 1)
    for rows in range(1, num_perm + 1):
        bands = num_perm // rows
        if 1.0 - (1.0 - threshold**rows) ** bands >= recall:
            best = (bands, rows)
    return best


def _check_threshold(name: str, value: float | None) -> None:
    if value is not None and not 0.0 < value <= 1.0:
        raise ConfigError(f"dedup: {name} must be in (0, 1] or None, got {value}")


class Deduplicator:
    """Incremental duplicate index; see the module docstring for the measures."""

    def __init__(
        self,
        exact: bool = True,
        near_threshold: float | None = 0.8,
        semantic_threshold: float | None = 0.92,
        embed: Embed | None = None,
    ) -> None:
        _check_threshold("near_threshold", near_threshold)
        _check_threshold("semantic_threshold", semantic_threshold)
        self.exact = exact
        self.near_threshold = near_threshold
        self.semantic_threshold = semantic_threshold if embed is not None else None
        self._embed = embed
        self._keys: dict[str, int] = {}
        self._order: list[str] = []
        self._hashes: dict[str, str] = {}
        self._norms: list[str] = []
        self._lsh = (
            MinHashLSH(num_perm=NUM_PERM, params=lsh_bands(near_threshold, NUM_PERM))
            if near_threshold is not None
            else None
        )
        self._vectors: Array | None = None
        self._cached: tuple[str, Array] | None = None
        self._sketched: tuple[str, Array, MinHash] | None = None

    def __len__(self) -> int:
        return len(self._order)

    def __contains__(self, key: object) -> bool:
        return key in self._keys

    @staticmethod
    def _digest(norm: str) -> str:
        return hashlib.blake2b(norm.encode("utf-8"), digest_size=16).hexdigest()

    def _vector(self, text: str) -> Array:
        import numpy as np

        if self._cached is not None and self._cached[0] == text:
            return self._cached[1]
        assert self._embed is not None
        row = np.asarray(self._embed([text]), dtype=np.float32).reshape(-1)
        norm = float(np.linalg.norm(row))
        vector = row / norm if norm > 0 else row
        self._cached = (text, vector)
        return vector

    def _sketch(self, norm: str) -> tuple[Array, MinHash]:
        """Grams and MinHash of a normalised text; the last one is kept for ``check`` then ``add``."""
        if self._sketched is None or self._sketched[0] != norm:
            grams = _grams(norm)
            self._sketched = (norm, grams, _minhash(grams))
        return self._sketched[1], self._sketched[2]

    def _near(self, norm: str, skip: int | None, before: int) -> tuple[int | None, float]:
        if self._lsh is None or self.near_threshold is None or not norm:
            return None, 0.0
        grams, sketch = self._sketch(norm)
        found = sorted(
            p for p in (self._keys[k] for k in self._lsh.query(sketch)) if p != skip and p < before
        )
        best, best_sim = None, 0.0
        for position in found:
            sim = _jaccard_sorted(grams, _grams(self._norms[position]))
            if sim > best_sim:
                best, best_sim = position, sim
        if best is not None and best_sim >= self.near_threshold:
            return best, best_sim
        return None, best_sim

    def _semantic(self, text: str, skip: int | None, before: int) -> tuple[int | None, float]:
        if self.semantic_threshold is None or self._vectors is None or not self._order or before <= 0:
            return None, 0.0
        import numpy as np

        sims = self._vectors[: min(before, len(self._order))] @ self._vector(text)
        if skip is not None and skip < len(sims):
            sims[skip] = -np.inf
        best = int(np.argmax(sims))
        sim = float(sims[best])
        return (best, sim) if sim >= self.semantic_threshold else (None, sim)

    def check(self, key: str, text: str, before: int | None = None) -> DedupResult:
        """Whether ``text`` duplicates an added text; nothing is added. ``key`` names the text
        being checked and never matches itself; ``before`` limits the comparison to the texts
        added first (the first ``before`` of them)."""
        limit = len(self._order) if before is None else before
        norm = normalise_text(text)
        if self.exact:
            other = self._hashes.get(self._digest(norm))
            if other is not None and other != key and self._keys[other] < limit:
                return DedupResult(True, "exact", other, 1.0)
        skip = self._keys.get(key)
        position, near_sim = self._near(norm, skip, limit)
        if position is not None:
            return DedupResult(True, "near", self._order[position], near_sim)
        position, sim = self._semantic(text, skip, limit)
        if position is not None:
            return DedupResult(True, "semantic", self._order[position], sim)
        return DedupResult(False, None, None, near_sim)

    def add(self, key: str, text: str) -> None:
        """Index ``text`` under ``key`` (keys are unique)."""
        import numpy as np

        if key in self._keys:
            raise InputError(f"dedup: key {key!r} was already added")
        norm = normalise_text(text)
        self._keys[key] = len(self._order)
        self._order.append(key)
        self._norms.append(norm)
        self._hashes.setdefault(self._digest(norm), key)
        if self._lsh is not None and norm:
            self._lsh.insert(key, self._sketch(norm)[1])
        if self.semantic_threshold is not None:
            vector = self._vector(text)
            count = len(self._order)
            if self._vectors is None or count > self._vectors.shape[0]:
                grown = np.zeros((max(16, 2 * count), vector.shape[0]), dtype=np.float32)
                if self._vectors is not None:
                    grown[: count - 1] = self._vectors[: count - 1]
                self._vectors = grown
            self._vectors[count - 1] = vector

    def check_and_add(self, key: str, text: str) -> DedupResult:
        """``check``, then ``add`` when the text is not a duplicate."""
        result = self.check(key, text)
        if not result.duplicate:
            self.add(key, text)
        return result


def _ranked_sets(texts: Sequence[str]) -> list[Array]:
    """Each text's grams as token ids sorted rarest first (ties by id): the global order."""
    import numpy as np

    per_text = [_grams(normalise_text(t)) for t in texts]
    sizes = [g.size for g in per_text]
    if sum(sizes) == 0:
        return [np.zeros(0, dtype=np.int64) for _ in texts]
    vocab, ids = np.unique(np.concatenate([g for g in per_text if g.size]), return_inverse=True)
    frequency = np.bincount(ids, minlength=vocab.size)
    rank = np.empty(vocab.size, dtype=np.int64)
    rank[np.lexsort((np.arange(vocab.size), frequency))] = np.arange(vocab.size)
    out, start = [], 0
    for size in sizes:
        out.append(np.sort(rank[ids[start : start + size]]))
        start += size
    return out


def pairs_above(texts: Sequence[str], threshold: float = 0.8) -> list[tuple[int, int, float]]:
    """Every pair ``(i, j, jaccard)`` with ``i < j`` whose exact character 5-gram Jaccard is
    ``>= threshold``, sorted. Empty texts are never paired."""
    if not 0.0 < threshold <= 1.0:
        raise ConfigError(f"pairs_above: threshold must be in (0, 1], got {threshold}")
    sets = _ranked_sets(texts)
    order = sorted((s.size, i) for i, s in enumerate(sets) if s.size)
    index: dict[int, list[int]] = {}
    found: list[tuple[int, int, float]] = []
    for size, i in order:
        prefix = size - math.ceil(threshold * size - 1e-9) + 1
        candidates: set[int] = set()
        for token in sets[i][:prefix].tolist():
            bucket = index.setdefault(token, [])
            candidates.update(j for j in bucket if sets[j].size >= threshold * size - 1e-9)
            bucket.append(i)
        for j in candidates:
            sim = _jaccard_sorted(sets[i], sets[j])
            if sim >= threshold:
                found.append((min(i, j), max(i, j), sim))
    return sorted(found)
