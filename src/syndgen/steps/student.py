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
from dataclasses import replace
from typing import TYPE_CHECKING, Any, Literal

from syndgen.records import Attempt, Rejection, Sample, Seed, SeedOutcome, Usage
from syndgen.steps.common import SeedContext, ask, request_seed
from syndgen.steps.single import Answered, AnswerTask, answer, verifier_record

if TYPE_CHECKING:
    from syndgen.steps.record import Engine

Difficulty = Literal["too_easy", "learnable", "too_hard"]


def classify(pass_rate: float, too_easy: float, too_hard: float) -> Difficulty:
    """Sort a pass rate into a difficulty (pure)."""
    if pass_rate >= too_easy:
        return "too_easy"
    if pass_rate <= too_hard:
        return "too_hard"
    return "learnable"


def _agrees(engine: Engine, candidate: str, accepted: str) -> bool:
    mine, theirs = engine.final_answer(candidate), engine.final_answer(accepted)
    if mine is not None and theirs is not None:
        from syndgen.verify.mathcheck import values_equal

        return values_equal(mine, theirs)
    from syndgen.embed import get_embedder

    vectors = get_embedder(engine.config.dedup.embedder).encode([candidate, accepted])
    return float(vectors[0] @ vectors[1]) >= engine.config.voting.threshold


def gate(
    engine: Engine, task: AnswerTask, accepted: Attempt, seed_index: int, salt: str = ""
) -> tuple[float, Usage]:
    """The student's pass rate on ``task`` over ``student.n`` tries, and the tokens it spent."""
    cfg = engine.config
    student = cfg.student
    assert student is not None and engine.student is not None
    settings = (student.model or cfg.generator).model_copy(update={"max_tokens": student.max_tokens})
    verified = any(c.status == "pass" for c in accepted.checks)
    passed, usage = 0, Usage()
    for j in range(student.n):
        seed = request_seed(cfg.seed, seed_index, f"student{salt}", j)
        response = ask(engine.student, settings, task.messages, seed=seed)
        usage = usage + response.usage
        from syndgen.reasoning import split_reasoning

        text = split_reasoning(response.text).answer or response.text
        if verified:
            record = verifier_record(
                task, accepted.model_copy(update={"answer": text}), engine.final_answer(text)
            )
            checks = engine.run_verifiers(record)
            ok = any(c.status == "pass" for c in checks) and not any(c.status == "fail" for c in checks)
        else:
            ok = _agrees(engine, text, accepted.answer)
        passed += int(ok)
    return passed / student.n, usage


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
    seed: Seed, engine: Engine, ctx: SeedContext, task: AnswerTask, answered: Answered, started: float
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
        sample, extra = _sample(seed, engine, task, answered)
        student = engine.config.student
        if student is not None and student.rewrite and sample.difficulty != "learnable":
            from syndgen.steps import kinds

            harder = sample.difficulty == "too_easy"
            rewritten = kinds.rewrite(engine, seed, task, harder=harder)
            if rewritten is not None:
                again = _shift(answer(engine, ctx, rewritten, seed.index), len(attempts))
                attempts += again.attempts
                verdicts += again.verdicts
                rejections += again.rejections
                if again.accepted is not None:
                    better, more = _sample(seed, engine, rewritten, again)
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


def _sample(seed: Seed, engine: Engine, task: AnswerTask, answered: Answered) -> tuple[Sample, Usage]:
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
    student = engine.config.student
    if student is None:
        return sample, Usage()
    salt = "" if task.question.model != "rewrite" else "-rewrite"
    rate, usage = gate(engine, task, accepted.attempt, seed.index, salt)
    difficulty = classify(rate, student.too_easy, student.too_hard)
    return sample.model_copy(
        update={"pass_rate": rate, "student_n": student.n, "difficulty": difficulty}
    ), usage
