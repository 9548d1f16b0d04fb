"""Redact text and records: mask, pseudonymise, drop or only report what was found.

:class:`Redactor` turns one string into its redacted form and counts what it found by entity
type; the replacement itself is Presidio's anonymizer (``replace`` with ``<TYPE>`` for mask, a
``custom`` operator calling :func:`~syndgen.privacy.surrogates.surrogate` for pseudonymise).
``drop`` and ``report`` leave text as it is: the caller drops the record that holds PII, or only
counts. Results are cached per string, so a prompt repeated over a run's attempts costs once.

A record is a mapping whose string values are redacted, nested lists and mappings included (chat
``messages``: each turn's ``content``, never its ``role``); ``fields`` limits it to those keys.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from syndgen.privacy.engine import Finding, detect
from syndgen.privacy.surrogates import surrogate

STRUCTURAL_KEYS = frozenset({"role", "id", "model", "critic_model", "stage", "reason", "finish_reason"})
"""Keys whose values are labels, not free text: never redacted."""

_CACHE_SIZE = 8192


@lru_cache(maxsize=1)
def _anonymizer() -> Any:
    from presidio_anonymizer import AnonymizerEngine

    return AnonymizerEngine()  # type: ignore[no-untyped-call]


@dataclass
class Redactor:
    """Detects ``entities`` at ``threshold`` and applies ``mode`` to a string."""

    mode: str
    entities: tuple[str, ...]
    threshold: float = 0.5
    key: bytes | None = None
    counts: Counter[str] = field(default_factory=Counter)
    """Everything found so far, by entity type."""
    _cache: dict[str, tuple[str, Counter[str]]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        if self.mode == "pseudonymise" and self.key is None:
            raise ValueError("pseudonymise needs a key")

    @property
    def rewrites(self) -> bool:
        """Does this mode change text (mask, pseudonymise), or only look (drop, report)?"""
        return self.mode in ("mask", "pseudonymise")

    def find(self, text: str) -> list[Finding]:
        return detect(text, self.entities, self.threshold)

    def text(self, text: str) -> tuple[str, Counter[str]]:
        """``(redacted text, what was found in it)``; the totals in :attr:`counts` grow."""
        cached = self._cache.get(text)
        if cached is None:
            findings = self.find(text)
            found = Counter(f.entity for f in findings)
            new = self._apply(text, findings) if findings and self.rewrites else text
            if len(self._cache) >= _CACHE_SIZE:
                self._cache.clear()
            cached = self._cache[text] = (new, found)
        self.counts.update(cached[1])
        return cached

    def _apply(self, text: str, findings: list[Finding]) -> str:
        from presidio_anonymizer.entities import OperatorConfig, RecognizerResult

        operators = {}
        for entity in {f.entity for f in findings}:
            if self.mode == "mask":
                operators[entity] = OperatorConfig("replace", {"new_value": f"<{entity}>"})
            else:
                operators[entity] = OperatorConfig("custom", {"lambda": self._pseudonym(entity)})
        results = [RecognizerResult(f.entity, f.start, f.end, f.score) for f in findings]
        return str(_anonymizer().anonymize(text=text, analyzer_results=results, operators=operators).text)

    def _pseudonym(self, entity: str) -> Any:
        key = self.key
        assert key is not None
        return lambda value: surrogate(key, entity, value)

    def value(self, value: Any, found: Counter[str]) -> Any:
        """A JSON-like value with every string redacted (labels under structural keys kept)."""
        if isinstance(value, str):
            new, seen = self.text(value)
            found.update(seen)
            return new
        if isinstance(value, Mapping):
            return {k: v if k in STRUCTURAL_KEYS else self.value(v, found) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return type(value)(self.value(v, found) for v in value)
        return value

    def record(
        self, row: Mapping[str, Any], fields: Iterable[str] | None = None
    ) -> tuple[dict[str, Any], Counter[str]]:
        """``(redacted row, what was found)``: every string field, or only ``fields``."""
        chosen = None if fields is None else set(fields)
        found: Counter[str] = Counter()
        out = {
            k: self.value(v, found)
            if (k in chosen if chosen is not None else k not in STRUCTURAL_KEYS)
            else v
            for k, v in row.items()
        }
        return out, found


def describe(found: Mapping[str, int]) -> str:
    """``PERSON x2, EMAIL_ADDRESS x1`` (pure)."""
    return ", ".join(f"{entity} x{n}" for entity, n in sorted(found.items()))
