"""Question/answer records: the generator writes a question for the seed, then answers it."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from syndgen.records import Question, Rejection, Seed, SeedOutcome
from syndgen.steps.common import SeedContext
from syndgen.steps.generate import answer_messages
from syndgen.steps.question import make_question, normalise
from syndgen.steps.single import AnswerTask, answer
from syndgen.steps.student import finish

if TYPE_CHECKING:
    from syndgen.steps.record import Engine

MIN_QUESTION_CHARS = 10


def question_problem(seed: Seed, question: Question, engine: Engine, ctx: SeedContext) -> Rejection | None:
    """Why a generated question cannot be used, or None (too short, not a question, repeated)."""
    text = question.text
    reason = detail = None
    if len(text) < MIN_QUESTION_CHARS:
        reason = "empty_question" if not text else "question_too_short"
        detail = f"question text {text!r} has under {MIN_QUESTION_CHARS} characters"
    elif engine.config.task.require_question_mark and "?" not in text:
        reason, detail = "not_a_question", f"no '?' in {text[:200]!r}"
    elif ctx.known_question(normalise(text)):
        reason, detail = "duplicate_question", "the same question was already accepted"
    if reason is None:
        return None
    return Rejection(seed_index=seed.index, stage="question", reason=reason, detail=detail or "")


def run(seed: Seed, engine: Engine, ctx: SeedContext) -> SeedOutcome:
    started = time.perf_counter()
    cfg = engine.config
    if cfg.task.examples is not None and engine.examples:
        from syndgen.seeds.examples import exemplars_for

        rows = exemplars_for(
            seed.index, min(cfg.task.examples.k, len(engine.examples)), len(engine.examples), cfg.seed
        )
        seed = seed.model_copy(update={"examples": tuple(rows)})
    question = make_question(
        seed,
        prompts=engine.prompts,
        backend=engine.generator,
        settings=cfg.generator,
        run_seed=cfg.seed,
        max_tokens=cfg.task.question_max_tokens,
        examples=[engine.examples[i] for i in seed.examples],
    )
    problem = question_problem(seed, question, engine, ctx)
    if problem is not None:
        return SeedOutcome(
            seed=seed, question=question, rejections=(problem,), elapsed_s=time.perf_counter() - started
        )
    task = AnswerTask(
        question=question, messages=answer_messages(engine.prompts, question.text, cfg.task.system_prompt)
    )
    return finish(seed, engine, ctx, task, answer(engine, ctx, task, seed.index), started)
