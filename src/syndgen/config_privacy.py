"""The ``privacy:`` config section: PII redaction, leakage and decontamination checks.

Every field defaults to off, and a run whose privacy section is the default keeps the config
hash it had before the section existed, so older runs resume unchanged.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from syndgen.config_sections import StrictBool, StrictInt, _Strict

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
