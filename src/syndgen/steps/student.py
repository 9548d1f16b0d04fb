"""The student gate: how hard is each kept question for the model being trained?

A student model (by default the generator itself) answers the question ``n`` times. An answer
passes when the record's verifiers pass on it; where the record has no verifier, when it agrees
with the accepted answer (same final number, or embeddings at least ``voting.threshold``
similar). The pass rate sorts the record into ``too_easy``, ``learnable`` or ``too_hard``.
With ``student.rewrite`` the teacher rewrites a too-easy question to be harder and a too-hard
one easier (math and code tasks draw a program-checked problem one level harder or easier);
the rewrite is answered, verified and gated again, and replaces the original only if it is
accepted.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any, Literal

from syndgen.backends.call import ask, request_seed
from syndgen.context import AnswerTask, RunContext, SeedContext
from syndgen.embed import get_embedder
from syndgen.reasoning import split_reasoning
from syndgen.records import Attempt, Rejection, Sample, Seed, SeedOutcome, Usage
from syndgen.steps.answer import Answered, answer
from syndgen.steps.verify import final_answer, passed, run_verifiers, verifier_record
from syndgen.verify.mathcheck import values_equal

Difficulty = Literal["too_easy", "learnable", "too_hard"]
Rewrite = Callable[[RunContext, Seed, AnswerTask, bool], "AnswerTask | None"]
"""A kind's rewrite: a harder (``True``) or easier version of the task, or None."""


def classify(pass_rate: float, too_easy: float, too_hard: float) -> Difficulty:
    """Sort a pass rate into a difficulty (pure)."""
    if pass_rate >= too_easy:
        return "too_easy"
    if pass_rate <= too_hard:
        return "too_hard"
    return "learnable"


def _agrees(ctx: RunContext, candidate: str, accepted: str) -> bool:
    mine, theirs = final_answer(candidate), final_answer(accepted)
    if mine is not None and theirs is not None:
        return values_equal(mine, theirs)
    vectors = get_embedder(ctx.config.dedup.embedder).encode([candidate, accepted])
    return float(vectors[0] @ vectors[1]) >= ctx.config.voting.threshold


def gate(
    ctx: RunContext, task: AnswerTask, accepted: Attempt, seed_index: int, salt: str = ""
) -> tuple[float, Usage]:
    """The student's pass rate on ``task`` over ``student.n`` tries, and the tokens it spent."""
    cfg = ctx.config
    student = cfg.student
    assert student is not None and ctx.student is not None
    settings = (student.model or cfg.generator).model_copy(update={"max_tokens": student.max_tokens})
    verified = any(c.status == "pass" for c in accepted.checks)
    wins, usage = 0, Usage()
    for j in range(student.n):
        seed = request_seed(cfg.seed, seed_index, f"student{salt}", j)
        response = ask(ctx.student, settings, task.messages, seed=seed)
        usage = usage + response.usage
        text = split_reasoning(response.text).answer or response.text
        if verified:
            record = verifier_record(task, accepted.model_copy(update={"answer": text}))
            ok = passed(run_verifiers(ctx.verifiers, record))
        else:
            ok = _agrees(ctx, text, accepted.answer)
        wins += int(ok)
    return wins / student.n, usage


def _shift(answered: Answered, offset: int) -> Answered:
    """Renumber a rewrite's attempts after the original's, so attempt numbers stay unique."""

    def bump(item: Any) -> Any:
        if getattr(item, "attempt_no", None) is None:
            return item
        return item.model_copy(update={"attempt_no": item.attempt_no + offset})

    accepted = answered.accepted
    if accepted is not None:
        verdict = bump(accepted.verdict) if accepted.verdict else None
        accepted = replace(accepted, attempt=bump(accepted.attempt), verdict=verdict)
    return replace(
        answered,
        attempts=[bump(a) for a in answered.attempts],
        verdicts=[bump(v) for v in answered.verdicts],
        rejections=[bump(r) for r in answered.rejections],
        accepted=accepted,
    )


def finish(
    ctx: RunContext,
    seen: SeedContext,
    seed: Seed,
    task: AnswerTask,
    answered: Answered,
    started: float,
    rewrite: Rewrite | None = None,
) -> SeedOutcome:
    """Turn an answered question into the seed's outcome, gating (and rewriting) if configured."""
    extra = Usage()
    sample = None
    attempts, verdicts, rejections = (
        list(answered.attempts),
        list(answered.verdicts),
        list(answered.rejections),
    )
    if answered.accepted is not None:
        sample, extra = _sample(ctx, seed, task, answered)
        student = ctx.config.student
        wanted = student is not None and student.rewrite and sample.difficulty != "learnable"
        if wanted and rewrite is not None:
            harder = sample.difficulty == "too_easy"
            rewritten = rewrite(ctx, seed, task, harder)
            if rewritten is not None:
                rewritten = replace(rewritten, role="rewrite")
                again = _shift(answer(ctx, seen, rewritten), len(attempts))
                attempts += again.attempts
                verdicts += again.verdicts
                rejections += again.rejections
                if again.accepted is not None:
                    better, more = _sample(ctx, seed, rewritten, again)
                    extra = extra + more
                    sample = better.model_copy(update={"rewritten_from": task.question.text})
                elif not again.rejections:
                    rejections.append(
                        Rejection(seed_index=seed.index, stage="verify", reason="rewrite_failed", detail="")
                    )
    return SeedOutcome(
        seed=seed,
        question=task.question,
        attempts=tuple(attempts),
        verdicts=tuple(verdicts),
        rejections=tuple(rejections),
        sample=sample,
        elapsed_s=time.perf_counter() - started,
        extra_usage=answered.usage + extra,
    )


def _sample(ctx: RunContext, seed: Seed, task: AnswerTask, answered: Answered) -> tuple[Sample, Usage]:
    accepted = answered.accepted
    assert accepted is not None
    sample = Sample(
        seed=seed,
        question=task.question,
        attempt=accepted.attempt,
        verdict=accepted.verdict,
        confidence=answered.confidence,
        context=task.passages,
        support=accepted.support,
    )
    student = ctx.config.student
    if student is None:
        return sample, Usage()
    salt = "" if task.question.model != "rewrite" else "-rewrite"
    rate, usage = gate(ctx, task, accepted.attempt, seed.index, salt)
    difficulty = classify(rate, student.too_easy, student.too_hard)
    return sample.model_copy(
        update={"pass_rate": rate, "student_n": student.n, "difficulty": difficulty}
    ), usage
