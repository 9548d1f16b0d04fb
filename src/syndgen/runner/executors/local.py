"""Seeds in threads of this process: a bounded pool, and the lockstep gate where the backend
has one (:mod:`syndgen.runner.lockstep`)."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import AbstractContextManager
from typing import Any

from syndgen.backends.base import Cancellable
from syndgen.context import RunContext, SeedContext
from syndgen.kinds.base import Kind
from syndgen.records import Seed, SeedOutcome
from syndgen.runner.lockstep import Gate, gate_for
from syndgen.runner.process import process_seed


def cancel_requests(ctx: RunContext) -> None:
    """Drop the requests in flight where a backend can."""
    for backend in ctx.backends:
        if isinstance(backend, Cancellable):
            backend.cancel_all()


def reopen_requests(ctx: RunContext) -> None:
    for backend in ctx.backends:
        if isinstance(backend, Cancellable):
            backend.reopen()


class LocalExecutor:
    """Up to ``workers`` seeds in threads; ``seen(limit)`` is what a seed may know."""

    def __init__(self, ctx: RunContext, kind: Kind, workers: int, seen: Callable[[int], SeedContext]) -> None:
        self.ctx, self.kind, self.workers, self.seen = ctx, kind, workers, seen
        self.gate: Gate = gate_for(ctx)
        self.waves = self.gate.waves
        self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="syndgen")
        self.futures: dict[Future[SeedOutcome], int] = {}
        self.finished: list[Future[SeedOutcome]] = []
        self.gate.reset()  # a wave starts from a clean engine, in a new process or not

    @property
    def capacity(self) -> int:
        return self.workers

    def running(self) -> int:
        return len(self.futures)

    def hold(self) -> AbstractContextManager[Any]:
        return self.gate.hold()

    def reset(self) -> None:
        self.gate.reset()

    def submit(self, seed: Seed, limit: int) -> None:
        self.gate.join()
        future = self.pool.submit(process_seed, self.kind, seed, self.ctx, self.seen(limit))
        self.futures[future] = seed.index

    def flush(self) -> None:
        pass

    def wait(self) -> None:
        done, _ = wait(self.futures, return_when=FIRST_COMPLETED)
        self.finished = self.gate.done(self.futures, done)

    def take(self) -> list[tuple[int, SeedOutcome]]:
        """One hold for the seeds just done, the commits and the launches: the engine never
        steps with a set of clients that depends on thread timing."""
        taken = []
        for future in self.finished:
            index = self.futures.pop(future)
            self.gate.leave()
            taken.append((index, future.result()))
        self.finished = []
        return taken

    def learn(self, index: int, key: str, text: str) -> None:
        pass  # the seeds' SeedContext reads the scheduler's own indexes

    def drop(self) -> None:
        """Cancel the seeds still running and wait for their threads."""
        cancel_requests(self.ctx)
        try:
            wait(self.futures)
            for future in self.futures:
                future.exception()  # a cancelled seed ends in an error nobody needs
            self.futures.clear()
        finally:
            reopen_requests(self.ctx)

    def finish(self) -> None:
        self.pool.shutdown(wait=True)

    def abort(self) -> None:
        self.gate.abort()
        cancel_requests(self.ctx)
        self.pool.shutdown(wait=False, cancel_futures=True)
