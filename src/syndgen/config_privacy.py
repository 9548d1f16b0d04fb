"""The ``privacy:`` config section: PII redaction, leakage and decontamination checks.

Every field defaults to off, and a run whose privacy section is the default keeps the config
hash it had before the section existed, so older runs resume unchanged.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from syndgen.config_sections import StrictBool, StrictInt, _Strict
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


LeakageSource = Literal["examples", "documents"]
ALL_SOURCES: tuple[LeakageSource, ...] = ("examples", "documents")


class LeakageConfig(_Strict):
    """Compare each record with the run's sources before it is stored (see the README's Privacy
    section). A measure set to null is not checked; a record over any checked threshold leaks."""

    enabled: StrictBool = Field(default=False, description="check every record before it is stored")
    action: Literal["reject", "flag"] = Field(
        default="reject",
        description="reject: the record is rejected (reason leak or contaminated); flag: kept and listed",
    )
    sources: list[LeakageSource] = Field(
        default_factory=lambda: list(ALL_SOURCES),
        description="what a record is compared with: the seed examples, the grounding index's chunks",
    )
    references: list[str] = Field(
        default_factory=list,
        description="more files a record must not copy (JSONL, CSV, Parquet, .txt/.md paragraphs)",
    )
    span_tokens: StrictInt | None = Field(
        default=50, ge=8, le=100_000, description="a run of this many tokens shared with a source leaks"
    )
    ngram: StrictInt = Field(
        default=13, ge=5, le=50, description="n of the n-gram overlap (13: benchmark style)"
    )
    ngram_overlap: float | None = Field(
        default=0.5, gt=0, le=1, description="this share of a record's n-grams found in one source leaks"
    )
    minhash_jaccard: float | None = Field(
        default=0.8, gt=0, le=1, description="this character 5-gram Jaccard with a source (MinHash LSH) leaks"
    )
    embedding_distance: float | None = Field(
        default=None,
        gt=0,
        le=1,
        description="a cosine distance to the closest source below this leaks (null: off; costs embeddings)",
    )
    embedder: str = Field(default="minilm", description="'minilm' or a local sentence-transformers folder")
    contamination_ngrams: StrictInt = Field(
        default=1,
        ge=1,
        le=1000,
        description="shared n-grams with one evaluation item that make a record contaminated",
    )

    @model_validator(mode="after")
    def _some_measure(self) -> LeakageConfig:
        measures = (self.span_tokens, self.ngram_overlap, self.minhash_jaccard, self.embedding_distance)
        if self.enabled and all(m is None for m in measures):
            raise ValueError("leakage is enabled but every measure is null; set at least one threshold")
        return self


class PrivacyConfig(_Strict):
    """What a run does to keep seed data private."""

    pii: PiiConfig = Field(default=PiiConfig(), description="PII detection and redaction")
    leakage: LeakageConfig = Field(
        default=LeakageConfig(), description="leakage checks of each record against the run's sources"
    )
    decontaminate: list[str] = Field(
        default_factory=list,
        description="evaluation sets (JSONL, CSV, Parquet, text); a record overlapping one is contaminated",
    )

    @property
    def checks_leakage(self) -> bool:
        return self.leakage.enabled or bool(self.decontaminate)
