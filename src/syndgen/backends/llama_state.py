"""The engine's data: requests and their results, sequence slots, statistics, and the two
small helpers around llama.cpp (quiet logs, common prefixes)."""

from __future__ import annotations

import ctypes
import sys
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

from syndgen.backends.llama_sampling import Sampler, SamplingParams

THINK_OPEN = "<think>"
THINK_CLOSE = "</think>"


@dataclass(frozen=True)
class Generation:
    text: str
    tokens: tuple[int, ...]
    prompt_tokens: int
    completion_tokens: int
    finish_reason: str
    cached_tokens: int
    latency_s: float


@dataclass
class EngineStats:
    """Where the engine's time went, for benchmarks (seconds and token counts since start)."""

    steps: int = 0
    decode_s: float = 0.0  # inside llama_decode
    sample_s: float = 0.0  # sampling and bookkeeping after each decode
    waiting_s: float = 0.0  # work was known but the step could not start (lockstep)
    idle_s: float = 0.0  # nothing to do
    generated_tokens: int = 0
    prompt_tokens: int = 0  # prompt tokens read (decoded)
    reused_tokens: int = 0  # prompt tokens served from a cache (the slot's own or a copy)
    copied_tokens: int = 0  # of those, copied from another sequence's cache

    def as_dict(self) -> dict[str, float]:
        return {k: round(v, 3) if isinstance(v, float) else v for k, v in self.__dict__.items()}


@dataclass
class Request:
    prompt: list[int]
    params: SamplingParams
    future: Future[Generation]
    submitted: float = field(default_factory=time.perf_counter)
    on_piece: Callable[[bytes], None] | None = None
    """Told each decoded token's bytes (token streaming); observes only."""


@dataclass
class Slot:
    seq_id: int
    cached: list[int] = field(default_factory=list)
    request: Request | None = None
    pending: list[int] = field(default_factory=list)
    generated: list[int] = field(default_factory=list)
    pieces: list[bytes] = field(default_factory=list)
    sampler: Sampler | None = None
    reused: int = 0
    think_tokens: int = 0
    in_think: bool = False
    batch_index: int = -1

    def result(self, reason: str) -> Generation:
        """What the slot's request generated, finished for ``reason``."""
        assert self.request is not None
        return Generation(
            text=b"".join(self.pieces).decode("utf-8", errors="replace"),
            tokens=tuple(self.generated),
            prompt_tokens=len(self.request.prompt),
            completion_tokens=len(self.generated),
            finish_reason=reason,
            cached_tokens=self.reused,
            latency_s=time.perf_counter() - self.request.submitted,
        )

    def track_think(self) -> None:
        """Count the tokens written inside an open ``<think>`` block (for the reasoning cap)."""
        tail = b"".join(self.pieces[-8:]).decode("utf-8", errors="ignore")
        if not self.in_think and THINK_OPEN in tail and THINK_CLOSE not in tail.split(THINK_OPEN)[-1]:
            self.in_think = True
        elif self.in_think and THINK_CLOSE in tail:
            self.in_think = False
        if self.in_think:
            self.think_tokens += 1


_LOG_CALLBACK: Any = None
_GGML_LOG_ERROR = 4


def quiet_logs(llama_cpp: Any) -> None:
    """Show llama.cpp's errors only; its info and warnings would drown the progress bar."""
    global _LOG_CALLBACK
    if _LOG_CALLBACK is not None:
        return

    @llama_cpp.llama_log_callback  # type: ignore[untyped-decorator]
    def callback(level: int, text: bytes, user_data: ctypes.c_void_p) -> None:
        if level == _GGML_LOG_ERROR:
            sys.stderr.write(text.decode("utf-8", errors="replace"))

    _LOG_CALLBACK = callback
    llama_cpp.llama_log_set(callback, ctypes.c_void_p(0))


def common_prefix(a: list[int], b: list[int]) -> int:
    n = min(len(a), len(b))
    i = 0
    while i < n and a[i] == b[i]:
        i += 1
    return i
