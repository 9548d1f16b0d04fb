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

from collections.abc import Callable, Iterable
from typing import Any, Literal

from syndgen.errors import ExportError
from syndgen.reasoning import join_reasoning
from syndgen.records import Attempt, Passage, Sample, SeedOutcome, Turn

ReasoningMode = Literal["inline", "strip", "field"]


def _assistant(attempt: Attempt, mode: ReasoningMode) -> str:
    if mode == "inline":
        return join_reasoning(attempt.reasoning, attempt.answer)
    return attempt.answer


def _prompt(
    question: str, system_prompt: str | None, context: tuple[Passage, ...] = ()
) -> list[dict[str, str]]:
    turns = [{"role": "system", "content": system_prompt}] if system_prompt else []
    if context:
        passages = "\n".join(f"[{i}] ({p.source}) {p.text}" for i, p in enumerate(context, 1))
        question = f"{passages}\n\nQuestion: {question}"
    return [*turns, {"role": "user", "content": question}]


def _turn_content(turn: Turn, mode: ReasoningMode) -> str:
    if turn.role == "assistant" and mode == "inline":
        return join_reasoning(turn.reasoning, turn.content)
    return turn.content


def conversation_messages(
    turns: tuple[Turn, ...], mode: ReasoningMode, system_prompt: str | None
) -> list[dict[str, str]]:
    head = [{"role": "system", "content": system_prompt}] if system_prompt else []
    return [*head, *({"role": t.role, "content": _turn_content(t, mode)} for t in turns)]


def passage_rows(context: tuple[Passage, ...]) -> list[dict[str, Any]]:
    return [
        {"chunk_id": p.chunk_id, "source": p.source, "page": p.page, "text": p.text, "score": p.score}
        for p in context
    ]


def record_columns(outcome: SeedOutcome, sample: Sample) -> dict[str, Any]:
    """Lineage and quality columns every exported record carries (only those that apply)."""
    cols: dict[str, Any] = {"topic": outcome.seed.topic}
    for axis, value in sorted(outcome.seed.attributes.items()):
        cols[axis] = value
    attempt = sample.attempt
    cols.update(
        score=sample.score,
        attempt_no=attempt.attempt_no,
        generator_model=attempt.model,
        critic_model=sample.verdict.critic_model if sample.verdict else None,
    )
    if attempt.checks:
        cols["verifiers"] = {c.name: {"status": c.status, "detail": c.detail} for c in attempt.checks}
        cols["verified"] = all(c.status != "fail" for c in attempt.checks) and any(
            c.status == "pass" for c in attempt.checks
        )
    if sample.question.reference is not None:
        cols["answer"] = attempt.final_answer
        cols["reference_answer"] = sample.question.reference
    if sample.confidence is not None:
        cols["confidence"] = sample.confidence
    if sample.difficulty is not None:
        cols.update(difficulty=sample.difficulty, pass_rate=sample.pass_rate, student_n=sample.student_n)
    if sample.rewritten_from is not None:
        cols["rewritten_from"] = sample.rewritten_from
    if sample.context:
        support = sample.support
        cols.update(
            context=passage_rows(sample.context),
            chunk_id=outcome.seed.chunk_id,
            is_valid=is_valid(sample),
            confidence_score=_grounded_confidence(sample),
            support_lexical=support.get("lexical"),
            support_dense=support.get("dense"),
            tags={"domain": outcome.seed.topic, "difficulty": sample.difficulty or "unrated"},
        )
    if attempt.turns:
        cols["turns"] = sum(1 for t in attempt.turns if t.role == "assistant")
        cols["patterns_applied"] = [t.pattern for t in attempt.turns if t.role == "user" and t.pattern]
    cols.update(sample.columns)
    return cols


def is_valid(sample: Sample) -> bool:
    """The record's own verdicts agree it is grounded: the support check passed, the critic's
    ``supported`` flag (where it was asked) is yes, and no verifier failed (pure)."""
    supported = bool(sample.support.get("supported", False))
    flags = sample.verdict.flags if sample.verdict else {}
    verifiers_ok = all(c.status != "fail" for c in sample.attempt.checks)
    return supported and flags.get("supported", True) and verifiers_ok


def _grounded_confidence(sample: Sample) -> float:
    """Support and critic agreement in [0, 1]: the mean of the available signals."""
    signals = [sample.support.get("lexical")]
    if sample.support.get("dense") is not None:
        signals.append(max(0.0, float(sample.support["dense"])))
    if sample.score is not None:
        signals.append((sample.score - 1) / 4)
    values = [float(v) for v in signals if v is not None]
    return round(sum(values) / len(values), 4) if values else 0.0


def record_id(outcome: SeedOutcome) -> str:
    return f"seed-{outcome.seed.index:06d}"


def sft_rows(
    outcomes: Iterable[SeedOutcome],
    reasoning: ReasoningMode = "inline",
    system_prompt: str | None = None,
    with_context: bool = True,
) -> list[dict[str, Any]]:
    """SFT rows; ``with_context`` puts retrieved passages in the prompt (RAG) or not (closed book)."""
    rows = []
    for outcome in outcomes:
        sample = outcome.sample
        if sample is None:
            continue
        turns = sample.attempt.turns
        if turns:
            messages = conversation_messages(turns, reasoning, system_prompt)
        else:
            context = sample.context if with_context else ()
            messages = [
                *_prompt(sample.question.text, system_prompt, context),
                {"role": "assistant", "content": _assistant(sample.attempt, reasoning)},
            ]
        row: dict[str, Any] = {"id": record_id(outcome), "messages": messages}
        if reasoning == "field":
            row["reasoning"] = (
                [t.reasoning for t in turns if t.role == "assistant"] if turns else sample.attempt.reasoning
            )
        row.update(record_columns(outcome, sample))
        rows.append(row)
    return rows


