"""What a sandboxed child process runs around the untrusted code (syndgen-sandbox-child).

The parent passes this file's source as ``python -I -S -B -c SOURCE``, so it imports only the
standard library (isolated mode has no site-packages and no syndgen). In order, it:

1. reads the payload (code, tests, limits, nonce) from stdin, then points stdin at /dev/null;
2. sets the resource limits and, when asked (the parent runs as root), drops to an unprivileged
   user, after importing the modules that user could not read;
3. installs an audit hook: from then on a forbidden action writes one line to stderr and ends the
   process at once with ``EXIT_BLOCKED``, whatever the code catches;
4. runs the code, then the tests, in one namespace;
5. writes the nonce to the result file only when the tests passed, so ending early (``os._exit(0)``
   in the code) is not a pass.
"""

from __future__ import annotations

import builtins
import contextlib
import importlib
import json
import linecache
import os
import posixpath
import resource
import signal
import sys
import traceback
from collections.abc import Callable
from typing import Any

EXIT_PASS = 0
EXIT_FAIL = 1
EXIT_BLOCKED = 86
EXIT_MEMORY = 87
EXIT_SETUP = 88
EXIT_CPU = 89
TAG = "syndgen-sandbox"


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Network, process creation, signals to other processes, native code, limits, links, and the
# garbage collector's views of every object (which would reach the hook's own state).
ALWAYS_BLOCKED = _words(
    """
    socket.__new__ socket.bind socket.connect socket.getaddrinfo socket.gethostbyaddr
    socket.gethostbyname socket.getnameinfo socket.sendmsg socket.sendto socket.sethostname
    urllib.Request
    os.exec os.fork os.forkpty os.posix_spawn os.spawn os.startfile os.system subprocess.Popen
    _posixsubprocess.fork_exec
    os.kill os.killpg signal.pthread_kill
    ctypes.dlopen ctypes.dlsym fcntl.ioctl resource.setrlimit resource.prlimit
    os.symlink os.link
    gc.get_objects gc.get_referrers gc.get_referents
    """
)
# Event -> (position of a path argument, position of its dir_fd argument or None), for each path.
PATH_EVENTS: dict[str, tuple[tuple[int, int | None], ...]] = {
    "os.remove": ((0, 1),),
    "os.rmdir": ((0, 1),),
    "os.mkdir": ((0, 2),),
    "os.rename": ((0, 2), (1, 3)),
    "os.chmod": ((0, 2),),
    "os.chown": ((0, 3),),
    "os.utime": ((0, 3),),
    "os.truncate": ((0, None),),
    "os.chflags": ((0, None),),
    "os.lchflags": ((0, None),),
    "os.setxattr": ((0, None),),
    "os.removexattr": ((0, None),),
    "shutil.rmtree": ((0, 1),),
    "shutil.chown": ((0, None),),
    "shutil.copyfile": ((1, None),),
    "shutil.copymode": ((1, None),),
    "shutil.copystat": ((1, None),),
    "shutil.move": ((0, None), (1, None)),
    "shutil.unpack_archive": ((1, None),),
    "sqlite3.connect": ((0, None),),
}
BLOCKED_MODULES = _words(
    """
    ctypes _ctypes _ctypes_test _posixsubprocess _testbuffer _testcapi _testimportmultiple
    _testinternalcapi _testmultiphase _xxsubinterpreters _xxtestfuzz
    """
)
WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
WATCHED = ALWAYS_BLOCKED | frozenset(PATH_EVENTS) | {"open", "import"}


Check = Callable[[str, tuple[Any, ...]], "str | None"]
ToText = Callable[[object], "str | None"]
PathCheck = Callable[[object, object], "str | None"]

# The factories below bind every name their checks use when the hook is made, so code that later
# patches os, posixpath, builtins or this module's globals cannot change how the checks decide.


def _say(message: str) -> None:
    with contextlib.suppress(OSError):
        os.write(2, f"\n{TAG}: {message}\n".encode(errors="replace"))


def make_text() -> ToText:
    """An exact ``str`` for a str, bytes or path-like value; None for anything else."""
    _isinstance, _str, _bytes, _TypeError = isinstance, str, bytes, TypeError
    _join, _bjoin, _decode, _fspath = "".join, b"".join, bytes.decode, os.fspath

    def text(value: Any) -> str | None:
        if not _isinstance(value, (_str, _bytes)):
            try:
                value = _fspath(value)
            except _TypeError:
                return None
        if _isinstance(value, _bytes):
            return _decode(_bjoin((value,)), "utf-8", "surrogateescape")
        return _join((value,))

    return text


