"""PII redaction in a run: seed examples and topics at context build, generated records before
they are stored, and the check that a grounded run's index was redacted at ingest.

A :class:`PiiStage` is built from ``privacy.pii`` (None when it is off). It redacts whole seed
outcomes, every attempt and verdict included, so the run store never holds a raw value: in
``drop`` mode a sample holding PII becomes a rejection (stage ``privacy``, reason ``pii``) and the
rest of its outcome is masked all the same. Counts by entity type go to the audit log (counts
only, never values) as ``redaction`` entries: one per place at each session start, and for
samples every :data:`FLUSH_EVERY` committed outcomes and at the end of a session.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from syndgen.config_privacy import PiiConfig
from syndgen.errors import ConfigError
from syndgen.extras import require
from syndgen.privacy.audit import append_event
from syndgen.privacy.keys import check_outside, fingerprint, key_path, load_key
from syndgen.privacy.redact import Redactor, describe
from syndgen.records import Rejection, SeedOutcome

FLUSH_EVERY = 25
OUTCOME_KEEP = frozenset({"seed"})
"""Parts of an outcome already redacted (the seed's topic comes from the redacted topics)."""


def make_redactor(pii: PiiConfig, mode: str | None = None) -> Redactor:
    """The redactor ``pii`` describes (loads the pseudonym key when its mode needs one)."""
    chosen = mode or pii.mode
    key = load_key(key_path(pii.key_file)) if chosen == "pseudonymise" else None
    return Redactor(chosen, tuple(pii.entities), pii.score_threshold, key)


def index_redaction(pii: PiiConfig, redactor: Redactor) -> dict[str, Any]:
    """What a redacted index records of how it was redacted (no key, only its fingerprint)."""
    info: dict[str, Any] = {
        "mode": redactor.mode,
        "entities": list(pii.entities),
        "score_threshold": pii.score_threshold,
    }
    if redactor.key is not None:
        info["key"] = fingerprint(redactor.key)
    return info


@dataclass
class PiiStage:
    """The run's redactor and what it found, by place."""

    config: PiiConfig
    redactor: Redactor
    found: dict[str, Counter[str]] = field(default_factory=dict)
    dropped: dict[str, int] = field(default_factory=dict)
    pending: int = 0
    _mask: Redactor | None = None

    def _count(self, where: str, found: Counter[str]) -> None:
        self.found.setdefault(where, Counter()).update(found)

    def examples(self, rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
        if not self.config.apply.examples:
            return list(rows)
        kept = []
        for row in rows:
            new, found = self.redactor.record(row)
            self._count("examples", found)
            if found and self.redactor.mode == "drop":
                self.dropped["examples"] = self.dropped.get("examples", 0) + 1
                continue
            kept.append(new)
        if rows and not kept:
            raise ConfigError("privacy.pii mode drop left no example row without PII")
        return kept

    def topics(self, topics: Sequence[str], taxonomy: Collection[str] | None = None) -> list[str]:
        """The topics redacted (in ``drop`` mode a topic holding PII is left out). With
        ``taxonomy``, only the topics in it are: a grounded run's topics are its documents' paths."""
        if not self.config.apply.taxonomy:
            return list(topics)
        out = []
        for topic in topics:
            if taxonomy is not None and topic not in taxonomy:
                out.append(topic)
                continue
            new, found = self.redactor.text(topic)
            self._count("taxonomy", found)
            if found and self.redactor.mode == "drop":
                self.dropped["taxonomy"] = self.dropped.get("taxonomy", 0) + 1
                continue
            out.append(new)
        if topics and not out:
            raise ConfigError("privacy.pii mode drop left no topic without PII")
        return out

    def outcome(self, outcome: SeedOutcome) -> SeedOutcome:
        """The outcome as it may be stored (see the module doc)."""
        if not self.config.apply.samples or self.redactor.mode == "report":
            if self.config.apply.samples:
                self._count("samples", self._scan(outcome))
                self.pending += 1
            return outcome
        masker = self.redactor if self.redactor.rewrites else self._drop_masker()
        data = outcome.model_dump(mode="json")
        found: Counter[str] = Counter()
        data = {k: v if k in OUTCOME_KEEP else masker.value(v, found) for k, v in data.items()}
        self._count("samples", found)
        new = SeedOutcome.model_validate(data)
        self.pending += 1
        held = self._sample_found(outcome) if self.redactor.mode == "drop" else Counter()
        if new.sample is None or not held:
            return new
        rejection = Rejection(
            seed_index=new.seed.index,
            attempt_no=new.sample.attempt.attempt_no,
            stage="privacy",
            reason="pii",
            detail=describe(held),
        )
        self.dropped["samples"] = self.dropped.get("samples", 0) + 1
        return new.model_copy(update={"sample": None, "rejections": (*new.rejections, rejection)})

    def check_index(self, redaction: dict[str, Any] | None, index: str) -> None:
        """A run that redacts documents reads only an index redacted at ingest."""
        if not self.config.apply.documents:
            return
        mode = (redaction or {}).get("mode")
        if mode not in ("mask", "pseudonymise", "drop"):
            raise ConfigError(
                f"the index {index} holds documents that were not redacted "
                "(privacy.pii.apply.documents is on)",
                hint="re-ingest into a new folder: syndgen ingest DOCS --index NEW --config CONFIG "
                "(or set privacy.pii.apply.documents: false)",
            )
        self._count("documents", Counter(dict((redaction or {}).get("counts", {}))))

    def _drop_masker(self) -> Redactor:
        """``drop`` still masks what it stores of a rejected record."""
        if self._mask is None:
            self._mask = Redactor("mask", self.redactor.entities, self.redactor.threshold)
        return self._mask

    def _scan(self, outcome: SeedOutcome) -> Counter[str]:
        found: Counter[str] = Counter()
        data = outcome.model_dump(mode="json")
        self.redactor.value({k: v for k, v in data.items() if k not in OUTCOME_KEEP}, found)
        return found

    def _sample_found(self, outcome: SeedOutcome) -> Counter[str]:
        found: Counter[str] = Counter()
        if outcome.sample is not None:
            self.redactor.value(outcome.sample.model_dump(mode="json", exclude={"seed"}), found)
        return found

    def log(self, db: sqlite3.Connection, *, force: bool = False) -> None:
        """Append what was found since the last entry to the audit log."""
        if not force and self.pending < FLUSH_EVERY:
            return
        for where in sorted(set(self.found) | set(self.dropped)):
            counts = self.found.get(where, Counter())
            payload = {
                "where": where,
                "mode": self.redactor.mode,
                "counts": dict(sorted(counts.items())),
                "total": sum(counts.values()),
                "dropped": self.dropped.get(where, 0),
            }
            append_event(db, "redaction", payload)
        self.found.clear()
        self.dropped.clear()
        self.pending = 0


def pii_stage(pii: PiiConfig) -> PiiStage | None:
    if not pii.enabled:
        return None
    require("privacy", "privacy.pii")
    return PiiStage(pii, make_redactor(pii))


def check_key(pii: PiiConfig, run_dir: Path) -> None:
    if pii.enabled and pii.mode == "pseudonymise":
        check_outside(key_path(pii.key_file), run_dir)
