"""Answer one question and decide: the loop shared by qa, math, code and grounded records.

With ``voting.k > 1`` the first round is ``k`` answers; their consensus (exact, numeric,
semantic or judged) picks the representative, the agreement ratio becomes the record's
confidence, and too little agreement rejects the question (``low_agreement``). The
representative is assessed (filters, duplicates, verifiers, grounding, critic); a rejected one
gets one regeneration that sees the critique. Answers that lost the vote are verified too, so a
verified-wrong answer can be the ``rejected`` side of a DPO pair.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from syndgen.records import Attempt, Message, Passage, Question, Rejection, Usage, Verdict
from syndgen.steps.assess import Assessment, CriticAsk, assess
from syndgen.steps.common import SeedContext
from syndgen.steps.generate import generate_attempt, regenerate_messages


@dataclass(frozen=True)
class AnswerTask:
    """What differs between single-answer record kinds."""

    question: Question
    messages: tuple[Message, ...]
    ask: CriticAsk = field(default_factory=CriticAsk)
    passages: tuple[Passage, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Answered:
    attempts: list[Attempt] = field(default_factory=list)
    verdicts: list[Verdict] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)
    accepted: Assessment | None = None
    confidence: float | None = None
    usage: Usage = field(default_factory=Usage)


def verifier_record(task: AnswerTask, attempt: Attempt, final_answer: str | None) -> dict[str, Any]:
    """What the verifiers see of an attempt (pure)."""
    return {
        "question": task.question.text,
        "answer": attempt.answer,
        "reasoning": attempt.reasoning,
        "reference_answer": task.question.reference,
        "tests": task.question.tests,
        "final_answer": final_answer,
        **task.extra,
    }


def attempt_with(engine: Any, seed_index: int, attempt_no: int, messages: tuple[Message, ...]) -> Attempt:
    """One answer attempt with the run's generator settings (reasoning forced and capped)."""
    cfg = engine.config
    return generate_attempt(
        seed_index,
        attempt_no,
        messages,
        backend=engine.generator,
        settings=cfg.generator,
        run_seed=cfg.seed,
        force_reasoning=cfg.task.force_reasoning,
        max_reasoning_tokens=cfg.task.max_reasoning_tokens,
    )


def _assess(engine: Any, ctx: SeedContext, task: AnswerTask, attempt: Attempt) -> Assessment:
    final = engine.final_answer(attempt.answer)
    return assess(
        attempt,
        task.question.text,
        engine,
        ctx,
        record=verifier_record(task, attempt, final),
        text=f"{task.question.text}\n{attempt.answer}",
        ask=task.ask,
        passages=task.passages,
    )


def _vote(engine: Any, ctx: SeedContext, task: AnswerTask, seed_index: int, out: Answered) -> Attempt | None:
    """The first round under majority voting: the representative attempt, or None if rejected."""
    k = engine.config.voting.k
    first = [attempt_with(engine, seed_index, no, task.messages) for no in range(1, k + 1)]
    out.attempts.extend(first)
    result = engine.vote([a.answer for a in first])
    out.confidence = result.agreement
    if result.winner_index is None or result.agreement < engine.config.voting.min_agreement:
        out.rejections.extend(
            Rejection(
                seed_index=seed_index,
                attempt_no=a.attempt_no,
                stage="vote",
                reason="low_agreement",
                detail=f"agreement {result.agreement:.2f} < {engine.config.voting.min_agreement}",
            )
            for a in first
        )
        return None
    winner: Attempt = first[result.winner_index]
    for i, other in enumerate(first):
        if i == result.winner_index:
            continue
        record = verifier_record(task, other, engine.final_answer(other.answer))
        checks = tuple(engine.run_verifiers(record))
        out.attempts[out.attempts.index(other)] = other.model_copy(update={"checks": checks})
        failed = [c for c in checks if c.status == "fail"]
        reason = f"verifier_{failed[0].name}" if failed else "outvoted"
        detail = failed[0].detail if failed else f"not in the majority ({result.agreement:.2f} agreement)"
        out.rejections.append(
            Rejection(
                seed_index=seed_index, attempt_no=other.attempt_no, stage="vote", reason=reason, detail=detail
            )
        )
    return winner


def critique_for(result: Assessment) -> str:
    """What the regeneration is told. A verifier's detail is never shown: it may hold the
    reference answer or the tests, and a regeneration that saw them would only copy them."""
    problem = result.problem
    assert problem is not None
    if result.verdict is not None and result.verdict.score is not None:
        return result.verdict.rationale
    if problem.stage == "verify":
        check = problem.reason.removeprefix("verifier_")
        return f"The answer failed the {check} check: it is wrong. Work it out again, step by step."
    return problem.detail


def answer(engine: Any, ctx: SeedContext, task: AnswerTask, seed_index: int) -> Answered:
    """Generate, assess and (once) regenerate an answer to ``task.question``."""
    out = Answered()
    cfg = engine.config
    if cfg.voting.k > 1:
        current = _vote(engine, ctx, task, seed_index, out)
        if current is None:
            return out
    else:
        current = attempt_with(engine, seed_index, 1, task.messages)
        out.attempts.append(current)
    regenerations = 1 if cfg.quality.regenerate else 0
    while True:
        result = _assess(engine, ctx, task, current)
        out.attempts[out.attempts.index(current)] = result.attempt
        if result.verdict is not None:
            out.verdicts.append(result.verdict)
        if result.problem is None:
            out.accepted = result
            return out
        out.rejections.append(result.problem)
        if regenerations == 0:
            return out
        regenerations -= 1
        verdict = result.verdict
        critique = critique_for(result)
        messages = regenerate_messages(engine.prompts, task.messages, current, verdict, critique)
        current = attempt_with(engine, seed_index, len(out.attempts) + 1, messages)
        out.attempts.append(current)