def make_resolver() -> tuple[Callable[[Any], str | None], Callable[[str, Any], str | None]]:
    """``fd_path(fd)``: the file a descriptor names (None for pipes, sockets, bad numbers), and
    ``resolve(name, dir_fd)``: the absolute path of ``name``, lexically, from the kernel's view of
    the current directory (or of ``dir_fd``). Built-ins are bound now, before the code runs."""
    _isinstance, _int, _int_repr, _readlink, _getcwd, _OSError = (
        isinstance,
        int,
        int.__repr__,
        os.readlink,
        os.getcwd,
        OSError,
    )

    def fd_path(fd: Any) -> str | None:
        if not _isinstance(fd, _int) or _int_repr(fd).startswith("-"):
            return None
        try:
            target = _readlink("/proc/self/fd/" + _int_repr(fd))
        except _OSError:
            return None
        return target if target.startswith("/") else None  # not "pipe:[...]" or "socket:[...]"

    def current_dir() -> str:
        try:
            return _readlink("/proc/self/cwd")
        except _OSError:
            return _getcwd()

    def resolve(name: str, dir_fd: Any) -> str | None:
        base: str | None = ""
        if not name.startswith("/"):
            uses_dir_fd = _isinstance(dir_fd, _int) and _int_repr(dir_fd) != "-1"
            base = fd_path(dir_fd) if uses_dir_fd else current_dir()
        if base is None:
            return None
        return "/" + "/".join(part for part in f"{base}/{name}".split("/") if part not in ("", "."))

    return fd_path, resolve


def make_path_check(workdir: str, text: ToText) -> PathCheck:
    """Why the code may not change a path (or descriptor), or None when it is inside ``workdir``.

    Paths the code changes may not contain ``..``: as the code can create no symlink or hard link,
    resolving such a path lexically against the kernel's view of the current directory is exact.
    """
    _isinstance, _int, _int_repr = isinstance, int, int.__repr__
    fd_path, resolve = make_resolver()
    prefix = workdir + "/"

    def check_path(path: Any, dir_fd: Any = None) -> str | None:
        if _isinstance(path, _int):
            resolved, shown = fd_path(path), "descriptor " + _int_repr(path)
        else:
            name = text(path)
            if name is None:
                return "a path that is not a string"
            shown = repr(name)
            if ".." in name.split("/"):
                return f"{shown}: '..' is not allowed in a path the code changes"
            resolved = resolve(name, dir_fd)
        if resolved is not None and (resolved == workdir or resolved.startswith(prefix)):
            return None
        return f"{shown} is outside the working directory"

    return check_path


def make_open_check(check_path: PathCheck, text: ToText) -> Callable[[Any, Any, Any], str | None]:
    """The rule for the ``open`` event (builtin open, io, os.open): writes only inside."""
    _isinstance, _str, _int, _any, _join, _int_and = isinstance, str, int, any, "".join, int.__and__
    _stat, _OSError, write_flags = os.stat, OSError, WRITE_FLAGS

    def check_open(path: Any, mode: Any, flags: Any) -> str | None:
        if _isinstance(path, _int):
            return None  # an open descriptor: its access mode was checked when it was opened
        if _isinstance(mode, _str):
            writing = _any(c in _join((mode,)) for c in "wax+")
        else:
            writing = _isinstance(flags, _int) and _int_and(flags, write_flags) != 0
        if writing:
            reason = check_path(path, None)
            if reason is not None:
                return "writing " + reason
        name = text(path)
        if mode is None and name is not None and check_path(name, None) is not None:
            # os.open's event does not show a dir_fd: no directory descriptor from outside, so that
            # a relative path opened through one cannot lead outside.
            try:
                is_dir = (_stat(name).st_mode & 0o170000) == 0o040000
            except _OSError:
                return None
            if is_dir:
                return f"opening directory {name!r} as a descriptor"
        return None

    return check_open


def make_import_check(stdlib_extensions: str, text: ToText) -> Callable[[tuple[Any, ...]], str | None]:
    """The rule for ``import``: no blocked module, no C extension from outside the standard library."""
    _len, blocked = len, BLOCKED_MODULES

    def check_import(args: tuple[Any, ...]) -> str | None:
        name = text(args[0]) if args else None
        if name is None:
            return None
        if name in blocked or name.split(".")[0] in blocked:
            return f"module {name} is not allowed"
        filename = text(args[1]) if _len(args) > 1 and args[1] is not None else None
        if filename is not None and not filename.startswith(stdlib_extensions):
            return f"C extension {filename} is outside the standard library"
        return None

    return check_import


def make_policy(workdir: str, stdlib_extensions: str) -> Check:
    """All the rules as one function: why an event is refused, or None when it may go on."""
    text = make_text()
    check_path = make_path_check(workdir, text)
    check_open = make_open_check(check_path, text)
    check_import = make_import_check(stdlib_extensions, text)
    _len, always = len, ALWAYS_BLOCKED
    path_events = dict(PATH_EVENTS)  # a private copy: the module's dict could be changed

    def check(event: str, args: tuple[Any, ...]) -> str | None:
        if event in always:
            return "not allowed in the sandbox"
        if event == "import":
            return check_import(args)
        if event == "open":
            return check_open(*args[:3]) if _len(args) >= 3 else None
        for path_at, dir_fd_at in path_events.get(event, ()):
            path = args[path_at] if path_at < _len(args) else None
            dir_fd = args[dir_fd_at] if dir_fd_at is not None and dir_fd_at < _len(args) else None
            reason = None if path is None else check_path(path, dir_fd)
            if reason is not None:
                return reason
        return None

    return check


