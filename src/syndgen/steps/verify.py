"""Run the configured verifiers over one attempt (the record they see is built here, pure)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from syndgen.context import AnswerTask, BoundVerifier
from syndgen.records import Attempt, Check
from syndgen.verify.mathcheck import extract_final_answer
from syndgen.verify.registry import run_one
from syndgen.verify.result import VerifierResult


def final_answer(text: str) -> str | None:
    """The marked final answer of ``text`` (``Final answer: ...``), strictly read, or None."""
    return extract_final_answer(text, strict=True)


def verifier_record(task: AnswerTask, attempt: Attempt) -> dict[str, Any]:
    """What the verifiers see of an attempt (pure)."""
    return {
        "question": task.question.text,
        "answer": attempt.answer,
        "reasoning": attempt.reasoning,
        "reference_answer": task.question.reference,
        "tests": task.question.tests,
        "final_answer": final_answer(attempt.answer),
        **task.extra,
    }


def as_checks(results: Sequence[VerifierResult]) -> list[Check]:
    """Verifier results as record checks."""
    return [Check(name=r.name, status=r.status, detail=str(r.detail)[:500]) for r in results]


def run_verifiers(verifiers: Sequence[BoundVerifier], record: dict[str, Any]) -> tuple[Check, ...]:
    """Each verifier's result on ``record``, in config order."""
    return tuple(as_checks([run_one(v.name, v.fn, record, v.params) for v in verifiers]))


def passed(checks: Sequence[Check]) -> bool:
    """At least one verifier passed and none failed."""
    return any(c.status == "pass" for c in checks) and not any(c.status == "fail" for c in checks)
