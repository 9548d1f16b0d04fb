"""The one call into a backend that every stage makes, and per-request sampling seeds (pure)."""

from __future__ import annotations

import hashlib

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
