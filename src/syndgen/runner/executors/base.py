"""What the scheduler needs from an executor (see :mod:`syndgen.runner.executors`)."""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Any, Protocol

from syndgen.records import Seed, SeedOutcome


class Executor(Protocol):
    """Runs seeds; the scheduler calls it from one thread.

    A seed is given with its ``limit``: it may only see seeds below it (those committed a plan
    window before it started). Finished outcomes are handed back by :meth:`take`, in any order;
    the scheduler commits them in seed order and tells the executor of every kept sample
    (:meth:`learn`), which is what later seeds may know of earlier ones.
    """

    waves: bool
    """Seeds run in waves of a plan window with a reset between them (lockstep backends)."""

    @property
    def capacity(self) -> int:
        """The most seeds it runs at once."""
        ...

    def running(self) -> int:
        """Seeds submitted and not yet handed back by :meth:`take`."""
        ...

    def hold(self) -> AbstractContextManager[Any]:
        """Held while the scheduler takes, commits and submits (a lockstep engine waits)."""
        ...

    def reset(self) -> None:
        """A wave starts: forget the state later outputs depend on (nothing is running)."""
        ...

    def submit(self, seed: Seed, limit: int) -> None: ...

    def flush(self) -> None:
        """The seeds submitted since the last call may start (an executor may batch them)."""
        ...

    def wait(self) -> None:
        """Block until :meth:`take` has something to hand back."""
        ...

    def take(self) -> list[tuple[int, SeedOutcome]]:
        """The finished seeds' outcomes (called under :meth:`hold`)."""
        ...

    def learn(self, index: int, key: str, text: str) -> None:
        """Seed ``index`` was committed with a kept sample: its question key and record text."""
        ...

    def drop(self) -> None:
        """The target is reached: stop the seeds still running; their outcomes are not needed."""
        ...

    def finish(self) -> None:
        """The session's seeds are all handed back."""
        ...

    def abort(self) -> None:
        """The session failed or was interrupted: stop everything now."""
        ...
