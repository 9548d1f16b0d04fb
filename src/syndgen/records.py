"""Immutable value types that flow through the pipeline.

A seed becomes a question, the question gets one or two attempts, each attempt gets a verdict,
and the seed ends as exactly one :class:`SeedOutcome`: an accepted :class:`Sample` or only
:class:`Rejection` records. Nothing is dropped silently; a rejected attempt is what DPO needs as
``rejected``.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Message(_Frozen):
    role: Literal["system", "user", "assistant"]
    content: str


class Usage(_Frozen):
    prompt_tokens: int = 0
    completion_tokens: int = 0

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            prompt_tokens=self.prompt_tokens + other.prompt_tokens,
            completion_tokens=self.completion_tokens + other.completion_tokens,
        )

    @property
    def total(self) -> int:
        return self.prompt_tokens + self.completion_tokens


class Seed(_Frozen):
    """One unit of the seed plan: what a record should be about."""

    index: int = Field(ge=0)
    topic: str
    variant: int = Field(default=1, ge=1, description="round over the topic list, 1-based")
    attributes: dict[str, str | list[str]] = Field(default_factory=dict)
    chunk_id: str | None = Field(default=None, description="grounded runs: the passage it starts from")
    examples: tuple[int, ...] = Field(default=(), description="rows of the example file shown")


ShapeOutcome = Literal["constrained", "parsed", "repaired", "failed"]
"""How a reply got its required shape (:mod:`syndgen.steps.shaped`): constrained by a grammar or
schema, read by the lenient parse, fixed by the one repair request, or still out of shape."""


class Question(_Frozen):
    """The instruction a seed turned into; the prompt side of SFT and DPO."""

    text: str
    model: str
    usage: Usage = Usage()
    latency_s: float = 0.0
    reference: str | None = Field(default=None, description="ground truth computed by the program")
    tests: str | None = Field(default=None, description="code tasks: the tests an answer must pass")
    shape: ShapeOutcome | None = Field(default=None, description="how the reply got its required shape")


class Turn(_Frozen):
    """One turn of a multi-turn conversation; assistant turns carry their own reasoning."""

    role: Literal["user", "assistant"]
    content: str
    reasoning: str = ""
    pattern: str | None = None


class Passage(_Frozen):
    """A retrieved chunk a grounded record was answered from."""

    chunk_id: str
    source: str
    page: int | None = None
    section: str | None = None
    text: str
    score: float


class Check(_Frozen):
    """The result of one programmatic verifier on one attempt."""

    name: str
    status: Literal["pass", "fail", "skipped"]
    detail: str = ""


AttemptRole = Literal["answer", "vote", "regenerate", "rewrite"]
"""Why an attempt was made: the first answer, one of a voting round's answers, the one
regeneration that saw the critique, or an answer to the student gate's rewritten question."""


class Attempt(_Frozen):
    """One generation of an answer, with its reasoning trace split out."""

    seed_index: int
    attempt_no: int = Field(ge=1)
    role: AttemptRole = "answer"
    messages: tuple[Message, ...]
    raw_text: str
    reasoning: str
    answer: str
    usage: Usage
    latency_s: float
    model: str
    finish_reason: str | None = None
    turns: tuple[Turn, ...] = Field(default=(), description="conversations: every turn, in order")
    checks: tuple[Check, ...] = ()
    final_answer: str | None = None
    shape: ShapeOutcome | None = None


class Verdict(_Frozen):
    """The critic's judgement of one attempt. ``score`` is None when it could not be parsed."""

    seed_index: int
    attempt_no: int
    score: int | None = Field(default=None, ge=1, le=5)
    rationale: str
    critic_model: str
    raw_text: str
    usage: Usage = Usage()
    latency_s: float = 0.0
    repaired: bool = False
    flags: dict[str, bool] = Field(
        default_factory=dict, description="yes/no checks asked with the score (pattern present, supported)"
    )

    @property
    def parsed(self) -> bool:
        return self.score is not None


class Rejection(_Frozen):
    seed_index: int
    attempt_no: int | None = None
    stage: Literal[
        "question",
        "filter",
        "critic",
        "backend",
        "dedup",
        "verify",
        "vote",
        "coverage",
        "grounding",
        "privacy",
        "review",
    ]
    reason: str
    detail: str = ""


class Sample(_Frozen):
    """An accepted record with its lineage: which seed, question, attempt and verdict."""

    seed: Seed
    question: Question
    attempt: Attempt
    verdict: Verdict | None = Field(description="None when verifiers alone decided")
    confidence: float | None = Field(default=None, description="majority-vote agreement ratio")
    difficulty: Literal["too_easy", "learnable", "too_hard"] | None = None
    pass_rate: float | None = Field(default=None, description="student pass@n rate")
    student_n: int | None = None
    context: tuple[Passage, ...] = ()
    support: dict[str, Any] = Field(default_factory=dict, description="grounded: the support check")
    rewritten_from: str | None = Field(default=None, description="the question before a rewrite")
    columns: dict[str, Any] = Field(
        default_factory=dict, description="a kind's own export columns (added after the common ones)"
    )

    @property
    def score(self) -> int | None:
        return self.verdict.score if self.verdict else None


class SeedOutcome(_Frozen):
    """Everything that happened to one seed; the store writes it in one transaction."""

    seed: Seed
    question: Question | None
    attempts: tuple[Attempt, ...] = ()
    verdicts: tuple[Verdict, ...] = ()
    rejections: tuple[Rejection, ...] = ()
    sample: Sample | None = None
    elapsed_s: float = 0.0
    extra_usage: Usage = Field(default=Usage(), description="student, voting and rewrite calls")

    @property
    def accepted(self) -> bool:
        return self.sample is not None

    @property
    def usage(self) -> Usage:
        total = self.extra_usage + (self.question.usage if self.question else Usage())
        for a in self.attempts:
            total = total + a.usage
        for v in self.verdicts:
            total = total + v.usage
        return total
