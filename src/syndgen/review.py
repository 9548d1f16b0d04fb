"""Human review of a run's records: decisions stored append-only in the run store, and what the
exports make of them.

A decision is about one attempt of one seed (by default the seed's kept answer): ``accept``,
``reject`` (with a reason) or ``edit`` (a corrected answer, optionally a corrected reasoning),
with the reviewer's name and the time. Decisions are rows of the store's ``reviews`` table
(migration 4), never changed or deleted; the latest decision on an attempt is the one in force.
A decision can be recorded while the run is still writing the store (SQLite serialises the two
writers; the review does not take the run folder's lock) or after it ended.

How the exports honour them (:func:`apply_reviews`, pure), per seed:

* the answer kept for SFT is the latest edited or accepted attempt; failing that the pipeline's
  kept answer unless a reviewer rejected it; failing that none (the seed leaves SFT and DPO);
* an edited answer is the SFT answer and the DPO ``chosen`` side, with the original answer as
  ``rejected``;
* an answer a reviewer rejected is the DPO ``rejected`` side against the chosen answer when the
  seed has one (an accepted or edited attempt, or the kept answer when another was rejected).

A seed nobody reviewed exports exactly as before.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from syndgen.errors import InputError
from syndgen.records import Attempt, Rejection, Sample, SeedOutcome
from syndgen.store import STORE_NAME, RunStore

Decision = Literal["accept", "reject", "edit"]
DECISIONS: tuple[str, ...] = ("accept", "reject", "edit")
MAX_REVIEWER = 100
MAX_REASON = 2000
MAX_TEXT = 200_000
_COLUMNS = "id, seed_index, attempt_no, decision, reviewer, reason, answer, reasoning, created_at"


class Review(BaseModel):
    """One stored decision."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: int
    seed_index: int
    attempt_no: int
    decision: Decision
    reviewer: str
    reason: str = ""
    answer: str | None = None
    reasoning: str | None = None
    created_at: float


def load_reviews(store: RunStore) -> list[Review]:
    """Every decision in the store, oldest first (none in a store older than reviews)."""
    if store.schema_version < 4:
        return []
    rows = store.rows(f"SELECT {_COLUMNS} FROM reviews ORDER BY id")
    keys = _COLUMNS.split(", ")
    return [Review.model_validate(dict(zip(keys, row, strict=True))) for row in rows]


def read_reviews(run_dir: Path) -> list[Review]:
    """The run folder's decisions, read-only (none before the run has a store)."""
    if not (run_dir / STORE_NAME).is_file():
        return []
    store = RunStore.open_existing(run_dir)
    try:
        return load_reviews(store)
    finally:
        store.close()


def latest(reviews: Iterable[Review]) -> dict[tuple[int, int], Review]:
    """The decision in force on each ``(seed_index, attempt_no)`` (pure)."""
    found: dict[tuple[int, int], Review] = {}
    for review in sorted(reviews, key=lambda r: r.id):
        found[(review.seed_index, review.attempt_no)] = review
    return found


def review_counts(reviews: Iterable[Review]) -> dict[str, int]:
    """Decisions stored, records reviewed, reviewers, and the decisions in force by kind (pure)."""
    reviews = list(reviews)
    current = latest(reviews)
    by = {d: sum(1 for r in current.values() if r.decision == d) for d in DECISIONS}
    return {
        "decisions": len(reviews),
        "records": len({seed for seed, _ in current}),
        "reviewers": len({r.reviewer for r in reviews}),
        "accepted": by["accept"],
        "rejected": by["reject"],
        "edited": by["edit"],
    }


# --------------------------------------------------------------------------- recording


def _check(
    outcome: SeedOutcome, attempt_no: int | None, decision: str, reason: str, answer: str | None
) -> int:
    """The attempt the decision is about, once the decision is known to be valid; else one error."""
    if decision not in DECISIONS:
        raise InputError(f"decision must be one of {', '.join(DECISIONS)}, got {decision!r}")
    by_no = {a.attempt_no: a for a in outcome.attempts}
    if attempt_no is None:
        if outcome.sample is not None:
            attempt_no = outcome.sample.attempt.attempt_no
        elif by_no:
            attempt_no = max(by_no)
        else:
            raise InputError(f"seed {outcome.seed.index} has no answer to review (its question failed)")
    attempt = by_no.get(attempt_no)
    if attempt is None:
        known = ", ".join(str(n) for n in sorted(by_no)) or "none"
        raise InputError(f"seed {outcome.seed.index} has no attempt {attempt_no} (attempts: {known})")
    if decision == "reject" and not reason.strip():
        raise InputError("a rejection needs a reason", hint="say what is wrong with the record")
    if decision == "edit":
        if attempt.turns:
            raise InputError("a conversation record cannot be edited here; accept or reject it")
        if not (answer or "").strip():
            raise InputError("an edit needs the corrected answer")
    return attempt_no


