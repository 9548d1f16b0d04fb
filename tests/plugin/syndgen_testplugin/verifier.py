"""The ``shouts`` verifier: passes when the answer ends with an exclamation mark."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from syndgen.verify.result import VerifierResult


def shouts(record: Mapping[str, Any], params: Mapping[str, Any]) -> VerifierResult:
    answer = str(record.get("answer", "")).strip()
    ok = answer.endswith("!")
    return VerifierResult(
        name="shouts", status="pass" if ok else "fail", detail="" if ok else "no '!' at the end"
    )
