"""Question/answer records: the generator writes a question for the seed, then answers it.

The question must be long enough, contain a ``?`` (``task.require_question_mark``) and not
repeat an accepted one; the answer goes through the standard checks and the critic. Example
records (``task.examples``) are shown in the question prompt, rotated evenly; the student
gate's rewrite asks the generator for a harder or easier question.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from typing import ClassVar

from syndgen.backends.call import request_seed
from syndgen.context import AnswerTask, RunContext, SeedContext
from syndgen.kinds.base import KindBase
from syndgen.records import Question, Rejection, Seed, SeedOutcome
from syndgen.seeds.examples import exemplars_for
from syndgen.steps.answer import answer
from syndgen.steps.assess import STANDARD_CHECKS
from syndgen.steps.generate import PROMPT_WRITER, answer_messages
from syndgen.steps.question import ask_question, make_question
from syndgen.steps.student import finish
from syndgen.text.normalise import question_key

MIN_QUESTION_CHARS = 10


def question_problem(seed: Seed, question: Question, ctx: RunContext, seen: SeedContext) -> Rejection | None:
    """Why a generated question cannot be used, or None (too short, not a question, repeated)."""
    text = question.text
    reason = detail = None
    if question.shape == "failed":
        reason = "not_a_question" if text else "empty_question"
        detail = f"no question on one line ending with '?', even after one repair: {text[:200]!r}"
    elif len(text) < MIN_QUESTION_CHARS:
        reason = "empty_question" if not text else "question_too_short"
        detail = f"question text {text!r} has under {MIN_QUESTION_CHARS} characters"
    elif ctx.config.task.require_question_mark and "?" not in text:
        reason, detail = "not_a_question", f"no '?' in {text[:200]!r}"
    elif seen.known_question(question_key(text)):
        reason, detail = "duplicate_question", "the same question was already accepted"
    if reason is None:
        return None
    return Rejection(seed_index=seed.index, stage="question", reason=reason, detail=detail or "")


def rejected_question(seed: Seed, question: Question, problem: Rejection, started: float) -> SeedOutcome:
    return SeedOutcome(
        seed=seed, question=question, rejections=(problem,), elapsed_s=time.perf_counter() - started
    )


def rewrite_question(ctx: RunContext, seed: Seed, task: AnswerTask, harder: bool) -> AnswerTask | None:
    """The teacher rewrites the question harder (or easier); None when the rewrite is unusable."""
    cfg = ctx.config
    variables = {"question": task.question.text, "harder": harder}
    messages = ctx.prompts.render("rewrite", **variables)
    asked = ask_question(
        ctx.generator,
        cfg.generator,
        messages,
        request_seed(cfg.seed, seed.index, "rewrite"),
        cfg.task.question_max_tokens,
        prompts=ctx.prompts,
        prompt="rewrite",
        variables=variables,
    )
    text = asked.text
    if asked.shape == "failed" or len(text) < 10 or text == task.question.text:
        return None
    question = asked.model_copy(update={"model": "rewrite"})
    new_messages = tuple(
        m.model_copy(update={"content": m.content.replace(task.question.text, text)}) for m in task.messages
    )
    return replace(task, question=question, messages=new_messages)


@dataclass(frozen=True)
class QAKind(KindBase):
    name: ClassVar[str] = "qa"
    supports: ClassVar[frozenset[str]] = frozenset(
        {"voting", "student", "rewrite", "examples", "expand_topics"}
    )
    task_options: ClassVar[frozenset[str]] = frozenset(
        {"topics", "examples", "expand_topics", "question_max_tokens", "require_question_mark"}
    )

    def run(self, ctx: RunContext, seen: SeedContext, seed: Seed) -> SeedOutcome:
        started = time.perf_counter()
        cfg = ctx.config
        if cfg.task.examples is not None and ctx.examples:
            k = min(cfg.task.examples.k, len(ctx.examples))
            rows = exemplars_for(seed.index, k, len(ctx.examples), cfg.seed)
            seed = seed.model_copy(update={"examples": tuple(rows)})
        question = make_question(
            seed,
            prompts=ctx.prompts,
            backend=ctx.generator,
            settings=cfg.generator,
            run_seed=cfg.seed,
            max_tokens=cfg.task.question_max_tokens,
            examples=[ctx.examples[i] for i in seed.examples],
            shaped=cfg.task.require_question_mark,
        )
        problem = question_problem(seed, question, ctx, seen)
        if problem is not None:
            return rejected_question(seed, question, problem, started)
        task = AnswerTask(
            seed_index=seed.index,
            question=question,
            messages=answer_messages(ctx.prompts, question.text, cfg.task.system_prompt),
            writer=PROMPT_WRITER,
            checks=STANDARD_CHECKS,
        )
        return finish(ctx, seen, seed, task, answer(ctx, seen, task), started, self.rewrite)

    def rewrite(self, ctx: RunContext, seed: Seed, task: AnswerTask, harder: bool) -> AnswerTask | None:
        return rewrite_question(ctx, seed, task, harder)


KIND = QAKind()
