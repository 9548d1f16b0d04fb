"""Fields every backend config shares, and helpers shared by the HTTP backends.

The HTTP backends share one shape: a request is handed from a pipeline thread to an event loop
(:class:`AsyncLoop`), retried there (:class:`Retrier`, which also counts the faults), and every
error leaves as a :class:`BackendFault`: a :class:`BackendError` that says whether it is
retryable, whether only its record is at fault, and what kind of fault it was.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import email.utils
import threading
import time
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from typing import Any, TypeVar
from urllib.parse import urlparse

from pydantic import BaseModel, ConfigDict, Field

from syndgen.errors import BackendError, Cancelled
from syndgen.faults import FaultCounter

T = TypeVar("T")

BASE_DELAY_S = 0.5
MAX_BACKOFF_S = 8.0
MAX_RETRY_AFTER_S = 60.0
DEFAULT_RETRIES = 5
"""0.5 + 1 + 2 + 4 + 8 s: a local server restarting (about 10 s) is ridden out."""
MALFORMED_STREAK = 3
CLOSE_TIMEOUT_S = 5.0


class ModelSettings(BaseModel):
    """Sampling settings common to every backend."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    temperature: float = Field(default=0.7, ge=0.0, le=2.0, description="sampling temperature (0: greedy)")
    top_p: float = Field(default=0.95, gt=0.0, le=1.0, description="nucleus sampling: keep this much mass")
    max_tokens: int = Field(default=512, ge=1, description="cap on generated tokens per call")
    timeout_s: float = Field(default=600.0, gt=0, description="per-request timeout")


def retry_delay(attempt: int, retry_after: float | None = None) -> float:
    """Seconds to wait before try ``attempt + 1``: 0.5, 1, 2, 4, 8, 8, ... or the server's
    ``Retry-After`` when that is longer (capped at a minute)."""
    backoff: float = min(MAX_BACKOFF_S, BASE_DELAY_S * 2.0**attempt)
    if retry_after is not None and retry_after > backoff:
        return min(retry_after, MAX_RETRY_AFTER_S)
    return backoff


