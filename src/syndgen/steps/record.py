"""One seed, start to end, for every record kind; and the :class:`Engine` the steps share.

:func:`process_seed` is a pure function of the seed, the engine and what the seed may know of
earlier seeds (:class:`SeedContext`); the backends are its only I/O. Seeds can therefore be
processed in any order or in parallel, and a resumed run reproduces the same outcome for the
same seed. Each record kind is one module with a ``run(seed, engine, ctx)`` function.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from syndgen.backends.base import Backend
from syndgen.backends.registry import create_backend
from syndgen.config import RunConfig
from syndgen.errors import BackendError
from syndgen.prompts import PromptSet
from syndgen.records import Check, Passage, Rejection, Seed, SeedOutcome
from syndgen.steps.common import SeedContext
from syndgen.steps.duplicates import DuplicateIndex

_SAMPLING = {"temperature", "top_p", "max_tokens", "timeout_s", "max_retries"}


def _same_model(a: object, b: object) -> bool:
    dump_a = a.model_dump(exclude=_SAMPLING)  # type: ignore[attr-defined]
    dump_b = b.model_dump(exclude=_SAMPLING)  # type: ignore[attr-defined]
    return bool(dump_a == dump_b)


@dataclass
class Engine:
    """What processing a seed needs: the config, prompts, backends and shared indexes."""

    config: RunConfig
    prompts: PromptSet
    generator: Backend
    critic: Backend
    topics: list[str] = field(default_factory=list)
    duplicates: DuplicateIndex = field(default_factory=DuplicateIndex.disabled)
    student: Backend | None = None
    retriever: Any = None
    examples: list[dict[str, str]] = field(default_factory=list)
    _verifiers: list[tuple[str, Callable[..., Any], dict[str, Any]]] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.topics:
            from syndgen.steps import kinds

            self.topics = kinds.default_topics(self.config)

    @classmethod
    def build(cls, config: RunConfig, topics: list[str] | None = None) -> Engine:
        from syndgen.steps import kinds

        prompts = PromptSet(config.prompts)
        generator = create_backend(config.generator)
        critic_cfg = config.critic_model
        # One loaded model serves both roles when they name the same model.
        critic = generator if _same_model(config.generator, critic_cfg) else create_backend(critic_cfg)
        student = None
        if config.student is not None:
            student_cfg = config.student.model or config.generator
            student = generator if _same_model(config.generator, student_cfg) else create_backend(student_cfg)
        engine = cls(
            config=config,
            prompts=prompts,
            generator=generator,
            critic=critic,
            topics=topics or [],
            duplicates=DuplicateIndex.from_config(config.dedup),
            student=student,
        )
        kinds.prepare(engine)
        return engine

    def _backends(self) -> list[Backend]:
        return list({id(b): b for b in (self.generator, self.critic, self.student) if b}.values())

    def close(self) -> None:
        for backend in self._backends():
            backend.close()

    def cancel_requests(self) -> None:
        """Drop the requests in flight where a backend can (the embedded engine can)."""
        for backend in self._backends():
            cancel = getattr(backend, "cancel_all", None)
            if cancel is not None:
                cancel()

    def reopen_requests(self) -> None:
        for backend in self._backends():
            reopen = getattr(backend, "reopen", None)
            if reopen is not None:
                reopen()

    # ------------------------------------------------------------------ checks

    @property
    def critic_follow_up(self) -> bool:
        """Does the critic grade as a next turn of the answer's conversation?"""
        mode = self.config.quality.critic_context
        return mode == "follow_up" or (mode == "auto" and self.critic is self.generator)

    @property
    def attempts_per_seed(self) -> int:
        """The most answer attempts one seed can make (the attempt budget reserves this)."""
        regen = 1 if self.config.quality.regenerate else 0
        return self.config.voting.k + regen

    def add_verifier(self, name: str, fn: Callable[..., Any], params: dict[str, Any]) -> None:
        self._verifiers.append((name, fn, params))

    def run_verifiers(self, record: dict[str, Any]) -> list[Check]:
        if not self._verifiers:
            return []
        from syndgen.steps.assess import as_checks
        from syndgen.verify.registry import run_one

        return as_checks([run_one(name, fn, record, params) for name, fn, params in self._verifiers])

    def final_answer(self, text: str) -> str | None:
        from syndgen.verify.mathcheck import extract_final_answer

        return extract_final_answer(text, strict=True)

    def vote(self, answers: list[str]) -> Any:
        from syndgen.verify.voting import vote

        voting = self.config.voting
        embed = None
        if voting.method == "semantic":
            from syndgen.embed import get_embedder

            embed = get_embedder(self.config.dedup.embedder).encode
        judge = self._judge_equivalent if voting.method == "judge" else None
        return vote(answers, voting.method, embed=embed, judge=judge, threshold=voting.threshold)

    def _judge_equivalent(self, a: str, b: str) -> bool:
        from syndgen.steps.equivalence import judge_equivalent

        return judge_equivalent(self, a, b)

    def support_check(self, answer: str, passages: tuple[Passage, ...] | list[Passage]) -> dict[str, Any]:
        from syndgen.steps.grounded import support

        return support(self, answer, passages)


def record_text(outcome: SeedOutcome) -> str:
    """The text duplicate checks compare: question and answer, or the whole conversation."""
    sample = outcome.sample
    if sample is None:
        return ""
    turns = sample.attempt.turns
    if turns:
        return "\n".join(t.content for t in turns)
    return f"{sample.question.text}\n{sample.attempt.answer}"


def process_seed(seed: Seed, engine: Engine, ctx: SeedContext | None = None) -> SeedOutcome:
    """Run one seed through its record kind; a record-level backend error rejects only it."""
    from syndgen.steps import kinds

    ctx = ctx or SeedContext()
    run = kinds.RUNNERS[engine.config.task.kind]
    try:
        return run(seed, engine, ctx)
    except BackendError as exc:
        if not exc.record_level:
            raise
        rejection = Rejection(
            seed_index=seed.index, stage="backend", reason="backend_error", detail=str(exc)[:500]
        )
        return SeedOutcome(seed=seed, question=None, rejections=(rejection,))
