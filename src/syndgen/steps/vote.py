"""The first round under majority voting: ``k`` answers, their consensus, and the losers' fate.

The consensus (exact, numeric, semantic or judged) picks the representative, the agreement ratio
becomes the record's confidence, and too little agreement rejects the question
(``low_agreement``). Answers that lost the vote are verified too, so a verified-wrong answer can
be the ``rejected`` side of a DPO pair.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial

from syndgen.context import AnswerTask, RunContext
from syndgen.embed import get_embedder
from syndgen.records import Attempt, Rejection
from syndgen.steps.equivalence import judge_equivalent
from syndgen.steps.verify import run_verifiers, verifier_record
from syndgen.verify.voting import VoteResult, vote


def vote_answers(ctx: RunContext, answers: list[str]) -> VoteResult:
    """The consensus of ``answers`` by the configured method."""
    voting = ctx.config.voting
    embed = get_embedder(ctx.config.dedup.embedder).encode if voting.method == "semantic" else None
    judge = partial(judge_equivalent, ctx) if voting.method == "judge" else None
    return vote(answers, voting.method, embed=embed, judge=judge, threshold=voting.threshold)


@dataclass
class Round:
    """What a voting round leaves: its attempts (losers verified), rejections, the winner."""

    attempts: list[Attempt] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)
    winner: Attempt | None = None
    confidence: float | None = None


def _loser(ctx: RunContext, task: AnswerTask, other: Attempt, agreement: float) -> tuple[Attempt, Rejection]:
    checks = run_verifiers(ctx.verifiers, verifier_record(task, other))
    failed = [c for c in checks if c.status == "fail"]
    reason = f"verifier_{failed[0].name}" if failed else "outvoted"
    detail = failed[0].detail if failed else f"not in the majority ({agreement:.2f} agreement)"
    rejection = Rejection(
        seed_index=other.seed_index, attempt_no=other.attempt_no, stage="vote", reason=reason, detail=detail
    )
    return other.model_copy(update={"checks": checks}), rejection


def vote_round(ctx: RunContext, task: AnswerTask) -> Round:
    """``voting.k`` answers; the winner, or None when agreement is too low."""
    k = ctx.config.voting.k
    first = [task.writer.first(ctx, task, no) for no in range(1, k + 1)]
    role = "vote" if task.role == "answer" else task.role
    first = [a.model_copy(update={"role": role}) for a in first]
    out = Round(attempts=list(first))
    result = vote_answers(ctx, [a.answer for a in first])
    out.confidence = result.agreement
    minimum = ctx.config.voting.min_agreement
    if result.winner_index is None or result.agreement < minimum:
        out.rejections = [
            Rejection(
                seed_index=a.seed_index,
                attempt_no=a.attempt_no,
                stage="vote",
                reason="low_agreement",
                detail=f"agreement {result.agreement:.2f} < {minimum}",
            )
            for a in first
        ]
        return out
    for i, other in enumerate(first):
        if i != result.winner_index:
            out.attempts[i], rejection = _loser(ctx, task, other, result.agreement)
            out.rejections.append(rejection)
    out.winner = first[result.winner_index]
    return out