def _rejected_attempt(outcome: SeedOutcome) -> Attempt | None:
    """The best rejected attempt of a seed: one a verifier proved wrong if there is one, else the
    last rejected attempt with an answer to compare (for the same question as the sample)."""
    assert outcome.sample is not None
    chosen_no = outcome.sample.attempt.attempt_no
    candidates = [
        a for a in outcome.attempts if a.attempt_no != chosen_no and a.answer.strip() and not a.turns
    ]
    if outcome.sample.rewritten_from is not None:
        return None
    wrong = [a for a in candidates if any(c.status == "fail" for c in a.checks)]
    if wrong:
        return wrong[0]
    return candidates[-1] if candidates else None


def dpo_rows(
    outcomes: Iterable[SeedOutcome],
    reasoning: ReasoningMode = "inline",
    system_prompt: str | None = None,
    with_context: bool = True,
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
            "prompt": _prompt(sample.question.text, system_prompt, sample.context if with_context else ()),
            "chosen": [{"role": "assistant", "content": _assistant(sample.attempt, mode)}],
            "rejected": [{"role": "assistant", "content": _assistant(rejected, mode)}],
            "chosen_score": sample.score,
            "rejected_score": scores.get(rejected.attempt_no),
            "rejected_reason": reasons[0] if reasons else "",
        }
        if reasoning == "field":
            row["chosen_reasoning"] = sample.attempt.reasoning
            row["rejected_reasoning"] = rejected.reasoning
        if rejected.checks:
            row["rejected_verifiers"] = {c.name: c.status for c in rejected.checks}
        row.update(topic=outcome.seed.topic, generator_model=sample.attempt.model)
        rows.append(row)
    return rows


def _provider_rows(
    outcomes: Iterable[SeedOutcome],
    reasoning: ReasoningMode,
    system_prompt: str | None,
    with_context: bool,
    provider: Literal["openai", "anthropic"],
) -> list[dict[str, Any]]:
    from syndgen.export import provider as fmt

    mode: ReasoningMode = "strip" if reasoning == "field" else reasoning
    rows = []
    for row in sft_rows(outcomes, mode, system_prompt, with_context):
        if provider == "openai":
            out = fmt.openai_chat_row(row["messages"])
            problems = fmt.validate_openai_row(out)
        else:
            out = fmt.anthropic_row(row["messages"])
            problems = fmt.validate_anthropic_row(out)
        if problems:
            raise ExportError(
                f"{row['id']}: not a valid {provider} fine-tuning row: {'; '.join(problems)}",
                hint="export it as --format sft, or drop the record from the run",
            )
        rows.append(out)
    return rows


def openai_rows(
    outcomes: Iterable[SeedOutcome],
    reasoning: ReasoningMode = "strip",
    system_prompt: str | None = None,
    with_context: bool = True,
) -> list[dict[str, Any]]:
    """OpenAI chat fine-tuning JSONL rows: ``{"messages": [...]}``, validated."""
    return _provider_rows(outcomes, reasoning, system_prompt, with_context, "openai")


def anthropic_rows(
    outcomes: Iterable[SeedOutcome],
    reasoning: ReasoningMode = "strip",
    system_prompt: str | None = None,
    with_context: bool = True,
) -> list[dict[str, Any]]:
    """Anthropic-style rows: ``{"system": str, "messages": [...]}``, user first, alternating."""
    return _provider_rows(outcomes, reasoning, system_prompt, with_context, "anthropic")


def table_rows(
    outcomes: Iterable[SeedOutcome],
    reasoning: ReasoningMode = "field",
    system_prompt: str | None = None,
    with_context: bool = True,
) -> list[dict[str, Any]]:
    """A flat table: one row per record, one column per field of a structured record (nested
    fields as ``parent.child``), then its topic, axes, score and reasoning; a record that is not
    a JSON object has ``question`` and ``answer`` columns."""
    from syndgen.structured import flatten, read_object

    rows = []
    for outcome in outcomes:
        sample = outcome.sample
        if sample is None:
            continue
        value = read_object(sample.attempt.answer) if not sample.attempt.turns else None
        fields = (
            flatten(value)
            if value is not None
            else {"question": sample.question.text, "answer": sample.attempt.answer}
        )
        row: dict[str, Any] = {"id": record_id(outcome), **fields, "topic": outcome.seed.topic}
        row.update({f"axis.{k}": v for k, v in sorted(outcome.seed.attributes.items())})
        row["score"] = sample.score
        if sample.attempt.checks:
            row["verified"] = all(c.status != "fail" for c in sample.attempt.checks)
        if reasoning != "strip":
            row["reasoning"] = sample.attempt.reasoning
        rows.append(row)
    return rows


Adapter = Callable[[Iterable[SeedOutcome], ReasoningMode, "str | None", bool], list[dict[str, Any]]]
"""``(outcomes, reasoning, system_prompt, with_context) -> rows``: one export format."""

ADAPTERS: dict[str, Adapter] = {
    "sft": sft_rows,
    "dpo": dpo_rows,
    "openai": openai_rows,
    "anthropic": anthropic_rows,
    "table": table_rows,
}
