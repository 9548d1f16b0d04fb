"""A job's records for the review screens: every attempt as a table row with filters and
full-text search, and one seed's whole story (question, each attempt with its checks, verdict and
rejections, the regeneration's diff, the DPO counterpart, grounded passages, lineage, reviews).

Reads open the store read-only. A list reads every stored outcome (runs reviewed by people hold
thousands of records, not millions); filtering is plain Python over them.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from syndgen.errors import InputError
from syndgen.export.formats import dpo_rows, passage_rows, sft_rows
from syndgen.records import Attempt, SeedOutcome
from syndgen.review import Review, apply_reviews, latest, load_reviews
from syndgen.store import STORE_NAME, RunStore

SNIPPET = 240
_TOKEN = re.compile(r"\s+|\w+|[^\w\s]")
PRIVACY_REASONS = frozenset({"pii", "leak", "contaminated"})


@dataclass(frozen=True)
class RecordFilter:
    status: str | None = None
    """``kept`` or ``rejected``."""
    role: str | None = None
    topic: str | None = None
    axis: str | None = None
    """``name:value``."""
    min_score: int | None = None
    max_score: int | None = None
    reason: str | None = None
    difficulty: str | None = None
    verified: bool | None = None
    privacy: bool | None = None
    """Rejected for PII or leakage (``pii``, ``leak``, ``contaminated``) or flagged for leakage."""
    review: str | None = None
    """``accept``, ``reject``, ``edit`` or ``none``."""
    q: str | None = None


def _outcomes(run_dir: Path) -> tuple[list[SeedOutcome], list[Review], dict[str, str | None]]:
    if not (run_dir / STORE_NAME).is_file():
        return [], [], {}
    store = RunStore.open_existing(run_dir)
    try:
        meta = {k: store.get_meta(k) for k in ("config_hash", "index_version", "index_path")}
        return list(store.outcomes()), load_reviews(store), meta
    finally:
        store.close()


def _verified(attempt: Attempt) -> bool | None:
    if not attempt.checks:
        return None
    return all(c.status != "fail" for c in attempt.checks) and any(c.status == "pass" for c in attempt.checks)


def attempt_rows(outcome: SeedOutcome, current: dict[tuple[int, int], Review]) -> Iterator[dict[str, Any]]:
    """One table row per attempt of a seed (pure)."""
    kept_no = outcome.sample.attempt.attempt_no if outcome.sample else None
    scores = {v.attempt_no: v.score for v in outcome.verdicts}
    rationale = {v.attempt_no: v.rationale for v in outcome.verdicts}
    difficulty = outcome.sample.difficulty if outcome.sample else None
    flagged = outcome.sample is not None and "leakage" in outcome.sample.columns
    for attempt in outcome.attempts:
        reasons = [r.reason for r in outcome.rejections if r.attempt_no == attempt.attempt_no]
        decision = current.get((outcome.seed.index, attempt.attempt_no))
        yield {
            "seed_index": outcome.seed.index,
            "attempt_no": attempt.attempt_no,
            "role": attempt.role,
            "status": "kept" if attempt.attempt_no == kept_no else "rejected",
            "topic": outcome.seed.topic,
            "attributes": dict(outcome.seed.attributes),
            "question": outcome.question.text if outcome.question else "",
            "answer": attempt.answer,
            "reasoning": attempt.reasoning,
            "rationale": rationale.get(attempt.attempt_no, ""),
            "score": scores.get(attempt.attempt_no),
            "reasons": reasons,
            "difficulty": difficulty if attempt.attempt_no == kept_no else None,
            "verified": _verified(attempt),
            "privacy": bool(PRIVACY_REASONS.intersection(reasons))
            or (attempt.attempt_no == kept_no and flagged),
            "review": decision.decision if decision else None,
        }


def _axis_match(row: dict[str, Any], axis: str) -> bool:
    name, _, value = axis.partition(":")
    have = row["attributes"].get(name)
    values = [str(v) for v in have] if isinstance(have, list) else [str(have)]
    return have is not None and (not value or value in values)


def _score_ok(row: dict[str, Any], f: RecordFilter) -> bool:
    score = row["score"]
    if f.min_score is not None and (score is None or score < f.min_score):
        return False
    return f.max_score is None or (score is not None and score <= f.max_score)


def matches(row: dict[str, Any], f: RecordFilter) -> bool:
    """Whether a row passes every filter given (pure); ``q`` is a case-blind substring of the
    question, reasoning, answer, critic rationale or rejection reasons."""
    plain = (
        ("status", f.status),
        ("role", f.role),
        ("topic", f.topic),
        ("difficulty", f.difficulty),
        ("verified", f.verified),
        ("privacy", f.privacy),
    )
    if any(want is not None and row[key] != want for key, want in plain):
        return False
    if f.review is not None and (row["review"] or "none") != f.review:
        return False
    if f.reason is not None and f.reason not in row["reasons"]:
        return False
    if f.axis and not _axis_match(row, f.axis):
        return False
    if not _score_ok(row, f):
        return False
    if f.q:
        text = " ".join([row["question"], row["reasoning"], row["answer"], row["rationale"], *row["reasons"]])
        return f.q.lower() in text.lower()
    return True


def _facets(rows: list[dict[str, Any]]) -> dict[str, list[str]]:
    """The values each filter can take in this run, for the filter controls."""
    axes = sorted(
        {
            f"{k}:{v}"
            for r in rows
            for k, vals in r["attributes"].items()
            for v in (vals if isinstance(vals, list) else [vals])
        }
    )
    return {
        "topic": sorted({r["topic"] for r in rows}),
        "axis": axes,
        "reason": sorted({reason for r in rows for reason in r["reasons"]}),
        "role": sorted({r["role"] for r in rows}),
        "difficulty": sorted({r["difficulty"] for r in rows if r["difficulty"]}),
    }


def _snip(text: str) -> str:
    return text if len(text) <= SNIPPET else text[: SNIPPET - 1] + "…"


def list_records(run_dir: Path, f: RecordFilter, *, limit: int, offset: int) -> dict[str, Any]:
    """One page of attempt rows (long texts cut to a snippet), the total, and the facets."""
    outcomes, reviews, _ = _outcomes(run_dir)
    current = latest(reviews)
    rows = [row for o in outcomes for row in attempt_rows(o, current)]
    found = [r for r in rows if matches(r, f)]
    page = [
        {
            **r,
            "answer": _snip(r["answer"]),
            "reasoning": _snip(r["reasoning"]),
            "rationale": _snip(r["rationale"]),
        }
        for r in found[offset : offset + limit]
    ]
    kept = sum(1 for r in rows if r["status"] == "kept")
    counts = {"attempts": len(rows), "kept": kept, "rejected": len(rows) - kept}
    return {
        "total": len(found),
        "offset": offset,
        "limit": limit,
        "items": page,
        "facets": _facets(rows),
        "counts": counts,
    }


# --------------------------------------------------------------------------- one record


def word_diff(before: str, after: str) -> list[dict[str, str]]:
    """What changed from ``before`` to ``after``, word by word: ``{"op": equal|insert|delete,
    "text"}`` runs in order (pure)."""
    a, b = _TOKEN.findall(before), _TOKEN.findall(after)
    out: list[dict[str, str]] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if tag in ("equal", "delete", "replace"):
            out.append({"op": "equal" if tag == "equal" else "delete", "text": "".join(a[i1:i2])})
        if tag in ("insert", "replace"):
            out.append({"op": "insert", "text": "".join(b[j1:j2])})
    return [d for d in out if d["text"]]


def _attempt_detail(
    outcome: SeedOutcome, attempt: Attempt, current: dict[tuple[int, int], Review]
) -> dict[str, Any]:
    verdict = next((v for v in outcome.verdicts if v.attempt_no == attempt.attempt_no), None)
    kept_no = outcome.sample.attempt.attempt_no if outcome.sample else None
    decision = current.get((outcome.seed.index, attempt.attempt_no))
    return {
        "attempt_no": attempt.attempt_no,
        "role": attempt.role,
        "status": "kept" if attempt.attempt_no == kept_no else "rejected",
        "model": attempt.model,
        "reasoning": attempt.reasoning,
        "answer": attempt.answer,
        "final_answer": attempt.final_answer,
        "finish_reason": attempt.finish_reason,
        "shape": attempt.shape,
        "turns": [t.model_dump() for t in attempt.turns],
        "tokens": attempt.usage.completion_tokens,
        "latency_s": round(attempt.latency_s, 3),
        "checks": [c.model_dump() for c in attempt.checks],
        "verdict": None
        if verdict is None
        else {
            "score": verdict.score,
            "rationale": verdict.rationale,
            "critic_model": verdict.critic_model,
            "flags": verdict.flags,
            "repaired": verdict.repaired,
        },
        "rejections": [r.model_dump() for r in outcome.rejections if r.attempt_no == attempt.attempt_no],
        "review": decision.model_dump() if decision else None,
    }


def _regeneration(outcome: SeedOutcome) -> dict[str, Any] | None:
    """The regeneration and what changed from the attempt before it."""
    regen = next((a for a in outcome.attempts if a.role == "regenerate"), None)
    if regen is None:
        return None
    before = [a for a in outcome.attempts if a.attempt_no < regen.attempt_no and a.role != "vote"]
    if not before:
        return None
    first = before[-1]
    return {
        "from": first.attempt_no,
        "to": regen.attempt_no,
        "answer": word_diff(first.answer, regen.answer),
        "reasoning": word_diff(first.reasoning, regen.reasoning),
    }


def record_detail(run_dir: Path, seed_index: int) -> dict[str, Any]:
    """Everything about one seed; an uncommitted seed is one clear error."""
    outcomes, reviews, meta = _outcomes(run_dir)
    outcome = next((o for o in outcomes if o.seed.index == seed_index), None)
    if outcome is None:
        raise InputError(f"seed {seed_index} is not committed in this run")
    current = latest(reviews)
    reviewed = apply_reviews([outcome], reviews)
    sample = outcome.sample
    dpo = dpo_rows(reviewed, "field")
    sft = sft_rows(reviewed, "field")
    return {
        "seed_index": seed_index,
        "seed": outcome.seed.model_dump(),
        "question": outcome.question.model_dump() if outcome.question else None,
        "accepted": outcome.accepted,
        "kept_attempt": sample.attempt.attempt_no if sample else None,
        "score": sample.score if sample else None,
        "difficulty": sample.difficulty if sample else None,
        "pass_rate": sample.pass_rate if sample else None,
        "confidence": sample.confidence if sample else None,
        "support": sample.support if sample else {},
        "passages": passage_rows(sample.context) if sample else [],
        "rewritten_from": sample.rewritten_from if sample else None,
        "attempts": [_attempt_detail(outcome, a, current) for a in outcome.attempts],
        "rejections": [r.model_dump() for r in outcome.rejections],
        "regeneration": _regeneration(outcome),
        "dpo": dpo[0] if dpo else None,
        "sft": sft[0] if sft else None,
        "reviews": [r.model_dump() for r in reviews if r.seed_index == seed_index],
        "lineage": {
            "seed_index": seed_index,
            "topic": outcome.seed.topic,
            "variant": outcome.seed.variant,
            "attributes": dict(outcome.seed.attributes),
            "chunk_id": outcome.seed.chunk_id,
            "examples": list(outcome.seed.examples),
            "question_model": outcome.question.model if outcome.question else None,
            "elapsed_s": round(outcome.elapsed_s, 3),
            **{k: v for k, v in meta.items() if v is not None},
        },
        "neighbours": _neighbours(outcomes, seed_index),
    }


def _neighbours(outcomes: list[SeedOutcome], seed_index: int) -> dict[str, int | None]:
    seeds = [o.seed.index for o in outcomes]
    at = seeds.index(seed_index)
    return {
        "previous": seeds[at - 1] if at > 0 else None,
        "next": seeds[at + 1] if at + 1 < len(seeds) else None,
    }
