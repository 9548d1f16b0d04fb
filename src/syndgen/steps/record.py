"""One seed, start to end: question, attempt, cheap filters, critic, one regeneration.

:func:`process_seed` is a pure function of the seed and the engine (the backends are its only
I/O), so seeds can be processed in any order or in parallel and a resumed run reproduces the
same outcome for the same seed.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from syndgen.backends.base import Backend
from syndgen.backends.registry import create_backend
from syndgen.config import RunConfig
from syndgen.errors import BackendError
from syndgen.prompts import PromptSet
from syndgen.records import Attempt, Rejection, Sample, Seed, SeedOutcome, Verdict
from syndgen.steps.critic import judge
from syndgen.steps.filters import check_attempt
from syndgen.steps.generate import answer_messages, generate_attempt, regenerate_messages
from syndgen.steps.question import make_question, normalise

MIN_QUESTION_CHARS = 10


@dataclass
class Engine:
    """What processing a seed needs: the config, the prompts and the two backends."""

    config: RunConfig
    prompts: PromptSet
    generator: Backend
    critic: Backend

    @classmethod
    def build(cls, config: RunConfig) -> Engine:
        prompts = PromptSet(config.prompts)
        generator = create_backend(config.generator)
        critic_cfg = config.critic_model
        # One loaded model serves both roles when they name the same model.
        same = _same_model(config.generator, critic_cfg)
        critic = generator if same else create_backend(critic_cfg)
        return cls(config=config, prompts=prompts, generator=generator, critic=critic)

    def close(self) -> None:
        self.generator.close()
        if self.critic is not self.generator:
            self.critic.close()


_SAMPLING = {"temperature", "top_p", "max_tokens", "timeout_s", "max_retries"}


def _same_model(a: object, b: object) -> bool:
    dump_a = a.model_dump(exclude=_SAMPLING)  # type: ignore[attr-defined]
    dump_b = b.model_dump(exclude=_SAMPLING)  # type: ignore[attr-defined]
    return bool(dump_a == dump_b)


def process_seed(
    seed: Seed, engine: Engine, is_known_question: Callable[[str], bool] = lambda _: False
) -> SeedOutcome:
    started = time.perf_counter()
    cfg = engine.config
    attempts: list[Attempt] = []
    verdicts: list[Verdict] = []
    rejections: list[Rejection] = []
    sample: Sample | None = None
    question = None

    def outcome() -> SeedOutcome:
        return SeedOutcome(
            seed=seed,
            question=question,
            attempts=tuple(attempts),
            verdicts=tuple(verdicts),
            rejections=tuple(rejections),
            sample=sample,
            elapsed_s=time.perf_counter() - started,
        )

    try:
        question = make_question(
            seed,
            prompts=engine.prompts,
            backend=engine.generator,
            settings=cfg.generator,
            run_seed=cfg.seed,
            max_tokens=cfg.task.question_max_tokens,
        )
        if len(question.text) < MIN_QUESTION_CHARS:
            reason = "empty_question" if not question.text else "question_too_short"
            rejections.append(
                Rejection(
                    seed_index=seed.index,
                    stage="question",
                    reason=reason,
                    detail=f"question text {question.text!r} has under {MIN_QUESTION_CHARS} characters",
                )
            )
            return outcome()
        if cfg.task.require_question_mark and "?" not in question.text:
            rejections.append(
                Rejection(
                    seed_index=seed.index,
                    stage="question",
                    reason="not_a_question",
                    detail=f"no '?' in {question.text[:200]!r}",
                )
            )
            return outcome()
        if is_known_question(normalise(question.text)):
            rejections.append(
                Rejection(
                    seed_index=seed.index,
                    stage="question",
                    reason="duplicate_question",
                    detail="the same question was already accepted",
                )
            )
            return outcome()
        messages = answer_messages(engine.prompts, question.text, cfg.task.system_prompt)
        max_attempts = 2 if cfg.quality.regenerate else 1
        for attempt_no in range(1, max_attempts + 1):
            attempt = generate_attempt(
                seed.index,
                attempt_no,
                messages,
                backend=engine.generator,
                settings=cfg.generator,
                run_seed=cfg.seed,
                force_reasoning=cfg.task.force_reasoning,
                max_reasoning_tokens=cfg.task.max_reasoning_tokens,
            )
            attempts.append(attempt)
            verdict, problem = _assess(attempt, question.text, engine)
            if verdict is not None:
                verdicts.append(verdict)
            if problem is None and verdict is not None:
                sample = Sample(seed=seed, question=question, attempt=attempt, verdict=verdict)
                break
            assert problem is not None
            rejections.append(problem)
            if attempt_no < max_attempts:
                critique = verdict.rationale if verdict and verdict.score else problem.detail
                messages = regenerate_messages(
                    engine.prompts,
                    question.text,
                    cfg.task.system_prompt,
                    attempt,
                    verdict,
                    critique,
                )
    except BackendError as exc:
        if not exc.record_level:
            raise
        rejections.append(
            Rejection(
                seed_index=seed.index,
                attempt_no=len(attempts) or None,
                stage="backend",
                reason="backend_error",
                detail=str(exc)[:500],
            )
        )
    return outcome()


def _assess(attempt: Attempt, question: str, engine: Engine) -> tuple[Verdict | None, Rejection | None]:
    """Cheap filters first, then the critic. Returns the verdict (if judged) and the problem."""
    cfg = engine.config
    failed = check_attempt(attempt, cfg.task, cfg.quality)
    if failed is not None:
        reason, detail = failed
        return None, Rejection(
            seed_index=attempt.seed_index,
            attempt_no=attempt.attempt_no,
            stage="filter",
            reason=reason,
            detail=detail,
        )
    verdict = judge(
        attempt,
        question,
        prompts=engine.prompts,
        backend=engine.critic,
        settings=cfg.critic_model,
        run_seed=cfg.seed,
    )
    if verdict.score is None:
        return verdict, Rejection(
            seed_index=attempt.seed_index,
            attempt_no=attempt.attempt_no,
            stage="critic",
            reason="unparseable_verdict",
            detail=verdict.rationale[:500],
        )
    if verdict.score < cfg.quality.threshold:
        return verdict, Rejection(
            seed_index=attempt.seed_index,
            attempt_no=attempt.attempt_no,
            stage="critic",
            reason="low_score",
            detail=f"score {verdict.score} < {cfg.quality.threshold}: {verdict.rationale}"[:500],
        )
    return verdict, None
