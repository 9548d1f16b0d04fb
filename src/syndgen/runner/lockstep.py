"""Deterministic batching for backends that declare it (``capabilities.lockstep``).

When one embedded engine serves both the generator and the critic, it runs in lockstep with the
seeds: a decode step starts only when every running seed has a request queued or is done, and
never while the runner commits and launches. The batches, and so the tokens, then depend only on
the outputs, not on thread timing.

Waves make that survive a restart. Seeds run in waves of ``window`` consecutive indices; the
next wave starts only when every seed of the last one is committed, and the engine is reset
(its caches forgotten) at each wave's start. The engine state at a wave's start is therefore
always the same, and a run killed in the middle of a wave resumes by running that wave again
from its first seed: the seeds it had already committed are recomputed to the same outcomes
(and not written twice), and everything after continues as the uninterrupted run would have.
Other backends get :class:`FreeRunning`: no lockstep, no waves.
"""

from __future__ import annotations

import time
from collections.abc import Collection
from concurrent.futures import Future
from contextlib import AbstractContextManager, nullcontext
from typing import Any, Protocol, cast

from syndgen.backends.base import Lockstep, LockstepBackend
from syndgen.context import RunContext


class Gate(Protocol):
    waves: bool
    """Run seeds in waves, with a reset between them (see the module docstring)."""

    def hold(self) -> AbstractContextManager[Any]: ...

    def join(self) -> None: ...

    def leave(self) -> None: ...

    def done(
        self, running: Collection[Future[Any]], finished: Collection[Future[Any]]
    ) -> list[Future[Any]]: ...

    def abort(self) -> None: ...

    def reset(self) -> None: ...


class FreeRunning:
    """No lockstep: seeds and the backend run as they please."""

    waves = False

    def reset(self) -> None:
        pass

    def hold(self) -> AbstractContextManager[Any]:
        return nullcontext()

    def join(self) -> None:
        pass

    def leave(self) -> None:
        pass

    def done(self, running: Collection[Future[Any]], finished: Collection[Future[Any]]) -> list[Future[Any]]:
        return list(finished)

    def abort(self) -> None:
        pass


class LockstepGate:
    """The runner's side of a lockstep backend."""

    waves = True

    def __init__(self, engine: Lockstep) -> None:
        self.engine = engine

    def reset(self) -> None:
        self.engine.reset()

    def hold(self) -> AbstractContextManager[Any]:
        return self.engine.hold()

    def join(self) -> None:
        self.engine.clients(+1)

    def leave(self) -> None:
        self.engine.clients(-1)

    def done(self, running: Collection[Future[Any]], finished: Collection[Future[Any]]) -> list[Future[Any]]:
        """Wait until every running seed is either waiting on the engine or done; return the done.

        The engine cannot step while a done seed is still counted as a client, so this set is the
        same whatever the thread timing, and so are the seeds launched after committing it.
        """
        while True:
            done = [f for f in running if f.done()]
            if self.engine.settled(len(done)):
                return done
            time.sleep(0.0005)

    def abort(self) -> None:
        self.engine.release_clients()


def gate_for(ctx: RunContext) -> Gate:
    """Lockstep when one lockstep backend serves generator and critic, else free running."""
    generator = ctx.generator
    if generator.capabilities.lockstep and ctx.critic is generator:
        return LockstepGate(cast(LockstepBackend, generator).lockstep)
    return FreeRunning()
