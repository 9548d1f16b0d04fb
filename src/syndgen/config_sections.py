"""Config sections beyond the core task: seed axes and examples, dedup, coverage, verifiers,
majority voting, the student gate and grounding. Each is strict (unknown keys are errors) and
has defaults that work with the embedded model, so a config only names what it changes.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic import StrictBool as StrictBool
from pydantic import StrictInt as StrictInt


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AxisConfig(_Strict):
    """An attribute axis of the seed plan, e.g. ``pattern`` with 10 values, 2-3 per record."""

    name: str = Field(
        min_length=1, pattern=r"^[A-Za-z_][A-Za-z0-9_]*$", description="the axis name, e.g. pattern"
    )
    values: list[str] = Field(min_length=1, description="the values it takes, each with an even quota")
    per_record: StrictInt | tuple[StrictInt, StrictInt] = Field(
        default=1, description="values applied to one record: a number, or [min, max] alternating"
    )
    descriptions: dict[str, str] = Field(
        default_factory=dict, description="value -> what it means, shown to the generator and critic"
    )
    openers: dict[str, str] = Field(
        default_factory=dict,
        description="conversation patterns: value -> the words a user turn applying it starts with "
        "(the model writes the rest; steers small models)",
    )

    @model_validator(mode="after")
    def _check(self) -> AxisConfig:
        if len(set(self.values)) != len(self.values):
            raise ValueError(f"axis {self.name!r} repeats a value")
        low, high = self.bounds
        if not 1 <= low <= high <= len(self.values):
            raise ValueError(
                f"axis {self.name!r}: per_record must be between 1 and the number of values "
                f"({len(self.values)})"
            )
        for what, mapping in (("descriptions", self.descriptions), ("openers", self.openers)):
            unknown = set(mapping) - set(self.values)
            if unknown:
                raise ValueError(f"axis {self.name!r}: {what} for unknown values {sorted(unknown)}")
        return self

    @property
    def bounds(self) -> tuple[int, int]:
        if isinstance(self.per_record, int):
            return self.per_record, self.per_record
        return self.per_record


class ExamplesConfig(_Strict):
    """A file of example records shown as few-shot exemplars, rotated evenly."""

    path: str = Field(description="a JSONL, CSV or Parquet file")
    fields: dict[str, str] = Field(
        default_factory=lambda: {"question": "question", "answer": "answer"},
        description="our field -> the file's column (question, answer)",
    )
    k: StrictInt = Field(default=2, ge=1, le=16, description="examples per prompt")


class DpSeedConfig(_Strict):
    """Each record's attributes from one row of a DP synthesizer fit on the seed records."""

    path: str = Field(description="the real seed records: a CSV or Parquet file")
    columns: list[str] = Field(
        min_length=1, description="its structured columns the DP model learns; only these reach the prompts"
    )
    epsilon: float = Field(ge=0.1, le=10, description="privacy loss epsilon of the fit, 0.1 to 10")
    delta: float | None = Field(
        default=None, ge=0, le=1e-3, description="delta (default 1e-6 when a category list is learnt, else 0)"
    )
    synthesizer: Literal["mst", "aim"] = Field(default="mst", description="OpenDP's MST or AIM")
    types: str | None = Field(
        default=None, description="a column types YAML (see syndgen tabular fit --schema)"
    )
    ledger: str | None = Field(
        default=None, description="the privacy budget ledger (default: the user's, see the README)"
    )

    @model_validator(mode="after")
    def _check(self) -> DpSeedConfig:
        if len(set(self.columns)) != len(self.columns):
            raise ValueError("task.dp_seed.columns repeats a column")
        return self


class TopicExpansionConfig(_Strict):
    """Let the model propose topics under a root subject; a topic memory keeps them distinct."""

    root: str = Field(min_length=1, description="the subject to propose subtopics of")
    count: StrictInt = Field(default=20, ge=1, le=500, description="topics wanted")
    max_rounds: StrictInt = Field(default=8, ge=1, description="model calls before giving up")


class DedupConfig(_Strict):
    exact: StrictBool = Field(default=True, description="normalised-hash exact duplicates")
    near_threshold: float | None = Field(
        default=0.8, gt=0, le=1, description="Jaccard similarity of word shingles (MinHash LSH)"
    )
    semantic_threshold: float | None = Field(
        default=0.95, gt=0, le=1, description="cosine similarity of sentence embeddings; null: off"
    )
    embedder: str = Field(default="minilm", description="'minilm' or a local sentence-transformers folder")


class CoverageConfig(_Strict):
    enforce: StrictBool = Field(
        default=True, description="plan seeds toward under-filled cells and cap each value at quota+1"
    )
    max_skew: float = Field(default=2.0, ge=1.0, description="max/min count per axis for the check")


class VerifierSpec(_Strict):
    name: str = Field(description="math, code, json, regex, exact, or package.module:function")
    params: dict[str, Any] = Field(default_factory=dict, description="what the verifier is given")


class VotingConfig(_Strict):
    k: StrictInt = Field(default=1, ge=1, le=16, description="answers per question; 1 turns voting off")
    method: Literal["exact", "numeric", "semantic", "judge"] = Field(
        default="numeric",
        description="how answers are compared: exact text, final number, embeddings, a judge",
    )
    min_agreement: float = Field(default=0.5, ge=0, le=1, description="lower is rejected (low_agreement)")
    threshold: float = Field(default=0.85, gt=0, le=1, description="semantic: cosine for one cluster")


class GroundingConfig(_Strict):
    index: str | None = Field(default=None, description="index folder built by `syndgen ingest`")
    top_k: StrictInt = Field(default=4, ge=1, le=32, description="passages retrieved per question")
    context: Literal["include", "exclude"] = Field(
        default="include", description="export the passages in the prompt (RAG SFT) or not (closed book)"
    )
    min_lexical: float = Field(default=0.5, ge=0, le=1, description="share of answer words in passages")
    min_dense: float | None = Field(default=0.35, ge=-1, le=1, description="answer-passage cosine")


class ValidationConfig(_Strict):
    """Validate the exported data against real data each time the run's card is written."""

    reference: str | None = Field(
        default=None,
        description="real data to compare with (JSONL, CSV, Parquet; relative to the working folder); "
        "the card then shows syndgen validate's scores and RUN/validation.html holds the report",
    )
    label_field: str | None = Field(
        default=None,
        description="the field both sides label rows with (topic in a run): utility, label shares",
    )
    text_field: str | None = Field(default=None, description="the reference's text field (default: text)")
