"""Precision and recall of PII detection against labelled spans, per entity type (pure).

A found value counts as right when a labelled value of the same type overlaps it; each labelled
value is matched at most once. ``covered`` counts the labelled values that some found value of
any type overlaps: what redaction hides, even when the NER model calls a person an organisation.
``labelled`` and ``found`` are lists (one per text) of ``(type, start, end)`` triples.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

Span = tuple[str, int, int]


@dataclass(frozen=True)
class TypeScore:
    entity: str
    labelled: int
    found: int
    right: int
    covered: int = 0

    @property
    def precision(self) -> float:
        return self.right / self.found if self.found else 1.0

    @property
    def recall(self) -> float:
        return self.right / self.labelled if self.labelled else 1.0

    @property
    def hidden(self) -> float:
        """The share of labelled values that redaction hides, whatever type it gave them."""
        return self.covered / self.labelled if self.labelled else 1.0


def _overlaps(a: Span, b: Span) -> bool:
    return a[0] == b[0] and a[1] < b[2] and b[1] < a[2]


def score(labelled: Sequence[Sequence[Span]], found: Sequence[Sequence[Span]]) -> dict[str, TypeScore]:
    """Per entity type: how many were labelled, found, and found right."""
    gold: Counter[str] = Counter()
    predicted: Counter[str] = Counter()
    right: Counter[str] = Counter()
    covered: Counter[str] = Counter()
    for truth, guess in zip(labelled, found, strict=True):
        covered.update(t[0] for t in truth if any(g[1] < t[2] and t[1] < g[2] for g in guess))
        unmatched = list(truth)
        for span in guess:
            predicted[span[0]] += 1
            match = next((t for t in unmatched if _overlaps(span, t)), None)
            if match is not None:
                unmatched.remove(match)
                right[span[0]] += 1
        gold.update(t[0] for t in truth)
    types = sorted(set(gold) | set(predicted))
    return {t: TypeScore(t, gold[t], predicted[t], right[t], covered[t]) for t in types}


def total(scores: dict[str, TypeScore], types: Sequence[str]) -> TypeScore:
    """The scores of ``types`` added up (micro average)."""
    chosen = [scores[t] for t in types if t in scores]
    return TypeScore(
        "+".join(types) if len(types) < 4 else "all",
        sum(s.labelled for s in chosen),
        sum(s.found for s in chosen),
        sum(s.right for s in chosen),
        sum(s.covered for s in chosen),
    )
