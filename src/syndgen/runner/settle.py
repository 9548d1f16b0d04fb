"""The final gate on each committed sample, in seed order: leakage and decontamination (when the
run's ``privacy`` section asks, see :mod:`syndgen.privacy.leakage_gate`), duplicates of any
earlier seed, then quotas. A seed only saw what was committed a plan window before it started;
this gate sees everything committed before it, so the kept data has no duplicate and no value
over quota."""

from __future__ import annotations

import hashlib

from syndgen.context import RunContext
from syndgen.records import Rejection, SeedOutcome
from syndgen.seeds.quota import PlanState
from syndgen.text.normalise import question_key


def record_text(outcome: SeedOutcome) -> str:
    """The text the duplicate index holds: question and answer, or the whole conversation."""
    sample = outcome.sample
    if sample is None:
        return ""
    turns = sample.attempt.turns
    if turns:
        return "\n".join(t.content for t in turns)
    return f"{sample.question.text}\n{sample.attempt.answer}"


def digest(key: str) -> bytes:
    return hashlib.blake2b(key.encode(), digest_size=8).digest()


class Known:
    """Accepted questions by normalised key, with the seed that accepted each."""

    def __init__(self) -> None:
        self._by_key: dict[bytes, int] = {}

    def add(self, key: str, seed_index: int) -> None:
        self._by_key[digest(key)] = seed_index

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and digest(key) in self._by_key

    def before(self, key: str, limit: int) -> bool:
        """Was ``key`` accepted by a seed below ``limit``?"""
        index = self._by_key.get(digest(key))
        return index is not None and index < limit


def _reject(outcome: SeedOutcome, stage: str, reason: str, detail: str) -> SeedOutcome:
    assert outcome.sample is not None
    rejection = Rejection(
        seed_index=outcome.seed.index,
        attempt_no=outcome.sample.attempt.attempt_no,
        stage=stage,
        reason=reason,
        detail=detail,
    )
    return outcome.model_copy(update={"sample": None, "rejections": (*outcome.rejections, rejection)})


def settle(outcome: SeedOutcome, known: Known, state: PlanState, ctx: RunContext) -> SeedOutcome:
    """Final in-order checks: leakage (every generated text of the outcome, kept or not), then on
    an accepted sample duplicates of any earlier seed, then quotas."""
    if ctx.leakage is not None:
        outcome = ctx.leakage.guard(outcome)
    if outcome.sample is None:
        return outcome
    if question_key(outcome.sample.question.text) in known:
        return _reject(
            outcome, "dedup", "duplicate_question", "the same question was accepted for an earlier seed"
        )
    duplicate = ctx.duplicates.check(record_text(outcome), outcome.seed.index)
    if duplicate is not None:
        return _reject(outcome, "dedup", *duplicate)
    over = state.over_quota(outcome.seed) if ctx.config.coverage.enforce else None
    if over is not None:
        return _reject(outcome, "coverage", "over_quota", over)
    return outcome