def add_review(
    run_dir: Path,
    seed_index: int,
    decision: str,
    reviewer: str,
    *,
    attempt_no: int | None = None,
    reason: str = "",
    answer: str | None = None,
    reasoning: str | None = None,
) -> Review:
    """Store one decision on a committed seed's attempt; returns it as stored."""
    reviewer = reviewer.strip()
    if not reviewer:
        raise InputError("a review needs the reviewer's name")
    if len(reviewer) > MAX_REVIEWER or len(reason) > MAX_REASON:
        raise InputError(f"the reviewer's name is at most {MAX_REVIEWER} characters, a reason {MAX_REASON}")
    if len(answer or "") > MAX_TEXT or len(reasoning or "") > MAX_TEXT:
        raise InputError(f"an edited answer or reasoning is at most {MAX_TEXT} characters")
    if not (run_dir / STORE_NAME).is_file():
        raise InputError(f"seed {seed_index} is not committed yet: the run has no store")
    store = RunStore(run_dir / STORE_NAME)  # writable, without the run lock: the run may hold it
    try:
        blob = store.db.execute("SELECT outcome_json FROM outcomes WHERE seed_index = ?", (seed_index,))
        row = blob.fetchone()
        if row is None:
            raise InputError(f"seed {seed_index} is not committed yet", hint="review a finished record")
        outcome = SeedOutcome.model_validate_json(row[0])
        attempt_no = _check(outcome, attempt_no, decision, reason, answer)
        keep_text = decision == "edit"
        values = (
            seed_index,
            attempt_no,
            decision,
            reviewer,
            reason.strip(),
            answer if keep_text else None,
            reasoning if keep_text else None,
            time.time(),
        )
        cur = store.db.execute(
            "INSERT INTO reviews(seed_index, attempt_no, decision, reviewer, reason, answer, reasoning,"
            " created_at) VALUES(?,?,?,?,?,?,?,?)",
            values,
        )
        keys = _COLUMNS.split(", ")
        return Review.model_validate(dict(zip(keys, (cur.lastrowid, *values), strict=True)))
    finally:
        store.close()


# --------------------------------------------------------------------------- exports


def _edited(original: Attempt, review: Review, number: int) -> Attempt:
    answer = review.answer or ""
    reasoning = original.reasoning if review.reasoning is None else review.reasoning
    return original.model_copy(
        update={
            "attempt_no": number,
            "answer": answer,
            "reasoning": reasoning,
            "raw_text": answer,
            "final_answer": None,
            "checks": (),
        }
    )


def _chosen(outcome: SeedOutcome, current: dict[int, Review]) -> tuple[Attempt | None, Review | None]:
    """The attempt kept for SFT and the decision that chose it (None: the pipeline's choice)."""
    by_no = {a.attempt_no: a for a in outcome.attempts}
    picked = [r for no, r in current.items() if r.decision in ("accept", "edit") and no in by_no]
    if picked:
        review = max(picked, key=lambda r: r.id)
        return by_no[review.attempt_no], review
    sample = outcome.sample
    if sample is not None:
        decision = current.get(sample.attempt.attempt_no)
        if decision is None or decision.decision != "reject":
            return sample.attempt, None
    return None, None


def _reviewed(outcome: SeedOutcome, current: dict[int, Review]) -> SeedOutcome:
    chosen, why = _chosen(outcome, current)
    if chosen is None:
        return outcome.model_copy(update={"sample": None})
    rejected_by_review = [
        r for r in current.values() if r.decision == "reject" and r.attempt_no != chosen.attempt_no
    ]
    verdicts = {v.attempt_no: v for v in outcome.verdicts}
    base = outcome.sample
    columns: dict[str, Any] = {}
    if why is not None:
        columns = {"review": "edited" if why.decision == "edit" else "accepted", "reviewer": why.reviewer}
    kept, rejected, note = chosen, None, None
    if why is not None and why.decision == "edit":
        kept = _edited(chosen, why, max(a.attempt_no for a in outcome.attempts) + 1)
        rejected, note = chosen, f"review: edited by {why.reviewer}"
    elif rejected_by_review:
        last = max(rejected_by_review, key=lambda r: r.id)
        rejected = next(a for a in outcome.attempts if a.attempt_no == last.attempt_no)
        note = f"review: {last.reason}"
    verdict = None if kept is not chosen else verdicts.get(chosen.attempt_no)
    question = outcome.question
    assert question is not None  # an outcome with attempts has its question
    if base is not None:
        new_sample = base.model_copy(
            update={"attempt": kept, "verdict": verdict, "columns": {**base.columns, **columns}}
        )
    else:
        new_sample = Sample(
            seed=outcome.seed, question=question, attempt=kept, verdict=verdict, columns=columns
        )
    update: dict[str, Any] = {"sample": new_sample}
    if rejected is not None:
        update["attempts"] = (kept, rejected)
        review_rejection = Rejection(
            seed_index=outcome.seed.index, attempt_no=rejected.attempt_no, stage="review", reason=note or ""
        )
        update["rejections"] = (review_rejection, *outcome.rejections)
    return outcome.model_copy(update=update)


def apply_reviews(outcomes: Iterable[SeedOutcome], reviews: Iterable[Review]) -> list[SeedOutcome]:
    """The outcomes as the exports should see them once the decisions are applied (pure)."""
    by_seed: dict[int, dict[int, Review]] = {}
    for (seed, attempt_no), review in latest(reviews).items():
        by_seed.setdefault(seed, {})[attempt_no] = review
    out = []
    for outcome in outcomes:
        current = by_seed.get(outcome.seed.index)
        out.append(_reviewed(outcome, current) if current and outcome.attempts else outcome)
    return out
