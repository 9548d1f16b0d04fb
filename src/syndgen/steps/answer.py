"""The answer loop every record kind runs: generate, assess, regenerate once, vote.

With ``voting.k > 1`` the first round is ``k`` answers and their consensus picks the
representative (:mod:`syndgen.steps.vote`). The representative goes through the task's checks
(:mod:`syndgen.steps.assess`); a rejected one gets one regeneration, written by the kind's
:class:`~syndgen.context.Writer` with the critique in view, and assessed again.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from syndgen.context import AnswerTask, Assessment, RunContext, SeedContext
from syndgen.records import Attempt, Rejection, Usage, Verdict
from syndgen.steps.assess import assess
from syndgen.steps.vote import vote_round


@dataclass
class Answered:
    attempts: list[Attempt] = field(default_factory=list)
    verdicts: list[Verdict] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)
    accepted: Assessment | None = None
    confidence: float | None = None
    usage: Usage = field(default_factory=Usage)


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


def _first(ctx: RunContext, task: AnswerTask, out: Answered) -> Attempt | None:
    if ctx.config.voting.k > 1:
        voted = vote_round(ctx, task)
        out.attempts.extend(voted.attempts)
        out.rejections.extend(voted.rejections)
        out.confidence = voted.confidence
        return voted.winner
    attempt = task.writer.first(ctx, task, 1)
    out.attempts.append(attempt)
    return attempt


def answer(ctx: RunContext, seen: SeedContext, task: AnswerTask) -> Answered:
    """Answer ``task.question``: the accepted assessment, or every rejection on the way."""
    out = Answered()
    current = _first(ctx, task, out)
    regenerations = 1 if ctx.config.quality.regenerate else 0
    while current is not None:
        result = assess(ctx, seen, task, current)
        out.attempts[out.attempts.index(current)] = result.attempt
        if result.verdict is not None:
            out.verdicts.append(result.verdict)
        if result.problem is None:
            out.accepted = result
            break
        out.rejections.append(result.problem)
        if regenerations == 0:
            break
        regenerations -= 1
        critique = critique_for(result)
        current = task.writer.again(ctx, task, len(out.attempts) + 1, current, result.verdict, critique)
        out.attempts.append(current)
    return out
