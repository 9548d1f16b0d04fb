"""Run untrusted Python code and its tests in a contained child process.

``run_python(code, tests)`` runs ``code`` and then ``tests`` (plain Python such as
``assert add(1, 2) == 3``) in a fresh process and reports ``pass``, ``fail``, ``timeout``,
``memory``, ``blocked`` or ``error``. The layers, outermost first:

- **Process.** A fresh temporary working directory, removed afterwards whatever happens. The child
  is ``python -I -S -B`` (no site-packages, no ``PYTHON*`` variables, no working directory on
  ``sys.path``, no bytecode written) with a minimal environment (``PATH``, ``LANG``, and ``HOME`` and
  ``TMPDIR`` pointing at the working directory): nothing inherited, no secrets. It starts its own
  session, and its whole process group is killed with SIGKILL at the end in every case, on the
  wall-clock timeout too. Output goes to unlinked temporary files and only a tail is read back.
- **Limits.** ``setrlimit`` in the child before the code runs: address space (``memory_mb``), CPU
  seconds, file size, open files, processes, and no core dumps. The limits are set by a small
  bootstrap program, not ``preexec_fn``, so calling this from threads is safe.
- **Privileges.** When syndgen runs as root, the child drops to uid/gid 65534 (``nobody``) before
  the code runs. Root ignores ``RLIMIT_NPROC``; ``nobody`` does not, and the kernel refuses it writes
  outside world-writable places. If the Python installation is not readable by ``nobody``, common
  standard-library modules are imported before the drop and others cannot be imported.
- **Namespaces.** If ``unshare`` (util-linux) can create namespaces here (probed once per process,
  then cached), the child runs in a new network namespace (no interface but a loopback that is
  down) and, where possible, a new PID namespace, so that when the sandbox's first process ends the
  kernel kills every process left in it. Where ``unshare`` cannot (no privileges, no unprivileged
  user namespaces), this layer is absent and the audit hook is the only barrier to the network.
- **Audit hook.** Installed in the child before the code runs (``sys.addaudithook``, see
  ``_sandbox_child.py``): sockets, DNS, process creation, signals to other processes, ctypes and
  C extensions from outside the standard library, changing resource limits, links, the garbage
  collector's object lists, and writing, removing, renaming or changing any path outside the
  working directory (or any path with ``..``) end the process at once with status ``blocked``.
  The rules bind every function they use when the hook is installed, so patching ``os``,
  ``builtins`` or the bootstrap's globals does not change them.

Limits of this design, stated plainly: CPython documents audit hooks as a way to observe, not a
security boundary, and code written to defeat them (interpreter internals, a path-like object
that names a different file each time it is asked) may get past that layer; the operating-system
layers are what hold then, and they are strongest when syndgen runs as root or where unprivileged
namespaces are allowed. Reading files is not restricted beyond the operating system's permissions:
run as an ordinary user, the code can read what that user can and print it into the result.
Code that inspects the bootstrap's frames can read the tests or forge a pass. The memory limit is
on address space, not resident memory. Run as an ordinary user, ``RLIMIT_NPROC`` counts all of
that user's processes, so code that starts threads may fail where the user runs many processes.
Disk use in the working directory is bounded per file (``file_size_mb``), not in total. This
verifies model answers; do not use it to run code from an adversary on a machine that holds
anything of value.
"""

from __future__ import annotations

import json
import math
import os
import re
import secrets
import shutil
import signal
import stat
import subprocess
import sys
import sysconfig
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import IO, Any, Literal

from pydantic import BaseModel, ConfigDict

from . import _sandbox_child as child
from .process import ProcessExit, run_contained

SandboxStatus = Literal["pass", "fail", "timeout", "memory", "blocked", "error"]
UNPRIVILEGED_UID = 65534
# Imported before the drop to nobody when nobody cannot read the standard library.
_PRELOAD_WORDS = """
abc array base64 binascii bisect calendar cmath codecs collections collections.abc contextlib copy
dataclasses datetime decimal difflib encodings.idna enum fnmatch fractions functools glob hashlib heapq
io itertools json keyword math numbers operator pathlib pprint queue random re shutil socket statistics
string struct tempfile textwrap threading time typing unicodedata weakref zlib
"""
PRELOAD: tuple[str, ...] = tuple(_PRELOAD_WORDS.split())


