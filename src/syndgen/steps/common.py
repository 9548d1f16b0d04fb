"""Helpers the steps share: per-request sampling seeds and the one call into a backend."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass

from syndgen.backends.base import Backend, ChatRequest, ChatResponse, ResponseFormat
from syndgen.backends.common import ModelSettings
from syndgen.records import Message


def request_seed(run_seed: int, seed_index: int, stage: str, attempt_no: int = 0) -> int:
    """A sampling seed that depends only on where the request sits in the run (pure)."""
    key = f"{run_seed}:{seed_index}:{stage}:{attempt_no}".encode()
    return int.from_bytes(hashlib.sha256(key).digest()[:4], "big") & 0x7FFFFFFF


def ask(
    backend: Backend,
    settings: ModelSettings,
    messages: tuple[Message, ...],
    *,
    seed: int,
    max_tokens: int | None = None,
    response_format: ResponseFormat | None = None,
    max_reasoning_tokens: int | None = None,
) -> ChatResponse:
    request = ChatRequest(
        messages=messages,
        max_tokens=max_tokens or settings.max_tokens,
        temperature=settings.temperature,
        top_p=settings.top_p,
        seed=seed,
        response_format=response_format,
        max_reasoning_tokens=max_reasoning_tokens,
    )
    return backend.chat(request)


@dataclass(frozen=True)
class SeedContext:
    """What a seed may know about the rest of the run: only seeds committed before it started.

    ``known_question(key)`` says whether an accepted sample already has this normalised
    question; ``duplicate(text)`` returns ``(reason, detail)`` when the record text repeats an
    accepted one (exact, near or semantic), else None.
    """

    known_question: Callable[[str], bool] = lambda _key: False
    duplicate: Callable[[str], tuple[str, str] | None] = lambda _text: None
