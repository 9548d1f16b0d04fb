"""The leakage and decontamination checker: every measure of one record against the sources.

:class:`LeakageChecker` holds the indexes of the leak sources (seed examples, document chunks,
reference files) and of the evaluation sets (``privacy.decontaminate``). :meth:`~LeakageChecker.
measure` gives a record's measures and what they find: ``contaminated`` when it shares at least
``contamination_ngrams`` word n-grams with one evaluation item, ``leak`` when any measure
reaches its threshold (see :class:`syndgen.config_privacy.LeakageConfig`). A finding names the
source and the token span it copies, never the copied text. :func:`analyse` is the report over
many records (the run's and ``syndgen leakage``'s).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from syndgen.config_privacy import LeakageConfig
from syndgen.privacy.leakage_metrics import NearIndex, Span, TokenIndex, distribution, nearest_source, tokens
from syndgen.privacy.leakage_sources import Source

Embed = Callable[[Sequence[str]], Any]
Reason = Literal["leak", "contaminated"]


@dataclass(frozen=True)
class Finding:
    reason: Reason
    measure: Literal["span_tokens", "ngram_overlap", "minhash_jaccard", "embedding_distance"]
    value: float
    source: str
    origin: str
    span: tuple[int, int, int] | None = None
    """``(record token, source token, length)`` of the longest shared span, when there is one."""

    def detail(self) -> str:
        where = ""
        if self.span is not None:
            rec, src, length = self.span
            where = f"; {length} tokens shared: record tokens {rec}-{rec + length}, "
            where += f"source tokens {src}-{src + length}"
        value = f"{self.value:.3f}" if isinstance(self.value, float) else str(self.value)
        return f"copies {self.origin} {self.source} ({self.measure} {value}{where})"

    def payload(self) -> dict[str, Any]:
        return {
            "reason": self.reason,
            "measure": self.measure,
            "value": self.value if isinstance(self.value, int) else round(float(self.value), 4),
            "source": self.source,
            "origin": self.origin,
            "span": list(self.span) if self.span else None,
        }


@dataclass(frozen=True)
class Measures:
    span_tokens: int = 0
    ngram_overlap: float = 0.0
    minhash_jaccard: float = 0.0
    embedding_distance: float | None = None
    eval_ngrams: int = 0
    findings: tuple[Finding, ...] = field(default=())

    @property
    def reason(self) -> Reason | None:
        return self.findings[0].reason if self.findings else None


def _span(span: Span) -> tuple[int, int, int]:
    return (span.record_start, span.source_start, span.length)


class LeakageChecker:
    """Indexes of the leak sources and the evaluation sets; thread-safe for reading."""

    def __init__(
        self,
        sources: Sequence[Source],
        evals: Sequence[Source],
        config: LeakageConfig,
        *,
        embed: Embed | None = None,
        leak_checks: bool = True,
    ) -> None:
        self.config = config
        self.sources = list(sources) if leak_checks else []
        self.evals = list(evals)
        texts = [s.text for s in self.sources]
        self._tokens = TokenIndex(texts, config.ngram)
        self._near = NearIndex(texts, config.minhash_jaccard or 0.8)
        self._evals = TokenIndex([s.text for s in self.evals], config.ngram)
        self._embed = embed if self.sources else None
        self.vectors = self._embed(texts) if self._embed is not None else None

    @property
    def embeds(self) -> bool:
        return self._embed is not None

    def encode(self, texts: Sequence[str]) -> Any:
        assert self._embed is not None
        return self._embed(list(texts))

    def measure(self, text: str, vector: Any = None) -> Measures:
        """All measures of ``text``; ``vector``: its embedding, when already computed."""
        words = tokens(text)
        found: list[Finding] = []
        eval_ngrams = self._contamination(words, found)
        config = self.config
        span = self._tokens.longest_span(words) if self.sources else None
        overlap = self._tokens.overlap(words) if self.sources else None
        near_source, jaccard = self._near.nearest(text) if self.sources else (None, 0.0)
        distance = None
        if self._embed is not None and words:
            row = vector if vector is not None else self.encode([text])[0]
            nearest, distance = nearest_source(self.vectors, row)
            if config.embedding_distance is not None and distance < config.embedding_distance:
                found.append(self._leak("embedding_distance", distance, nearest, None))
        if span is not None and config.span_tokens is not None and span.length >= config.span_tokens:
            found.append(self._leak("span_tokens", span.length, span.source, _span(span)))
        if overlap is not None and config.ngram_overlap is not None and overlap.share >= config.ngram_overlap:
            found.append(self._leak("ngram_overlap", overlap.share, overlap.source, None))
        if near_source is not None and config.minhash_jaccard is not None:
            found.append(self._leak("minhash_jaccard", jaccard, near_source, None))
        found.sort(key=lambda f: (f.reason != "contaminated", f.measure != "span_tokens"))
        if span is not None:  # every finding about the spanned source names the span
            found = [
                f if f.span or f.source != self.sources[span.source].name else _with_span(f, span)
                for f in found
            ]
        return Measures(
            span_tokens=span.length if span else 0,
            ngram_overlap=overlap.share if overlap else 0.0,
            minhash_jaccard=jaccard,
            embedding_distance=distance,
            eval_ngrams=eval_ngrams,
            findings=tuple(found),
        )

    def _contamination(self, words: list[str], found: list[Finding]) -> int:
        if not self.evals:
            return 0
        overlap = self._evals.overlap(words)
        if overlap is None:
            return 0
        if overlap.shared >= self.config.contamination_ngrams:
            item = self.evals[overlap.source]
            span = self._evals.longest_span(words)
            shown = _span(span) if span is not None and span.source == overlap.source else None
            found.append(
                Finding("contaminated", "ngram_overlap", overlap.shared, item.name, item.origin, shown)
            )
        return overlap.shared

    def _leak(self, measure: Any, value: float, number: int, span: tuple[int, int, int] | None) -> Finding:
        source = self.sources[number]
        return Finding("leak", measure, value, source.name, source.origin, span)


def _with_span(finding: Finding, span: Span) -> Finding:
    return Finding(
        finding.reason, finding.measure, finding.value, finding.source, finding.origin, _span(span)
    )


BASELINE_SAMPLE = 500


def baseline(checker: LeakageChecker) -> dict[str, Any] | None:
    """Leave-one-out distances of the sources to each other (up to 500 of them, evenly spread,
    each against all the others): how close a genuinely new record of the same kind comes to the
    rest. None without embeddings or with fewer than two sources."""
    vectors = checker.vectors
    if vectors is None or len(checker.sources) < 2:
        return None
    import numpy as np

    count = len(checker.sources)
    held = np.unique(np.linspace(0, count - 1, min(count, BASELINE_SAMPLE)).astype(int))
    sims = vectors[held] @ vectors.T
    sims[np.arange(held.size), held] = -np.inf
    within = np.clip(1.0 - sims.max(axis=1), 0.0, 2.0)
    return distribution([float(d) for d in within])


def analyse(records: Sequence[tuple[str, str]], checker: LeakageChecker) -> dict[str, Any]:
    """The leakage report over ``(record id, text)`` pairs: rates, the distribution of every
    measure, the embedding baseline, and each record over a threshold with what it copies."""
    vectors = checker.encode([t for _, t in records]) if checker.embeds and records else None
    measured = [
        (rid, checker.measure(text, None if vectors is None else vectors[i]))
        for i, (rid, text) in enumerate(records)
    ]
    copies = [
        {"record": rid, **m.findings[0].payload(), "detail": m.findings[0].detail()}
        for rid, m in measured
        if m.findings
    ]
    n = len(measured)
    leaks = sum(1 for _, m in measured if m.reason == "leak")
    contaminated = sum(1 for _, m in measured if m.reason == "contaminated")
    base = baseline(checker)
    distances = [m.embedding_distance for _, m in measured if m.embedding_distance is not None]
    close = None
    if base is not None and distances and base["p5"] is not None:
        close = round(sum(1 for d in distances if d < float(base["p5"])) / len(distances), 4)
    return {
        "records": n,
        "sources": len(checker.sources),
        "eval_items": len(checker.evals),
        "leaks": leaks,
        "contaminated": contaminated,
        "leak_rate": round(leaks / n, 4) if n else 0.0,
        "contamination_rate": round(contaminated / n, 4) if n else 0.0,
        "span_tokens": distribution([m.span_tokens for _, m in measured]),
        "ngram_overlap": distribution([m.ngram_overlap for _, m in measured]),
        "minhash_jaccard": distribution([m.minhash_jaccard for _, m in measured]),
        "embedding_distance": distribution(distances) if distances else None,
        "baseline_distance": base,
        "closer_than_baseline_p5": close,
        "copies": copies,
    }
