"""The dataset card's privacy section, as data (pure): what was redacted and how (the audit log's
``redaction`` events), the leakage figures (the run report's ``leakage`` section), and the audit
log's length, head hash and whether its chain verifies."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from syndgen.privacy.audit import AuditEntry


def _counts(payload: Mapping[str, Any]) -> dict[str, int]:
    """Counts by entity type of one redaction event (``{"counts": {...}}`` or flat numbers)."""
    counts = payload.get("counts", payload)
    if not isinstance(counts, Mapping):
        return {}
    return {str(k): int(v) for k, v in counts.items() if isinstance(v, int) and not isinstance(v, bool)}


def redaction_summary(entries: Sequence[AuditEntry]) -> dict[str, Any]:
    counts: Counter[str] = Counter()
    how: dict[str, None] = {}
    where: dict[str, None] = {}
    events = 0
    for entry in entries:
        if entry.kind != "redaction":
            continue
        events += 1
        counts.update(_counts(entry.payload))
        for key, bucket in (("mode", how), ("where", where), ("stage", where), ("field", where)):
            value = entry.payload.get(key)
            if isinstance(value, str):
                bucket[value] = None
    return {
        "events": events,
        "counts": dict(sorted(counts.items())),
        "modes": list(how),
        "where": list(where),
    }


def privacy_section(
    entries: Sequence[AuditEntry],
    leakage: Mapping[str, Any] | None,
    head: str | None,
    broken: int | None,
) -> dict[str, Any]:
    """What the card's privacy section shows."""
    return {
        "redaction": redaction_summary(entries),
        "leakage": dict(leakage) if leakage else None,
        "audit_entries": len(entries),
        "audit_head": head,
        "audit_broken": broken,
        "exports": sum(1 for e in entries if e.kind == "export"),
    }
