"""The run folder's lock: one process writes a run at a time, and a second one is told which."""

from __future__ import annotations

import os
from pathlib import Path

from syndgen.errors import RunStateError

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no advisory locks, one process per run folder
    fcntl = None  # type: ignore[assignment]

LOCK_NAME = ".lock"


class RunLock:
    """An exclusive lock on a run folder (``RUN/.lock``, holding the holder's pid).

    Taken with ``flock(LOCK_EX | LOCK_NB)`` for as long as a run is open for writing, so a second
    process on the same folder stops at once instead of redoing the same seeds. The kernel drops
    the lock when the process ends, however it ends; the file itself stays (removing it would let
    two processes lock two different files).
    """

    def __init__(self, run_dir: Path) -> None:
        self.path = run_dir / LOCK_NAME
        self._fd: int | None = None

    def acquire(self) -> RunLock:
        if fcntl is None:  # pragma: no cover
            return self
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
            os.close(fd)
            who = f"process {holder}" if holder.isdigit() else "another process"
            raise RunStateError(
                f"{self.path.parent} is in use by {who}", hint="wait for it to finish, or stop it"
            ) from None
        except BaseException:
            os.close(fd)
            raise
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self._fd = fd
        return self

    def release(self) -> None:
        if self._fd is not None:
            fd, self._fd = self._fd, None
            os.ftruncate(fd, 0)
            os.close(fd)  # closing the descriptor releases the flock
