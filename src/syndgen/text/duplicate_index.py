"""The run's duplicate index: accepted records, in seed order, with a visibility limit.

A seed may only be compared with records accepted by seeds committed before it started (seed
index below its limit), whatever else has been committed since: that keeps a run's outcome
independent of timing. Records are added in seed order, so what a seed may see is a prefix of
the index, and :meth:`Deduplicator.check` is asked about that prefix only.
"""

from __future__ import annotations

import bisect
import threading

from syndgen.config_sections import DedupConfig
from syndgen.text.similarity import Deduplicator


class DuplicateIndex:
    def __init__(self, dedup: Deduplicator | None) -> None:
        self._dedup = dedup
        self._indices: list[int] = []
        self._lock = threading.Lock()

    @classmethod
    def disabled(cls) -> DuplicateIndex:
        return cls(None)

    @staticmethod
    def enabled_by(config: DedupConfig) -> bool:
        """Does ``config`` ask for any duplicate check?"""
        return bool(
            config.exact or config.near_threshold is not None or config.semantic_threshold is not None
        )

    @classmethod
    def from_config(cls, config: DedupConfig) -> DuplicateIndex:
        if not cls.enabled_by(config):
            return cls(None)
        embed = None
        if config.semantic_threshold is not None:
            from syndgen.embed import get_embedder

            embed = get_embedder(config.embedder).encode
        return cls(
            Deduplicator(
                exact=config.exact,
                near_threshold=config.near_threshold,
                semantic_threshold=config.semantic_threshold,
                embed=embed,
            )
        )

    def add(self, seed_index: int, text: str) -> None:
        if self._dedup is None or not text:
            return
        with self._lock:
            if self._indices and seed_index <= self._indices[-1]:
                return  # already indexed (a resumed run re-reads the store)
            self._dedup.add(str(seed_index), text)
            self._indices.append(seed_index)

    def check(self, text: str, limit: int) -> tuple[str, str] | None:
        """``(reason, detail)`` if ``text`` repeats a record of a seed below ``limit``."""
        if self._dedup is None or not text:
            return None
        with self._lock:
            visible = bisect.bisect_left(self._indices, limit)
            if visible == 0:
                return None
            result = self._dedup.check("", text, before=visible)
        if not result.duplicate:
            return None
        reason = {"exact": "exact_duplicate", "near": "near_duplicate", "semantic": "semantic_duplicate"}
        detail = (
            f"{result.kind} duplicate of the record of seed {result.of} (similarity {result.similarity:.2f})"
        )
        return reason[result.kind or "exact"], detail
