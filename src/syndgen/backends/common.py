"""Fields every backend config shares, and helpers shared by the HTTP backends."""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
import time
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar
from urllib.parse import urlparse

from pydantic import BaseModel, ConfigDict, Field

from syndgen.errors import BackendError, Cancelled

T = TypeVar("T")


class ModelSettings(BaseModel):
    """Sampling settings common to every backend."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    temperature: float = Field(default=0.7, ge=0.0, le=2.0, description="sampling temperature (0: greedy)")
    top_p: float = Field(default=0.95, gt=0.0, le=1.0, description="nucleus sampling: keep this much mass")
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


class AsyncLoop:
    """One event loop on a daemon thread, shared by an HTTP backend's async client.

    Pipeline workers are threads; each hands its request to this loop and waits, so the requests
    in flight share one connection pool and a semaphore caps them at ``concurrency`` (the
    server's parallel slots).
    """

    def __init__(self, concurrency: int) -> None:
        self._flying: set[concurrent.futures.Future[Any]] = set()
        self._refusing = False
        self._guard = threading.Lock()
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="syndgen-http", daemon=True)
        self._thread.start()
        self.semaphore = self.run(self._make_semaphore(concurrency))

    @staticmethod
    async def _make_semaphore(concurrency: int) -> asyncio.Semaphore:
        return asyncio.Semaphore(concurrency)

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        with self._guard:
            if self._refusing:
                coro.close()
                raise Cancelled("the request was cancelled")
            future = asyncio.run_coroutine_threadsafe(coro, self.loop)
            self._flying.add(future)
        try:
            return future.result()
        except concurrent.futures.CancelledError:
            raise Cancelled("the request was cancelled") from None
        finally:
            with self._guard:
                self._flying.discard(future)

    def cancel_all(self) -> None:
        """Cancel the requests in flight (their callers get :class:`Cancelled`) and refuse new
        ones until :meth:`reopen`."""
        with self._guard:
            self._refusing = True
            flying = list(self._flying)
        for future in flying:
            future.cancel()

    def reopen(self) -> None:
        with self._guard:
            self._refusing = False

    def close(self) -> None:
        if self.loop.is_running():
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join(timeout=5)
        self.loop.close()
