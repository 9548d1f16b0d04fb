"""Run configuration: one YAML file validated strictly by pydantic, plus CLI overrides.

Unknown or misspelt keys are errors that name the key and suggest the closest valid one. The
config hash covers what changes the generated data (models, prompts, task, seed) and leaves out
what does not (the sample count, the attempt cap, export and validation settings, API keys), so a run can be
resumed or extended with a larger ``--count``.
"""

from __future__ import annotations

import hashlib
import json
import types
import typing
from collections.abc import Callable
from difflib import get_close_matches
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    model_validator,
)

from syndgen.backends import dryrun, llamacpp, ollama, openai_compat
from syndgen.backends.registry import backend_module, backend_names
from syndgen.config_executor import ExecutorConfig
from syndgen.config_privacy import PrivacyConfig
from syndgen.config_sections import (
    AxisConfig,
    CoverageConfig,
    DedupConfig,
    DpSeedConfig,
    ExamplesConfig,
    GroundingConfig,
    StrictBool,
    StrictInt,
    TopicExpansionConfig,
    ValidationConfig,
    VerifierSpec,
    VotingConfig,
)
from syndgen.export.registry import exporter_names
from syndgen.kinds.registry import kind_names

DEMO_TOPICS = (
    "arithmetic word problems",
    "unit conversion",
    "basic probability",
    "everyday physics",
    "logic puzzles",
    "calendar and time reasoning",
    "percentages and discounts",
    "geometry of simple shapes",
    "rates and speed",
    "comparing quantities",
)


def _default_backend(value: Any) -> Any:
    if isinstance(value, dict) and "backend" not in value:
        return {**value, "backend": "llamacpp"}
    return value


def _model_config_union() -> Any:
    """The model-config type: one ``Config`` class per registered backend, by ``backend`` tag."""
    classes = tuple(backend_module(name).Config for name in backend_names())
    union = classes[0] if len(classes) == 1 else typing.Union[classes]  # noqa: UP007 - built at run time
    return Annotated[union, BeforeValidator(_default_backend), Field(discriminator="backend")]


if TYPE_CHECKING:
    AnyModelConfig = llamacpp.Config | ollama.Config | openai_compat.Config | dryrun.Config
    ModelConfig = AnyModelConfig
else:
    AnyModelConfig = Any
    ModelConfig = _model_config_union()


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _one_of(what: str, names: Callable[[], list[str]]) -> Any:
    """A validator: the value must be one of ``names()`` (a registry's, plugins included)."""

    def check(value: str) -> str:
        known = names()
        if value not in known:
            close = get_close_matches(value, known, n=1)
            hint = f"did you mean '{close[0]}'?" if close else f"choose one of {', '.join(known)}"
            raise ValueError(f"unknown {what} '{value}' ({hint})")
        return value

    return AfterValidator(check)


KindName = Annotated[str, _one_of("task.kind", kind_names)]
ExportFormat = Annotated[str, _one_of("export format", exporter_names)]


def _check_taxonomy(node: Any, path: str = "task.topics") -> None:
    """A taxonomy is a mapping of names to sub-taxonomies or lists of topic strings."""
    if isinstance(node, list):
        if not node or not all(isinstance(t, str) and t.strip() for t in node):
            raise ValueError(f"{path} must be a non-empty list of topic names")
        return
    if not isinstance(node, dict) or not node:
        raise ValueError(f"{path} must be a list of topics or a mapping of names to topics")
    for key, child in node.items():
        _check_taxonomy(child, f"{path}.{key}")