def call_with_retries(
    call: Callable[[], T],
    *,
    retries: int,
    base_delay_s: float = BASE_DELAY_S,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """Run ``call``; retry a :class:`BackendError` marked retryable, with exponential backoff.

    The HTTP backends retry on their event loop instead (:class:`Retrier`), where a backoff is
    cancellable; this is for blocking callers.
    """
    attempt = 0
    while True:
        try:
            return call()
        except BackendError as exc:
            if not exc.retryable or attempt >= retries:
                raise
            sleep(base_delay_s * (2**attempt))
            attempt += 1


class BackendFault(BackendError):
    """A normalised backend error that also names its fault ``kind`` (for :mod:`syndgen.faults`)
    and the server's ``Retry-After``, if it sent one."""

    def __init__(
        self,
        message: str,
        *,
        kind: str,
        retryable: bool = False,
        hint: str | None = None,
        record_level: bool = False,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, retryable=retryable, hint=hint, record_level=record_level)
        self.kind = kind
        self.retry_after = retry_after


def malformed(message: str) -> BackendFault:
    """A reply that could not be read: retried, and it rejects only its record when tries run out."""
    return BackendFault(message, kind="malformed_response", retryable=True, record_level=True)


def retry_after_s(headers: Mapping[str, str] | None) -> float | None:
    """``Retry-After`` (seconds, or an HTTP date) or ``retry-after-ms`` as seconds (pure)."""
    if not headers:
        return None
    millis = headers.get("retry-after-ms")
    if millis is not None:
        try:
            return max(0.0, float(millis) / 1000)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


class Retrier:
    """Sends a request, retries what is retryable, and counts every fault by kind.

    It runs on the backend's event loop, so a backoff is cancelled with the request. Unreadable
    replies reject only their record, until :data:`MALFORMED_STREAK` requests in a row have given up
    on them: a server that never answers with a completion (a web page at ``base_url``) then
    stops the run with one error instead of rejecting every record slowly.
    """

    def __init__(
        self,
        retries: int,
        faults: FaultCounter,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.retries = retries
        self.faults = faults
        self._sleep = sleep
        self._malformed_streak = 0

    async def run(
        self,
        send: Callable[[], Awaitable[T]],
        translate: Callable[[Exception], BackendFault],
    ) -> T:
        """Await ``send()`` until it succeeds or fails for good; ``translate`` normalises what
        it raises (and re-raises anything it does not know)."""
        attempt = 0
        while True:
            self.faults.add("requests")
            try:
                result = await send()
            except BackendFault as fault:
                failure = fault
            except Exception as exc:  # noqa: BLE001 - normalised here; translate re-raises what it does not know
                failure = translate(exc)
                failure.__cause__ = exc
            else:
                self._malformed_streak = 0
                return result
            self.faults.add(failure.kind)
            if not failure.retryable:
                raise failure
            if attempt < self.retries:
                self.faults.add("retries")
                await self._sleep(retry_delay(attempt, failure.retry_after))
                attempt += 1
                continue
            self.faults.add("gave_up")
            raise self._gave_up(failure, attempt + 1)

    def _gave_up(self, failure: BackendFault, tries: int) -> BackendFault:
        if failure.kind != "malformed_response":
            return failure
        self._malformed_streak += 1
        if self._malformed_streak < MALFORMED_STREAK:
            return BackendFault(f"{failure.message} ({tries} tries)", kind=failure.kind, record_level=True)
        return BackendFault(
            f"{failure.message}, for {self._malformed_streak} requests in a row",
            kind=failure.kind,
            hint="check that base_url / host points at the model API",
        )


def is_loopback(url: str) -> bool:
    host = urlparse(url).hostname or ""
    return host in {"localhost", "127.0.0.1", "::1", "0.0.0.0"}


class AsyncLoop:
    """One event loop on a daemon thread, shared by an HTTP backend's async client.

    Pipeline workers are threads; each hands its request to this loop and waits, so the requests
    in flight share one connection pool and a semaphore caps them at ``concurrency`` (the
    server's parallel slots).

    :meth:`close` never leaves a caller waiting: it cancels every request in flight (its caller
    gets :class:`Cancelled` at once), lets the loop finish the cancelled tasks, runs the client's
    own cleanup, and only then stops the loop; a :meth:`run` after that fails at once and closes
    its coroutine, so none is left "never awaited".
    """

    def __init__(self, concurrency: int) -> None:
        self._flying: set[concurrent.futures.Future[Any]] = set()
        self._refusing = False
        self._closed = False
        self._guard = threading.Lock()
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="syndgen-http", daemon=True)
        self._thread.start()
        self.semaphore = self.run(self._make_semaphore(concurrency))

    @staticmethod
    async def _make_semaphore(concurrency: int) -> asyncio.Semaphore:
        return asyncio.Semaphore(concurrency)

    @property
    def closed(self) -> bool:
        return self._closed

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run ``coro`` on the loop and wait for it; :class:`Cancelled` if it is cancelled."""
        with self._guard:
            if self._closed or self._refusing:
                coro.close()
                why = "the backend is closed" if self._closed else "the request was cancelled"
                raise Cancelled(why)
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

    def close(self, cleanup: Coroutine[Any, Any, Any] | None = None) -> None:
        """Cancel what is in flight, await ``cleanup`` (closing the client), stop the loop.

        Safe to call twice and from any thread but the loop's own.
        """
        with self._guard:
            already, self._closed = self._closed, True
            flying = list(self._flying)
        if already:
            if cleanup is not None:
                cleanup.close()
            return
        for future in flying:
            future.cancel()  # the loop is still running: the task's cancellation is delivered
        shutdown = self._shutdown(cleanup)
        if self._thread.is_alive() and self.loop.is_running():
            done = asyncio.run_coroutine_threadsafe(shutdown, self.loop)
            try:
                done.result(timeout=CLOSE_TIMEOUT_S)
            except concurrent.futures.TimeoutError:
                done.cancel()
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join(timeout=CLOSE_TIMEOUT_S)
        elif not self.loop.is_closed():
            self.loop.run_until_complete(shutdown)  # the loop's thread is gone: drain it here
        else:
            shutdown.close()
        if not self.loop.is_running() and not self.loop.is_closed():
            self.loop.close()

    async def _shutdown(self, cleanup: Coroutine[Any, Any, Any] | None) -> None:
        current = asyncio.current_task()
        tasks = [task for task in asyncio.all_tasks() if task is not current]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if cleanup is not None:
            # The client's own close; a failure to close a dead connection changes nothing.
            await asyncio.gather(asyncio.wait_for(cleanup, CLOSE_TIMEOUT_S), return_exceptions=True)
        await self.loop.shutdown_asyncgens()
