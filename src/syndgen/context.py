"""The run context and the task a seed becomes: frozen data, no behaviour.

:class:`RunContext` holds what processing a seed needs (config, prompts, backends, verifiers,
retriever, example rows, topics, the duplicate index). It is built once per session by
:func:`syndgen.runner.build.build_context` and never changed afterwards; a later fact (the
run's stored topics) makes a new context with :func:`dataclasses.replace`.

A record kind turns a seed into an :class:`AnswerTask`: the question, the messages that ask for
the answer, how an attempt is written (:class:`Writer`) and the ordered list of checks it must
pass (:data:`Check`). The one answer loop (:mod:`syndgen.steps.answer`) runs every kind's task,
so voting, regeneration and the student gate work the same for all of them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from syndgen.backends.base import Backend
from syndgen.config import RunConfig
from syndgen.prompts import PromptSet
from syndgen.records import Attempt, AttemptRole, Message, Passage, Question, Rejection, Verdict
from syndgen.shapes import ShapeRequest
from syndgen.text.duplicate_index import DuplicateIndex
from syndgen.verify.result import VerifierResult

if TYPE_CHECKING:
    from syndgen.privacy.stage import PiiStage

Verifier = Callable[[Mapping[str, Any], Mapping[str, Any]], VerifierResult]
Filter = Callable[[Attempt, RunConfig], "tuple[str, str] | None"]
"""A cheap check of an attempt: ``(reason, detail)`` when it fails, else None."""


@dataclass(frozen=True)
class BoundVerifier:
    """A verifier with the params the config gave it."""

    name: str
    fn: Verifier
    params: Mapping[str, Any]


class Hit(Protocol):
    """One retrieved chunk with its fused score."""

    @property
    def chunk(self) -> Any: ...

    @property
    def score(self) -> float: ...


class Retriever(Protocol):
    """Search over a document index (grounded records)."""

    @property
    def index(self) -> Any: ...

    def search(self, query: str, k: int = ...) -> Sequence[Any]: ...


@dataclass(frozen=True)
class RunContext:
    """Everything a seed's stages read; frozen, shared by every worker thread."""

    config: RunConfig
    prompts: PromptSet
    generator: Backend
    critic: Backend
    student: Backend | None = None
    topics: tuple[str, ...] = ()
    duplicates: DuplicateIndex = field(default_factory=DuplicateIndex.disabled)
    retriever: Retriever | None = None
    examples: tuple[dict[str, str], ...] = ()
    verifiers: tuple[BoundVerifier, ...] = ()
    filters: tuple[tuple[str, Filter], ...] = ()
    dp_rows: tuple[dict[str, str], ...] = ()
    """``task.dp_seed``: synthetic attribute rows; seed ``i`` takes row ``i`` modulo their number."""
    pii: PiiStage | None = None
    """``privacy.pii``: the redactor every outcome passes before it is stored (it counts what it
    finds, the one mutable part of a context); None when redaction is off."""
    leakage: Any = None
    """The leakage gate (:class:`syndgen.privacy.leakage_gate.LeakageGate`) when the run checks."""

    @property
    def backends(self) -> list[Backend]:
        """Each distinct backend once (one loaded model may serve several roles)."""
        return list({id(b): b for b in (self.generator, self.critic, self.student) if b}.values())

    @property
    def critic_follow_up(self) -> bool:
        """Does the critic grade as a next turn of the answer's conversation?"""
        mode = self.config.quality.critic_context
        return mode == "follow_up" or (mode == "auto" and self.critic is self.generator)


def never_known(_key: str) -> bool:
    return False


def no_duplicate(_text: str) -> tuple[str, str] | None:
    return None


@dataclass(frozen=True)
class SeedContext:
    """What a seed may know about the rest of the run: only seeds committed before it started.

    ``known_question(key)`` says whether an accepted sample already has this normalised
    question; ``duplicate(text)`` returns ``(reason, detail)`` when the record text repeats an
    accepted one (exact, near or semantic), else None.
    """

    known_question: Callable[[str], bool] = never_known
    duplicate: Callable[[str], tuple[str, str] | None] = no_duplicate


@dataclass(frozen=True)
class CriticAsk:
    """How the critic is asked about one kind of record."""

    template: str = "critic"
    flags: tuple[str, ...] = ()
    variables: dict[str, Any] = field(default_factory=dict)
    flag_reason: str = "flag_failed"


@dataclass(frozen=True)
class Assessment:
    """An attempt on its way through the checks: the first ``problem`` ends the way."""

    attempt: Attempt
    verdict: Verdict | None = None
    problem: Rejection | None = None
    support: dict[str, Any] = field(default_factory=dict)


class Writer(Protocol):
    """How a kind writes an attempt: the first one, and the regeneration that sees a critique."""

    def first(self, ctx: RunContext, task: AnswerTask, attempt_no: int) -> Attempt: ...

    def again(
        self,
        ctx: RunContext,
        task: AnswerTask,
        attempt_no: int,
        previous: Attempt,
        verdict: Verdict | None,
        critique: str,
    ) -> Attempt: ...


Check = Callable[[RunContext, SeedContext, "AnswerTask", Assessment], Assessment]
"""One check of an attempt; it returns the assessment with a ``problem`` set when it fails."""


@dataclass(frozen=True)
class AnswerTask:
    """What the answer loop needs to answer one question for one seed."""

    seed_index: int
    question: Question
    messages: tuple[Message, ...]
    writer: Writer
    checks: tuple[Check, ...]
    ask: CriticAsk = field(default_factory=CriticAsk)
    passages: tuple[Passage, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)
    role: AttemptRole = "answer"
    """The role of this task's first attempts: ``answer``, or ``rewrite`` for a rewritten question."""
    shape: ShapeRequest | None = None
    """The shape every answer must take (a code block, a marked final line, a citation)."""
