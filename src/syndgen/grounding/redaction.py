"""PII redaction at ingest: a document's sections are redacted before they are chunked and embedded.

The redactor itself lives in :mod:`syndgen.privacy.documents` (the ``privacy`` extra); this module
only needs its shape. The manifest records how the index was redacted (mode, entity types,
threshold, the key's fingerprint) and the counts found so far; every later ingest into the same
index must redact the same way, or not at all when it never was, so no raw document slips in.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

from syndgen.errors import ConfigError
from syndgen.grounding.parse import Section
from syndgen.grounding.storage import Manifest


class SectionRedactor(Protocol):
    """Redacts a document's text before it is chunked (:mod:`syndgen.privacy.documents`)."""

    @property
    def info(self) -> dict[str, Any]:
        """How it redacts, as the manifest records it (compared on every later ingest)."""
        ...

    def __call__(self, text: str) -> str | None:
        """The redacted text, or None to leave the section out of the index."""
        ...

    def counts(self) -> dict[str, int]:
        """What it found so far, by entity type."""
        ...


def start_redaction(
    index_dir: Path, old: Manifest | None, redactor: SectionRedactor | None
) -> dict[str, Any] | None:
    """The manifest's redaction record for this ingest; a change of redaction is an error."""
    if old is not None:
        before = {k: v for k, v in (old.redaction or {}).items() if k != "counts"} or None
        now = redactor.info if redactor is not None else None
        if before != now:
            said = f"redacted with {before}" if before else "built without PII redaction"
            raise ConfigError(
                f"index {index_dir} was {said}", hint="redact the same way, or use a new --index folder"
            )
    if redactor is None:
        return None
    return {**redactor.info, "counts": dict((old.redaction or {}).get("counts", {})) if old else {}}


def redact_sections(sections: Sequence[Section], redactor: SectionRedactor | None) -> list[Section]:
    """Each section's text and heading redacted; a section the redactor drops is left out."""
    if redactor is None:
        return list(sections)
    out = []
    for section in sections:
        text = redactor(section.text)
        if text is None:
            continue
        heading = redactor(section.section) if section.section else section.section
        out.append(dataclasses.replace(section, text=text, section=heading or None))
    return out


def counted(record: dict[str, Any] | None, redactor: SectionRedactor | None) -> dict[str, Any] | None:
    """The manifest's redaction record with this ingest's counts added to the earlier ones."""
    if record is None or redactor is None:
        return None
    counts = dict(record.get("counts", {}))
    for entity, n in redactor.counts().items():
        counts[entity] = counts.get(entity, 0) + n
    return {**record, "counts": dict(sorted(counts.items()))}
