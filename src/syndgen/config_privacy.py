"""The ``privacy:`` config section: PII redaction, leakage and decontamination checks.

Every field defaults to off, and a run whose privacy section is the default keeps the config
hash it had before the section existed, so older runs resume unchanged.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from syndgen.config_sections import StrictBool, _Strict
from syndgen.privacy.entities import ALL_TYPES, check_entities

PiiMode = Literal["mask", "pseudonymise", "drop", "report"]


class PiiApplyConfig(_Strict):
    """Where PII redaction applies when ``privacy.pii.enabled`` is on."""

    examples: StrictBool = Field(
        default=True, description="seed example files, when the run context is built"
    )
    taxonomy: StrictBool = Field(default=True, description="the topics (a list or a taxonomy)")
    documents: StrictBool = Field(
        default=True,
        description="grounded runs: the index must have been redacted by `syndgen ingest --config` "
        "with this section (retrieval and prompts then never see raw values)",
    )
    samples: StrictBool = Field(
        default=True, description="every generated record (all its attempts) before it is stored"
    )


class PiiConfig(_Strict):
    """PII detection (Presidio + spaCy, the ``privacy`` extra) and what is done with it."""

    enabled: StrictBool = Field(default=False, description="detect and redact PII")
    mode: PiiMode = Field(
        default="mask",
        description="mask (<PERSON>) | pseudonymise (consistent, type-preserving surrogates from a "
        "keyed hash) | drop (the record is rejected with reason pii) | report (count only)",
    )
    entities: tuple[str, ...] = Field(
        default=ALL_TYPES, description=f"entity types detected: {', '.join(ALL_TYPES)}"
    )
    score_threshold: float = Field(
        default=0.5, ge=0, le=1, description="the lowest recognizer score that counts as PII"
    )
    apply: PiiApplyConfig = Field(default=PiiApplyConfig(), description="where redaction applies")
    key_file: str | None = Field(
        default=None,
        description="pseudonymise: the secret key file (created on first use; default "
        "$XDG_CONFIG_HOME/syndgen/pii.key); it must lie outside the run folder",
    )

    @field_validator("entities", mode="before")
    @classmethod
    def _known(cls, value: object) -> object:
        if isinstance(value, str):
            value = [part for part in value.split(",") if part.strip()]
        if isinstance(value, list | tuple):
            return check_entities(str(v) for v in value)
        return value


class PrivacyConfig(_Strict):
    """What a run does to keep seed data private."""

    pii: PiiConfig = Field(default=PiiConfig(), description="PII detection and redaction")
