"""Pure adapters from stored outcomes to training rows.

* SFT rows are TRL's conversational format: ``messages`` as ``[{role, content}, ...]``. The
  reasoning trace is kept inline in ``<think>`` tags, stripped, or moved to a ``reasoning``
  column (``reasoning: inline|strip|field``).
* DPO rows are TRL's conversational preference format: ``prompt`` (the user turn), ``chosen``
  and ``rejected`` (one assistant turn each), for seeds where an attempt was rejected and the
  regeneration accepted; both critic scores ride along.

Rows hold only what the model produced and the run's settings: no timings, so the same run
exports byte-identical files.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Literal

from syndgen.reasoning import join_reasoning
from syndgen.records import Attempt, SeedOutcome

ReasoningMode = Literal["inline", "strip", "field"]


def _assistant(attempt: Attempt, mode: ReasoningMode) -> str:
    if mode == "inline":
        return join_reasoning(attempt.reasoning, attempt.answer)
    return attempt.answer


def _prompt(question: str, system_prompt: str | None) -> list[dict[str, str]]:
    turns = [{"role": "system", "content": system_prompt}] if system_prompt else []
    return [*turns, {"role": "user", "content": question}]


def record_id(outcome: SeedOutcome) -> str:
    return f"seed-{outcome.seed.index:06d}"


def sft_rows(
    outcomes: Iterable[SeedOutcome], reasoning: ReasoningMode = "inline", system_prompt: str | None = None
) -> list[dict[str, Any]]:
    rows = []
    for outcome in outcomes:
        sample = outcome.sample
        if sample is None:
            continue
        row: dict[str, Any] = {
            "id": record_id(outcome),
            "messages": [
                *_prompt(sample.question.text, system_prompt),
                {"role": "assistant", "content": _assistant(sample.attempt, reasoning)},
            ],
        }
        if reasoning == "field":
            row["reasoning"] = sample.attempt.reasoning
        row.update(
            topic=outcome.seed.topic,
            score=sample.verdict.score,
            attempt_no=sample.attempt.attempt_no,
            generator_model=sample.attempt.model,
            critic_model=sample.verdict.critic_model,
        )
        rows.append(row)
    return rows


def _rejected_attempt(outcome: SeedOutcome) -> Attempt | None:
    """The best rejected attempt of a seed that has one with an answer to compare."""
    assert outcome.sample is not None
    chosen_no = outcome.sample.attempt.attempt_no
    candidates = [a for a in outcome.attempts if a.attempt_no != chosen_no and a.answer.strip()]
    return candidates[-1] if candidates else None


def dpo_rows(
    outcomes: Iterable[SeedOutcome], reasoning: ReasoningMode = "inline", system_prompt: str | None = None
) -> list[dict[str, Any]]:
    mode: ReasoningMode = "strip" if reasoning == "field" else reasoning
    rows = []
    for outcome in outcomes:
        sample = outcome.sample
        if sample is None:
            continue
        rejected = _rejected_attempt(outcome)
        if rejected is None:
            continue
        scores = {v.attempt_no: v.score for v in outcome.verdicts}
        reasons = [r.reason for r in outcome.rejections if r.attempt_no == rejected.attempt_no]
        row: dict[str, Any] = {
            "id": record_id(outcome),
            "prompt": _prompt(sample.question.text, system_prompt),
            "chosen": [{"role": "assistant", "content": _assistant(sample.attempt, mode)}],
            "rejected": [{"role": "assistant", "content": _assistant(rejected, mode)}],
            "chosen_score": sample.verdict.score,
            "rejected_score": scores.get(rejected.attempt_no),
            "rejected_reason": reasons[0] if reasons else "",
        }
        if reasoning == "field":
            row["chosen_reasoning"] = sample.attempt.reasoning
            row["rejected_reasoning"] = rejected.reasoning
        row.update(topic=outcome.seed.topic, generator_model=sample.attempt.model)
        rows.append(row)
    return rows


ADAPTERS = {"sft": sft_rows, "dpo": dpo_rows}
