"""Assess one attempt: the checks it goes through, in order, as data.

:data:`STANDARD_CHECKS` is the order for single-answer records, cheapest first: the cheap
filters (the built-in ones, then any the config adds), the answer's required shape (an answer
still out of shape after its repair), duplicates of accepted records, the
programmatic verifiers, the grounding support check (only where the task has passages), then the
critic. The first problem found ends the assessment, so an attempt that is too long or repeats
an accepted record never costs a critic call. A verifier that passed is stronger evidence than
a small critic's opinion: with ``quality.critic: auto`` the critic is skipped when a verifier
passed (``always`` runs it anyway, ``never`` never does; a task with neither verifiers nor the
critic accepts what passes the filters). A kind builds its own list from these functions (a
conversation checks its turns instead of one answer, and its patterns after the critic).
"""

from __future__ import annotations

from dataclasses import replace

from syndgen.context import AnswerTask, Assessment, Check, RunContext, SeedContext
from syndgen.records import Attempt, Rejection
from syndgen.shapes import strip_citations
from syndgen.steps.critic import judge
from syndgen.steps.filters import check_attempt
from syndgen.steps.support import support
from syndgen.steps.verify import run_verifiers, verifier_record


def rejection(attempt: Attempt, stage: str, reason: str, detail: str) -> Rejection:
    return Rejection(
        seed_index=attempt.seed_index,
        attempt_no=attempt.attempt_no,
        stage=stage,
        reason=reason,
        detail=detail[:500],
    )


def _failed(state: Assessment, stage: str, reason: str, detail: str) -> Assessment:
    return replace(state, problem=rejection(state.attempt, stage, reason, detail))


def check_filters(ctx: RunContext, seen: SeedContext, task: AnswerTask, state: Assessment) -> Assessment:
    """The built-in cheap filters, then the config's own (``quality.filters``)."""
    failed = check_attempt(state.attempt, ctx.config.task, ctx.config.quality)
    for _name, extra in ctx.filters:
        if failed is not None:
            break
        failed = extra(state.attempt, ctx.config)
    return state if failed is None else _failed(state, "filter", *failed)


def check_shape(ctx: RunContext, seen: SeedContext, task: AnswerTask, state: Assessment) -> Assessment:
    """An answer still out of its required shape after the one repair request is rejected."""
    if task.shape is None or state.attempt.shape != "failed":
        return state
    shape = task.shape.shape
    detail = f"the answer is not {shape.describe}, even after one repair: {state.attempt.answer[:200]!r}"
    return _failed(state, "filter", shape.reason, detail)


def check_duplicates(ctx: RunContext, seen: SeedContext, task: AnswerTask, state: Assessment) -> Assessment:
    """Exact, near and semantic duplicates of records accepted before this seed started."""
    attempt = state.attempt
    if attempt.turns:
        text = "\n".join(f"{t.role.upper()}: {t.content}" for t in attempt.turns)
    else:
        text = f"{task.question.text}\n{attempt.answer}"
    duplicate = seen.duplicate(text)
    return state if duplicate is None else _failed(state, "dedup", *duplicate)


def check_verifiers(ctx: RunContext, seen: SeedContext, task: AnswerTask, state: Assessment) -> Assessment:
    """The programmatic verifiers; their results are kept on the attempt, a failure rejects it."""
    record = verifier_record(task, state.attempt)
    checks = run_verifiers(ctx.verifiers, record)
    attempt = state.attempt.model_copy(update={"checks": checks, "final_answer": record["final_answer"]})
    state = replace(state, attempt=attempt)
    failed = [c for c in checks if c.status == "fail"]
    if failed:
        return _failed(state, "verify", f"verifier_{failed[0].name}", failed[0].detail)
    return state


def check_support(ctx: RunContext, seen: SeedContext, task: AnswerTask, state: Assessment) -> Assessment:
    """Grounded answers: numbers, dates and names in the passages, enough overlap."""
    if not task.passages:
        return state
    found = support(ctx, strip_citations(state.attempt.answer), task.passages)
    state = replace(state, support=found)
    if found["supported"]:
        return state
    detail = "; ".join(found["reasons"]) or "the passages do not support the answer"
    return _failed(state, "grounding", "ungrounded", detail)


def check_critic(ctx: RunContext, seen: SeedContext, task: AnswerTask, state: Assessment) -> Assessment:
    """The critic's 1-5 score (and its yes/no flags), unless a verifier already decided."""
    cfg = ctx.config
    verified = any(c.status == "pass" for c in state.attempt.checks)
    mode = cfg.quality.critic
    if mode == "never" or (mode == "auto" and verified):
        return state
    ask = task.ask
    verdict = judge(
        state.attempt,
        task.question.text,
        prompts=ctx.prompts,
        backend=ctx.critic,
        settings=cfg.critic_model,
        run_seed=cfg.seed,
        template=ask.template,
        flags=ask.flags,
        follow_up=ctx.critic_follow_up,
        **ask.variables,
    )
    state = replace(state, verdict=verdict)
    if verdict.score is None:
        return _failed(state, "critic", "unparseable_verdict", verdict.rationale)
    if verdict.score < cfg.quality.threshold:
        detail = f"score {verdict.score} < {cfg.quality.threshold}: {verdict.rationale}"
        return _failed(state, "critic", "low_score", detail)
    missing = [name for name, ok in verdict.flags.items() if not ok]
    if missing:
        detail = f"the critic found these not satisfied: {', '.join(missing)}"
        return _failed(state, "critic", ask.flag_reason, detail)
    return state


STANDARD_CHECKS: tuple[Check, ...] = (
    check_filters,
    check_shape,
    check_duplicates,
    check_verifiers,
    check_support,
    check_critic,
)


def assess(ctx: RunContext, seen: SeedContext, task: AnswerTask, attempt: Attempt) -> Assessment:
    """Run ``task.checks`` in order; the first problem ends the assessment."""
    state = Assessment(attempt=attempt)
    for check in task.checks:
        state = check(ctx, seen, task, state)
        if state.problem is not None:
            break
    return state
