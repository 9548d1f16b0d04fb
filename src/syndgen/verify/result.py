"""The outcome of one verifier on one record (a frozen value, safe to store and compare)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from pydantic import BaseModel, ConfigDict

Status = Literal["pass", "fail", "skipped"]


class VerifierResult(BaseModel):
    """``status`` is ``skipped`` when the record lacks what the verifier needs (no reference)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    status: Status
    detail: str = ""

    @property
    def passed(self) -> bool:
        return self.status == "pass"


def summarise(results: Iterable[VerifierResult]) -> dict[str, dict[str, str]]:
    """``{name: {"status": ..., "detail": ...}}``; a later result with the same name wins."""
    return {r.name: {"status": r.status, "detail": r.detail} for r in results}