def make_hook(check: Check) -> Callable[[str, tuple[Any, ...]], None]:
    """The audit hook: a refused event writes one line to stderr and ends the process at once."""
    watched, code, _write, _exit, _encode, _OSError = (
        WATCHED,
        EXIT_BLOCKED,
        os.write,
        os._exit,
        str.encode,
        OSError,
    )
    prefix = f"\n{TAG}: blocked "

    def hook(event: str, args: tuple[Any, ...]) -> None:
        if event not in watched:
            return
        reason = check(event, args)
        if reason is not None:
            try:  # noqa: SIM105 - contextlib is a global the code could replace
                _write(2, _encode(f"{prefix}{event}: {reason}\n", "utf-8", "replace"))
            except _OSError:
                pass
            _exit(code)

    return hook


def make_cpu_handler() -> Callable[[int, Any], None]:
    _write, _exit, code = os.write, os._exit, EXIT_CPU
    message = f"\n{TAG}: CPU time limit reached\n".encode()

    def on_cpu_limit(signum: int, frame: Any) -> None:
        _write(2, message)
        _exit(code)

    return on_cpu_limit


def set_limits(limits: dict[str, int]) -> None:
    pairs = {
        "as": resource.RLIMIT_AS,
        "cpu": resource.RLIMIT_CPU,
        "fsize": resource.RLIMIT_FSIZE,
        "nofile": resource.RLIMIT_NOFILE,
        "nproc": resource.RLIMIT_NPROC,
        "core": resource.RLIMIT_CORE,
    }
    for key, which in pairs.items():
        soft = limits[key]
        hard = soft + 1 if key == "cpu" else soft  # SIGXCPU at soft (handled), SIGKILL at hard
        resource.setrlimit(which, (soft, hard))


def drop_privileges(uid: int, preload: list[str]) -> None:
    """Import what the unprivileged user could not read, then become that user for good."""
    for name in preload:
        with contextlib.suppress(ImportError):
            importlib.import_module(name)
    os.setgroups([])
    os.setgid(uid)
    os.setuid(uid)
    if os.getuid() != uid or os.geteuid() != uid:
        raise OSError(f"could not drop to uid {uid}")


def _report_failure(exc: BaseException) -> int:
    if isinstance(exc, MemoryError):
        _say("memory limit reached (MemoryError)")
        return EXIT_MEMORY
    if isinstance(exc, SystemExit):
        _say(f"the code called exit({exc.code!r}) before the tests finished")
        return EXIT_FAIL
    tb = exc.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename not in ("<solution>", "<tests>"):
        tb = tb.tb_next
    try:
        traceback.print_exception(type(exc), exc, tb, limit=8)
    except MemoryError:
        return EXIT_MEMORY
    return EXIT_FAIL


def run(code: str, tests: str) -> int:
    for name, source in (("<solution>", code), ("<tests>", tests)):
        linecache.cache[name] = (len(source), None, source.splitlines(True), name)
    namespace: dict[str, Any] = {"__name__": "solution", "__builtins__": builtins}
    try:
        exec(compile(code, "<solution>", "exec"), namespace)
        exec(compile(tests, "<tests>", "exec"), namespace)
    except BaseException as exc:  # noqa: BLE001 - everything the untrusted code raises is its failure
        return _report_failure(exc)
    return EXIT_PASS


def main() -> None:
    payload = json.loads(sys.stdin.buffer.read())
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    nonce: str = payload["nonce"]
    result_fd: int = payload["result_fd"]
    try:
        set_limits(payload["limits"])
        if payload["drop_uid"] is not None:
            drop_privileges(payload["drop_uid"], payload["preload"])
        signal.signal(signal.SIGXCPU, make_cpu_handler())
        extensions = next(p for p in sys.path if p.endswith("lib-dynload")) + "/"
        # No local keeps the policy: the code could reach it through this frame otherwise.
        sys.addaudithook(make_hook(make_policy(posixpath.realpath(os.getcwd()), extensions)))
    except (OSError, ValueError, StopIteration) as exc:
        _say(f"setup failed: {exc}")
        os._exit(EXIT_SETUP)
    status = run(payload["code"], payload["tests"])
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            status = status or EXIT_FAIL
    if status == EXIT_PASS:
        os.write(result_fd, nonce.encode())
    os._exit(status)


if __name__ == "__main__":
    main()
