"""The redactor that ingest runs over a document's sections (``syndgen ingest --config``).

``mask`` and ``pseudonymise`` rewrite a section; ``drop`` leaves a section holding PII out of the
index; ``report`` only counts (and a run that redacts documents refuses such an index). What the
manifest records of it (:attr:`DocumentRedactor.info`) names no key, only its fingerprint.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from syndgen.config_privacy import PiiConfig
from syndgen.privacy.redact import Redactor
from syndgen.privacy.stage import index_redaction, make_redactor


@dataclass
class DocumentRedactor:
    redactor: Redactor
    info: dict[str, Any]

    def __call__(self, text: str) -> str | None:
        new, found = self.redactor.text(text)
        if found and self.redactor.mode == "drop":
            return None
        return new

    def counts(self) -> dict[str, int]:
        return dict(sorted(self.redactor.counts.items()))


def document_redactor(pii: PiiConfig) -> DocumentRedactor:
    redactor = make_redactor(pii)
    return DocumentRedactor(redactor, index_redaction(pii, redactor))