class SandboxResult(BaseModel):
    """How one sandboxed run ended; ``stdout`` and ``stderr`` are tails capped at ``output_limit``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    passed: bool
    status: SandboxStatus
    detail: str
    duration_s: float
    stdout: str = ""
    stderr: str = ""


@dataclass(frozen=True)
class Isolation:
    """The ``unshare`` command line that wraps the child, empty when none works here."""

    prefix: tuple[str, ...] = ()
    user_namespace: bool = False

    @property
    def network(self) -> bool:
        return "--net" in self.prefix


_UNSHARE_FLAGS: tuple[tuple[tuple[str, ...], bool], ...] = (
    (("--net", "--pid", "--fork", "--kill-child"), False),
    (("--user", "--map-root-user", "--net", "--pid", "--fork", "--kill-child"), True),
    (("--net",), False),
    (("--user", "--map-root-user", "--net"), True),
)


def child_env(workdir: str) -> dict[str, str]:
    """The child's whole environment: nothing from the parent's."""
    return {"PATH": "/usr/bin:/bin", "HOME": workdir, "TMPDIR": workdir, "LANG": "C.UTF-8"}


@lru_cache(maxsize=1)
def namespace_isolation() -> Isolation:
    """Probe once which ``unshare`` flags work on this machine (most isolating first)."""
    unshare = shutil.which("unshare")
    if unshare is None:
        return Isolation()
    probe_dir = tempfile.gettempdir()
    for flags, user_namespace in _UNSHARE_FLAGS:
        argv = [unshare, *flags, sys.executable, "-I", "-S", "-c", "pass"]
        try:
            done = subprocess.run(
                argv,
                cwd=probe_dir,
                env=child_env(probe_dir),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                timeout=10,
                check=False,
            )
        except (OSError, subprocess.SubprocessError):
            continue
        if done.returncode == 0:
            return Isolation((unshare, *flags), user_namespace)
    return Isolation()


@lru_cache(maxsize=1)
def _stdlib_readable_by_others() -> bool:
    """True when any user can read the standard library (each folder above it is world-searchable)."""
    path = Path(sysconfig.get_paths()["stdlib"]).resolve()
    for folder in (path, *path.parents):
        if not folder.stat().st_mode & stat.S_IXOTH:
            return False
    return bool(path.stat().st_mode & stat.S_IROTH)


@lru_cache(maxsize=1)
def _child_source() -> str:
    return Path(child.__file__).read_text(encoding="utf-8")


def _tail(file: IO[bytes], limit: int) -> str:
    size = file.seek(0, os.SEEK_END)
    file.seek(max(0, size - limit * 4))
    text = file.read().decode("utf-8", errors="replace")
    return text[-limit:] if len(text) > limit else text


_BY_EXIT: dict[int, tuple[SandboxStatus, str]] = {
    child.EXIT_SETUP: ("error", "the sandbox could not be set up"),
    child.EXIT_FAIL: ("fail", "the code or the tests raised an error"),
}


def _signalled(rc: int, duration_s: float, cpu_s: int) -> tuple[SandboxStatus, str]:
    if rc in (-signal.SIGKILL, -signal.SIGXCPU) and duration_s >= cpu_s:
        return "timeout", f"killed at the CPU time limit of {cpu_s}s"
    if rc < 0:
        return "error", f"killed by signal {signal.Signals(-rc).name}"
    return "fail", f"the process exited with status {rc}"


def _classify(done: ProcessExit, nonce_ok: bool, stderr: str, cpu_s: int) -> tuple[SandboxStatus, str]:
    """The status and a one-line summary from how the child ended."""
    rc = done.returncode
    if done.timed_out:
        return "timeout", f"still running after {done.duration_s:.1f}s (wall clock); killed"
    if rc == child.EXIT_PASS:
        return (
            ("pass", "all tests passed")
            if nonce_ok
            else ("fail", "the process ended before the tests finished")
        )
    if rc == child.EXIT_BLOCKED:
        return "blocked", "a forbidden action was blocked"
    if rc == child.EXIT_CPU:
        return "timeout", f"CPU time limit of {cpu_s}s reached"
    if rc == child.EXIT_MEMORY or re.search(r"MemoryError|cannot allocate memory", stderr, re.IGNORECASE):
        return "memory", "memory limit reached"
    return _BY_EXIT.get(rc) or _signalled(rc, done.duration_s, cpu_s)


@dataclass(frozen=True)
class SandboxLimits:
    """What one run may use; ``cpu_s`` follows the wall-clock timeout."""

    timeout_s: float = 5.0
    memory_mb: int = 256
    file_size_mb: int = 16
    max_open_files: int = 64
    max_processes: int = 32
    output_limit: int = 4000

    @property
    def cpu_s(self) -> int:
        return max(1, math.ceil(self.timeout_s)) + 1

    def rlimits(self) -> dict[str, int]:
        return {
            "as": self.memory_mb * 1024 * 1024,
            "cpu": self.cpu_s,
            "fsize": self.file_size_mb * 1024 * 1024,
            "nofile": self.max_open_files,
            "nproc": self.max_processes,
            "core": 0,
        }


def _payload(
    code: str, tests: str, *, nonce: str, result_fd: int, limits: SandboxLimits, drop_uid: int | None
) -> bytes:
    preload = list(PRELOAD) if drop_uid is not None and not _stdlib_readable_by_others() else []
    return json.dumps(
        {
            "code": code,
            "tests": tests,
            "nonce": nonce,
            "result_fd": result_fd,
            "limits": limits.rlimits(),
            "drop_uid": drop_uid,
            "preload": preload,
        }
    ).encode()


def _remove_tree(path: str) -> None:
    """Remove the working directory even where the code took away permissions inside it."""

    def make_writable_and_retry(func: Any, failed: str, _exc: Any) -> None:
        os.chmod(os.path.dirname(failed), stat.S_IRWXU)
        if os.path.isdir(failed) and not os.path.islink(failed):
            os.chmod(failed, stat.S_IRWXU)
            shutil.rmtree(failed, onerror=make_writable_and_retry)
        else:
            func(failed)

    shutil.rmtree(path, onerror=make_writable_and_retry)


def run_python(
    code: str,
    tests: str,
    *,
    timeout_s: float = 5.0,
    memory_mb: int = 256,
    file_size_mb: int = 16,
    max_open_files: int = 64,
    max_processes: int = 32,
    output_limit: int = 4000,
    tmp_root: str | os.PathLike[str] | None = None,
    namespaces: bool = True,
) -> SandboxResult:
    """Run ``code`` then ``tests`` in the sandbox; ``passed`` only when every test line ran clean.

    ``tmp_root`` is where the throw-away working directory is made (the system default when None;
    when syndgen runs as root, ``nobody`` must be able to reach it); ``namespaces=False`` skips the
    ``unshare`` layer.
    """
    try:
        compile(tests, "<tests>", "exec")
    except SyntaxError as exc:
        return SandboxResult(
            passed=False, status="error", detail=f"the tests do not compile: {exc}", duration_s=0.0
        )
    limits = SandboxLimits(timeout_s, memory_mb, file_size_mb, max_open_files, max_processes, output_limit)
    isolation = namespace_isolation() if namespaces else Isolation()
    drop_uid = UNPRIVILEGED_UID if os.geteuid() == 0 and not isolation.user_namespace else None
    workdir = tempfile.mkdtemp(prefix="syndgen-sandbox-", dir=tmp_root)
    try:
        if drop_uid is not None:
            os.chown(workdir, drop_uid, drop_uid)
        return _execute(code, tests, workdir=workdir, limits=limits, isolation=isolation, drop_uid=drop_uid)
    finally:
        _remove_tree(workdir)


def _execute(
    code: str, tests: str, *, workdir: str, limits: SandboxLimits, isolation: Isolation, drop_uid: int | None
) -> SandboxResult:
    nonce = secrets.token_hex(16)
    with (
        tempfile.TemporaryFile() as stdin,
        tempfile.TemporaryFile() as out,
        tempfile.TemporaryFile() as err,
        tempfile.TemporaryFile() as result,
    ):
        stdin.write(
            _payload(code, tests, nonce=nonce, result_fd=result.fileno(), limits=limits, drop_uid=drop_uid)
        )
        stdin.seek(0)
        argv = [*isolation.prefix, sys.executable, "-I", "-S", "-B", "-c", _child_source()]
        try:
            done = run_contained(
                argv,
                cwd=workdir,
                env=child_env(workdir),
                timeout_s=limits.timeout_s,
                stdin=stdin,
                stdout=out,
                stderr=err,
                pass_fds=(result.fileno(),),
            )
        except OSError as exc:
            return SandboxResult(
                passed=False, status="error", detail=f"could not start: {exc}", duration_s=0.0
            )
        result.seek(0)
        nonce_ok = result.read(len(nonce) + 1) == nonce.encode()
        stdout_text, stderr_text = _tail(out, limits.output_limit), _tail(err, limits.output_limit)
    status, summary = _classify(done, nonce_ok, stderr_text, limits.cpu_s)
    output = stderr_text.strip() or stdout_text.strip()
    detail = summary if status == "pass" else f"{summary}\n{output}".strip()
    return SandboxResult(
        passed=status == "pass",
        status=status,
        detail=detail[-limits.output_limit :],
        duration_s=round(done.duration_s, 3),
        stdout=stdout_text,
        stderr=stderr_text,
    )