class TaskConfig(_Strict):
    """What a record is and what it is about."""

    kind: KindName = Field(
        default="qa",
        description="qa | conversation (multi-turn) | math | code (program-checked) | grounded "
        "(documents) | structured (JSON records of a schema), or a kind a plugin adds",
    )
    topics: list[str] | dict[str, Any] = Field(
        default=list(DEMO_TOPICS), description="a list, or a taxonomy: nested mappings of lists"
    )
    axes: list[AxisConfig] = Field(default_factory=list, description="attribute axes with even quotas")
    examples: ExamplesConfig | None = Field(
        default=None, description="qa: a file of example records shown as few-shot exemplars"
    )
    expand_topics: TopicExpansionConfig | None = Field(
        default=None, description="qa/conversation: let the generator propose subtopics of a root"
    )
    dp_seed: DpSeedConfig | None = Field(
        default=None,
        description="attributes for each record from a DP synthesizer fit on real seed records: "
        "the generator sees one synthetic row, never a real one",
    )
    turns: tuple[StrictInt, StrictInt] = Field(
        default=(3, 5), description="conversation: exchanges, [min, max]"
    )
    pattern_check: Literal["critic", "embedding", "any"] = Field(
        default="critic",
        description="conversation: who decides a pattern was applied: the critic (yes/no), the "
        "embedding similarity of the user turn to the pattern's description, or either",
    )
    pattern_similarity: float = Field(
        default=0.25,
        ge=-1,
        le=1,
        description="conversation: cosine similarity of turn and pattern description the embedding "
        "check needs",
    )
    trim_truncated: StrictBool = Field(
        default=False,
        description="conversation: a turn cut by max_tokens is trimmed to its last full sentence",
    )
    difficulty: tuple[StrictInt, StrictInt] = Field(
        default=(1, 3), description="math/code: difficulty levels used, [min, max] within 1..3"
    )
    system_prompt: str | None = Field(default=None, description="system message for the answer")
    record_schema: dict[str, Any] | str | None = Field(
        default=None,
        description="structured: the JSON Schema each record must conform to (a mapping, a .json "
        "file, or a pydantic model 'package.module:Model'); its 'examples' are few-shot records",
    )
    instructions: str | None = Field(
        default=None, description="structured: what a record is, as the generator is told"
    )
    question_max_tokens: StrictInt = Field(
        default=96, ge=8, description="cap on the tokens of a generated question (or user turn)"
    )
    require_question_mark: StrictBool = Field(
        default=True, description="reject a generated question that does not contain '?'"
    )
    min_answer_chars: StrictInt = Field(
        default=8, ge=1, description="shorter answers are rejected (too_short)"
    )
    max_answer_chars: StrictInt = Field(
        default=6000, ge=16, description="longer answers are rejected (too_long)"
    )
    force_reasoning: StrictBool = Field(
        default=True, description="constrain output to <think>...</think> where the backend can"
    )
    max_reasoning_tokens: StrictInt | None = Field(
        default=1024, ge=1, description="a longer trace is stopped and rejected (reasoning_too_long)"
    )

    @model_validator(mode="after")
    def _check(self) -> TaskConfig:
        _check_taxonomy(self.topics)
        low, high = self.turns
        if not 1 <= low <= high <= 12:
            raise ValueError("task.turns must be [min, max] with 1 <= min <= max <= 12")
        if not 1 <= self.difficulty[0] <= self.difficulty[1] <= 3:
            raise ValueError("task.difficulty must be [min, max] within 1..3")
        names = [a.name for a in self.axes]
        if len(set(names)) != len(names) or "topic" in names:
            raise ValueError("task.axes: names must be distinct and not 'topic'")
        if self.kind == "structured" and self.record_schema is None:
            raise ValueError(
                "task.kind 'structured' needs task.record_schema (a JSON schema or pkg.mod:Model)"
            )
        clash = set(self.dp_seed.columns if self.dp_seed else ()) & {*names, "topic"}
        if clash:
            raise ValueError(f"task.dp_seed.columns: {sorted(clash)[0]!r} is also an axis name (or 'topic')")
        return self


class QualityConfig(_Strict):
    """What decides that a record is kept."""

    threshold: StrictInt = Field(default=4, ge=1, le=5, description="lowest critic score kept")
    critic: Literal["auto", "always", "never"] = Field(
        default="auto", description="auto: the critic judges unless a verifier already checked the answer"
    )
    critic_context: Literal["auto", "follow_up", "separate"] = Field(
        default="auto",
        description="follow_up: the critic grades as a next turn of the answer's conversation (its "
        "cache is reused, nothing is read twice); separate: a fresh judge prompt with anchored "
        "examples; auto: follow_up when the critic is the generator's model",
    )
    regenerate: StrictBool = Field(default=True, description="one retry that sees the critique")
    require_reasoning: StrictBool = Field(default=True, description="reject answers with no trace")
    filters: list[str] = Field(
        default_factory=list,
        description="your own cheap filters, 'package.module:function' taking (attempt, config) and "
        "returning (reason, detail) to reject or None to pass; they run after the built-in ones",
    )


class ExportConfig(_Strict):
    """What a run writes under data/ when it ends."""

    formats: list[ExportFormat] = Field(
        default=["sft", "dpo"],
        description="sft | dpo | openai | anthropic | table (one column per record field), or a "
        "plugin's format",
    )
    to: list[Literal["jsonl", "parquet", "csv"]] = Field(
        default=["jsonl", "parquet"], description="file formats (csv: best for the flat table)"
    )
    reasoning: Literal["inline", "strip", "field"] = Field(
        default="inline", description="SFT: keep the trace in <think>, drop it, or own column"
    )
    system_prompt: str | None = Field(default=None, description="system message in SFT rows")


