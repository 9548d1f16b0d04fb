"""Fields every backend config shares, and helpers shared by the HTTP backends."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar
from urllib.parse import urlparse

from pydantic import BaseModel, ConfigDict, Field

from syndgen.errors import BackendError

T = TypeVar("T")


class ModelSettings(BaseModel):
    """Sampling settings common to every backend."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    temperature: float = Field(default=0.7, ge=0.0, le=2.0)
    top_p: float = Field(default=0.95, gt=0.0, le=1.0)
    max_tokens: int = Field(default=512, ge=1, description="cap on generated tokens per call")
    timeout_s: float = Field(default=600.0, gt=0, description="per-request timeout")


def call_with_retries(
    call: Callable[[], T],
    *,
    retries: int,
    base_delay_s: float = 0.5,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """Run ``call``; retry a :class:`BackendError` marked retryable, with exponential backoff."""
    attempt = 0
    while True:
        try:
            return call()
        except BackendError as exc:
            if not exc.retryable or attempt >= retries:
                raise
            sleep(base_delay_s * (2**attempt))
            attempt += 1


def is_loopback(url: str) -> bool:
    host = urlparse(url).hostname or ""
    return host in {"localhost", "127.0.0.1", "::1", "0.0.0.0"}
