"""Assess one attempt: cheap filters, duplicates, verifiers, grounding support, then the critic.

The order is cheapest first, and the first problem found ends the assessment, so an attempt
that is too long or repeats an accepted record never costs a critic call. A verifier that
passed is stronger evidence than a small critic's opinion: with ``quality.critic: auto`` the
critic is skipped when a verifier passed (``always`` runs it anyway, ``never`` never does; a
task with neither verifiers nor the critic accepts what passes the filters).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from syndgen.records import Attempt, Check, Passage, Rejection, Verdict
from syndgen.steps.common import SeedContext
from syndgen.steps.critic import judge
from syndgen.steps.filters import check_attempt


@dataclass(frozen=True)
class CriticAsk:
    """How the critic is asked about one kind of record."""

    template: str = "critic"
    flags: tuple[str, ...] = ()
    variables: dict[str, Any] = field(default_factory=dict)
    flag_reason: str = "flag_failed"


@dataclass(frozen=True)
class Assessment:
    attempt: Attempt
    verdict: Verdict | None
    problem: Rejection | None
    support: dict[str, Any] = field(default_factory=dict)


def _rejection(attempt: Attempt, stage: str, reason: str, detail: str) -> Rejection:
    return Rejection(
        seed_index=attempt.seed_index,
        attempt_no=attempt.attempt_no,
        stage=stage,
        reason=reason,
        detail=detail[:500],
    )


def assess(
    attempt: Attempt,
    question: str,
    engine: Any,
    ctx: SeedContext,
    *,
    record: dict[str, Any],
    text: str,
    ask: CriticAsk = CriticAsk(),
    passages: Sequence[Passage] = (),
    skip_filters: bool = False,
) -> Assessment:
    """Assess ``attempt``; ``record`` feeds the verifiers, ``text`` the duplicate check."""
    cfg = engine.config
    if not skip_filters:
        failed = check_attempt(attempt, cfg.task, cfg.quality)
        if failed is not None:
            return Assessment(attempt, None, _rejection(attempt, "filter", *failed))
    duplicate = ctx.duplicate(text)
    if duplicate is not None:
        return Assessment(attempt, None, _rejection(attempt, "dedup", *duplicate))
    checks = tuple(engine.run_verifiers(record))
    attempt = attempt.model_copy(update={"checks": checks, "final_answer": record.get("final_answer")})
    failed_checks = [c for c in checks if c.status == "fail"]
    if failed_checks:
        first = failed_checks[0]
        return Assessment(
            attempt, None, _rejection(attempt, "verify", f"verifier_{first.name}", first.detail)
        )
    support: dict[str, Any] = {}
    if passages:
        support = engine.support_check(attempt.answer, passages)
        if not support["supported"]:
            detail = "; ".join(support["reasons"]) or "the passages do not support the answer"
            return Assessment(attempt, None, _rejection(attempt, "grounding", "ungrounded", detail), support)
    verified = any(c.status == "pass" for c in checks)
    mode = cfg.quality.critic
    if mode == "never" or (mode == "auto" and verified):
        return Assessment(attempt, None, None, support)
    verdict = judge(
        attempt,
        question,
        prompts=engine.prompts,
        backend=engine.critic,
        settings=cfg.critic_model,
        run_seed=cfg.seed,
        template=ask.template,
        flags=ask.flags,
        follow_up=engine.critic_follow_up,
        **ask.variables,
    )
    if verdict.score is None:
        problem = _rejection(attempt, "critic", "unparseable_verdict", verdict.rationale)
        return Assessment(attempt, verdict, problem, support)
    if verdict.score < cfg.quality.threshold:
        detail = f"score {verdict.score} < {cfg.quality.threshold}: {verdict.rationale}"
        return Assessment(attempt, verdict, _rejection(attempt, "critic", "low_score", detail), support)
    missing = [name for name, ok in verdict.flags.items() if not ok]
    if missing:
        detail = f"the critic found these not satisfied: {', '.join(missing)}"
        return Assessment(attempt, verdict, _rejection(attempt, "critic", ask.flag_reason, detail), support)
    return Assessment(attempt, verdict, None, support)


def as_checks(results: Sequence[Any]) -> list[Check]:
    """Verifier results (any object with name/status/detail) as record checks."""
    return [Check(name=r.name, status=r.status, detail=str(r.detail)[:500]) for r in results]
