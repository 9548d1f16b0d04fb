"""Run KPIs, computed from the store: the store is the source of truth, so these are always
consistent with what was exported, across resumes."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from syndgen.store import RunStore

EVIDENCE = ("verifier", "grounding_and_critic", "critic", "filters_only")
"""What a kept record's acceptance rests on, strongest first."""


def evidence_of(sample: dict[str, Any]) -> str:
    """What decided a kept sample (pure): a programmatic verifier that passed, the grounding
    support check (with the critic), the critic's score alone, or only the cheap filters."""
    if any(c.get("status") == "pass" for c in sample.get("attempt", {}).get("checks", [])):
        return "verifier"
    if sample.get("support", {}).get("supported"):
        return "grounding_and_critic"
    if (sample.get("verdict") or {}).get("score") is not None:
        return "critic"
    return "filters_only"


def shape_counts(outcomes: list[dict[str, Any]]) -> dict[str, dict[str, int]]:
    """How questions and answers got their required shape (pure): ``{"questions": {rung: n},
    "answers": {rung: n}}`` over every question and attempt that had one."""
    questions: Counter[str] = Counter()
    answers: Counter[str] = Counter()
    for outcome in outcomes:
        shape = (outcome.get("question") or {}).get("shape")
        if shape:
            questions[shape] += 1
        answers.update(a["shape"] for a in outcome.get("attempts", []) if a.get("shape"))
    return {"questions": dict(sorted(questions.items())), "answers": dict(sorted(answers.items()))}


def _outcomes(store: RunStore) -> list[dict[str, Any]]:
    return [json.loads(raw) for (raw,) in store.rows("SELECT outcome_json FROM outcomes ORDER BY seed_index")]


def _ratio(num: float, den: float) -> float | None:
    return round(num / den, 4) if den else None


def compute_kpis(store: RunStore) -> dict[str, Any]:
    """Counts, rates and costs of a run. Each attempt has a role (``answer``, ``vote``,
    ``regenerate``, ``rewrite``): a sample is *accepted first try* when its kept attempt was a
    first answer or a voting round's winner, and the regeneration success rate is the share of
    regenerations that were kept, whatever voting or rewriting happened around them."""
    samples = store.count("samples")
    attempts = store.count("attempts")
    seeds = store.count("outcomes")
    wall_s = float(store.scalar("SELECT COALESCE(SUM(wall_s), 0) FROM sessions"))
    prompt_tokens = int(store.scalar("SELECT COALESCE(SUM(prompt_tokens), 0) FROM outcomes"))
    completion_tokens = int(store.scalar("SELECT COALESCE(SUM(completion_tokens), 0) FROM outcomes"))
    by_reason = dict(
        store.rows("SELECT reason, COUNT(*) FROM rejections GROUP BY reason ORDER BY COUNT(*) DESC")
    )
    by_stage = dict(store.rows("SELECT stage, COUNT(*) FROM rejections GROUP BY stage"))
    scores = dict(store.rows("SELECT score, COUNT(*) FROM verdicts WHERE score IS NOT NULL GROUP BY score"))
    kept_role, role = store.attempt_role_sql("a"), store.attempt_role_sql()
    kept_by_role = dict(
        store.rows(
            f"SELECT {kept_role} AS r, COUNT(*) FROM samples s JOIN attempts a"
            " ON a.seed_index = s.seed_index AND a.attempt_no = s.attempt_no GROUP BY r"
        )
    )
    by_role = dict(store.rows(f"SELECT {role} AS r, COUNT(*) FROM attempts GROUP BY r"))
    first_try = int(kept_by_role.get("answer", 0)) + int(kept_by_role.get("vote", 0))
    regenerated = int(by_role.get("regenerate", 0))
    rescued = int(kept_by_role.get("regenerate", 0))
    rejected_attempts = attempts - samples
    outcomes = _outcomes(store)
    evidence = Counter(evidence_of(o["sample"]) for o in outcomes if o.get("sample"))
    return {
        "samples": samples,
        "attempts": attempts,
        "seeds": seeds,
        "rejected_attempts": rejected_attempts,
        "rejection_rate": _ratio(rejected_attempts, attempts) if attempts else 0.0,
        "attempts_per_valid_record": _ratio(attempts, samples),
        "rejections_by_reason": by_reason,
        "rejections_by_stage": by_stage,
        "accepted_first_try": first_try,
        "regenerations": regenerated,
        "regeneration_success_rate": _ratio(rescued, regenerated),
        "attempts_by_role": {str(k): int(v) for k, v in sorted(by_role.items())},
        "kept_by_role": {str(k): int(v) for k, v in sorted(kept_by_role.items())},
        "score_histogram": {str(k): v for k, v in sorted(scores.items())},
        "kept_evidence": {name: evidence[name] for name in EVIDENCE if evidence[name]},
        "shapes": shape_counts(outcomes),
        "wall_seconds": round(wall_s, 2),
        "seconds_per_valid_record": _ratio(wall_s, samples),
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "tokens_per_valid_record": _ratio(prompt_tokens + completion_tokens, samples),
        "generated_tokens_per_valid_record": _ratio(completion_tokens, samples),
    }