class StudentConfig(_Strict):
    """The difficulty gate: a student model answers each kept question ``n`` times."""

    model: ModelConfig | None = Field(
        default=None, description="a model config like 'generator' (default: the generator)"
    )
    n: StrictInt = Field(default=4, ge=1, le=64, description="tries per kept question")
    too_easy: float = Field(default=0.75, ge=0, le=1, description="pass rate >= this: too_easy")
    too_hard: float = Field(default=0.0, ge=0, le=1, description="pass rate <= this: too_hard")
    rewrite: StrictBool = Field(
        default=False, description="rewrite too-easy/too-hard questions and gate again"
    )
    max_tokens: StrictInt = Field(default=256, ge=16, description="cap on each student answer's tokens")

    @model_validator(mode="after")
    def _order(self) -> StudentConfig:
        if self.too_hard >= self.too_easy:
            raise ValueError("student.too_hard must be below student.too_easy")
        return self


class RunConfig(_Strict):
    """A run: what to generate, with which models, how it is checked and exported."""

    count: StrictInt = Field(default=20, ge=1, description="accepted samples wanted")
    seed: StrictInt = Field(default=0, ge=0, description="random seed: the same seed gives the same data")
    max_attempts: StrictInt | None = Field(
        default=None, ge=1, description="cap on answer attempts (default: attempts_per_sample x count)"
    )
    attempts_per_sample: StrictInt = Field(
        default=8, ge=1, description="the attempt cap per sample wanted, when max_attempts is not set"
    )
    workers: StrictInt | None = Field(
        default=None,
        ge=1,
        le=1024,
        description="seeds in flight (default: what the generator serves at once)",
    )
    task: TaskConfig = Field(default=TaskConfig(), description="what a record is and what it is about")
    generator: ModelConfig = Field(
        default=llamacpp.Config(), description="the model that writes questions and answers"
    )
    critic: ModelConfig | None = Field(
        default=None, description="the model that grades (default: the generator at temperature 0)"
    )
    quality: QualityConfig = Field(default=QualityConfig(), description="what decides a record is kept")
    dedup: DedupConfig = Field(default=DedupConfig(), description="duplicate detection before the critic")
    coverage: CoverageConfig = Field(default=CoverageConfig(), description="even quotas per axis value")
    verifiers: list[VerifierSpec] = Field(
        default_factory=list, description="programmatic checks; math/code tasks add their own"
    )
    voting: VotingConfig = Field(default=VotingConfig(), description="majority voting over k answers")
    student: StudentConfig | None = Field(default=None, description="the difficulty gate; null: off")
    grounding: GroundingConfig = Field(default=GroundingConfig(), description="grounded runs: the documents")
    prompts: dict[str, str] = Field(
        default_factory=dict, description="template name -> path of a .jinja file overriding it"
    )
    export: ExportConfig = Field(default=ExportConfig(), description="what a run writes when it ends")
    validation: ValidationConfig = Field(
        default=ValidationConfig(), description="compare the exported data with real data (syndgen validate)"
    )
    privacy: PrivacyConfig = Field(
        default=PrivacyConfig(), description="PII redaction, leakage and decontamination checks"
    )
    executor: ExecutorConfig = Field(
        default=ExecutorConfig(), description="where seeds run: this process, or a Ray cluster"
    )

    @property
    def attempt_cap(self) -> int:
        return self.max_attempts or self.attempts_per_sample * self.count

    @property
    def critic_model(self) -> AnyModelConfig:
        if self.critic is not None:
            return self.critic
        return self.generator.model_copy(update={"temperature": 0.0, "max_tokens": 160})

    def config_hash(self) -> str:
        data = self.public_dict()
        for key in (
            "count",
            "max_attempts",
            "attempts_per_sample",
            "workers",
            "export",
            "validation",
            "executor",
        ):
            data.pop(key, None)
        if self.privacy == PrivacyConfig():
            data.pop("privacy", None)
        for side in ("generator", "critic"):
            if isinstance(data.get(side), dict):
                data[side].pop("timeout_s", None)
                data[side].pop("max_retries", None)
        data["prompt_texts"] = {
            name: Path(path).read_text(encoding="utf-8") if Path(path).is_file() else path
            for name, path in sorted(self.prompts.items())
        }
        blob = json.dumps(data, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(blob.encode()).hexdigest()[:16]

    def public_dict(self) -> dict[str, Any]:
        """The config as plain data with every secret removed."""
        data = self.model_dump(mode="json")
        for side in ("generator", "critic"):
            if isinstance(data.get(side), dict):
                data[side].pop("api_key", None)
        return data


# --------------------------------------------------------------------------- loading


def models_in(annotation: Any) -> list[type[BaseModel]]:
    """The config classes an annotation refers to (through unions, Annotated and containers)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    found: list[type[BaseModel]] = []
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return models_in(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType) or origin is not None:
        for arg in typing.get_args(annotation):
            found.extend(models_in(arg))
    return found
