"""Run a process in its own session and kill its whole process group when it ends or times out."""

from __future__ import annotations

import contextlib
import os
import select
import signal
import subprocess
import time
from dataclasses import dataclass
from typing import IO

_SHUTDOWN_GRACE_S = 5.0


@dataclass(frozen=True)
class ProcessExit:
    returncode: int
    timed_out: bool
    duration_s: float


def _wait_for_exit(pid: int, timeout_s: float) -> bool:
    """Wait until ``pid`` exits, without reaping it (its process group stays killable). False on timeout."""
    try:
        pidfd = os.pidfd_open(pid)
    except (AttributeError, OSError):
        pidfd = None
    if pidfd is not None:
        try:
            poller = select.poll()
            poller.register(pidfd, select.POLLIN)
            return bool(poller.poll(max(0, int(timeout_s * 1000))))
        finally:
            os.close(pidfd)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None:
            return True
        time.sleep(0.005)
    return False


def kill_group(pgid: int) -> None:
    """SIGKILL every process in the group; a group that is already gone is fine."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, signal.SIGKILL)


def run_contained(
    argv: list[str],
    *,
    cwd: str,
    env: dict[str, str],
    timeout_s: float,
    stdin: IO[bytes] | int,
    stdout: IO[bytes] | int,
    stderr: IO[bytes] | int,
    pass_fds: tuple[int, ...] = (),
) -> ProcessExit:
    """Run ``argv`` in its own session; kill its whole process group when it ends or times out."""
    start = time.monotonic()
    proc = subprocess.Popen(
        argv,
        cwd=cwd,
        env=env,
        stdin=stdin,
        stdout=stdout,
        stderr=stderr,
        pass_fds=pass_fds,
        close_fds=True,
        start_new_session=True,
    )
    exited = False
    try:
        exited = _wait_for_exit(proc.pid, timeout_s)
    finally:
        kill_group(proc.pid)  # the leader is not reaped yet, so the group id cannot be reused
        proc.wait(timeout=_SHUTDOWN_GRACE_S)
    return ProcessExit(proc.returncode, not exited, time.monotonic() - start)
