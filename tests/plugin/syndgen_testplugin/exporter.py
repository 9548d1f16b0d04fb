"""The ``plaintext`` exporter: one ``{"text": ...}`` row per kept record."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from syndgen.records import SeedOutcome


def rows(
    outcomes: Iterable[SeedOutcome], reasoning: str, system_prompt: str | None, with_context: bool
) -> list[dict[str, Any]]:
    return [
        {"text": f"{o.sample.question.text}\n{o.sample.attempt.answer}"}
        for o in outcomes
        if o.sample is not None
    ]
