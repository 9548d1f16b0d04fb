"""The sandbox against attacks: each must be contained, reported as a failure, and leave no trace.

Every run uses its own root for the throw-away working directory, so each test can check that the
directory is gone afterwards, and counts the processes the sandbox left behind.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from syndgen.verify import _sandbox_child as child
from syndgen.verify.sandbox import (
    child_env,
    namespace_isolation,
    run_contained,
    run_python,
)

TAG = b"syndgen-sandbox-child"


def _processes() -> dict[int, tuple[int, bytes]]:
    """pid -> (parent pid, command line) for every process this test can see."""
    found: dict[int, tuple[int, bytes]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            cmdline = Path(f"/proc/{entry}/cmdline").read_bytes()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        found[int(entry)] = (ppid, cmdline)
    return found


def _leftovers(before: dict[int, tuple[int, bytes]], marker: bytes = TAG) -> list[int]:
    """Processes that appeared since ``before`` and are children of this test or carry ``marker``."""
    deadline = time.monotonic() + 3.0  # SIGKILL is asynchronous: give the kernel a moment
    while True:
        now = _processes()
        new = [
            pid
            for pid, (ppid, cmdline) in now.items()
            if pid not in before and (ppid == os.getpid() or marker in cmdline)
        ]
        if not new or time.monotonic() > deadline:
            return new
        time.sleep(0.05)


@pytest.fixture
def root():
    """A root for the sandbox's working directories that must be empty again after each run."""
    path = Path(tempfile.mkdtemp(prefix="syndgen-test-root-"))
    path.chmod(0o755)  # the child may run as an unprivileged user
    yield path
    leftover = sorted(p.name for p in path.iterdir())
    shutil.rmtree(path)
    assert leftover == [], f"working directories left behind: {leftover}"


@pytest.fixture
def exposed():
    """A folder anyone may write to (like /tmp), so only the sandbox stands between it and the code."""
    path = Path(tempfile.mkdtemp(prefix="syndgen-test-exposed-"))
    path.chmod(0o777)
    yield path
    shutil.rmtree(path)


@pytest.fixture
def listener():
    """A listening TCP socket on 127.0.0.1 that the sandboxed code must never reach."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)
        sock.setblocking(False)
        yield sock


def _assert_no_connection(sock: socket.socket) -> None:
    with pytest.raises(BlockingIOError):
        sock.accept()


# --- correct and wrong solutions ---------------------------------------------------------------


def test_correct_solution_passes(root):
    result = run_python("def add(a, b):\n    return a + b\n", "assert add(1, 2) == 3\n", tmp_root=root)
    assert (result.passed, result.status, result.detail) == (True, "pass", "all tests passed")
    assert result.duration_s > 0


def test_wrong_solution_fails_and_names_the_failing_assertion(root):
    tests = "assert add(0, 0) == 0\nassert add(2, 3) == 5, 'add(2, 3)'\n"
    result = run_python("def add(a, b):\n    return a * b\n", tests, tmp_root=root)
    assert (result.passed, result.status) == (False, "fail")
    assert "assert add(2, 3) == 5" in result.detail
    assert "AssertionError: add(2, 3)" in result.detail
    assert '<tests>", line 2' in result.detail


def test_code_that_raises_fails_with_its_traceback(root):
    result = run_python("def f():\n    return 1 / 0\n", "assert f() == 1\n", tmp_root=root)
    assert result.status == "fail"
    assert "ZeroDivisionError" in result.detail


def test_syntax_error_in_the_code_is_a_failure(root):
    result = run_python("def f(:\n", "assert True\n", tmp_root=root)
    assert result.status == "fail"
    assert "SyntaxError" in result.detail


def test_tests_that_do_not_compile_are_an_error_without_running_anything(root):
    result = run_python("x = 1\n", "assert (\n", tmp_root=root)
    assert result.status == "error"
    assert "the tests do not compile" in result.detail


ENDINGS = ["import os\nos._exit(0)\n", "import sys\nsys.exit(0)\n", "raise SystemExit\n"]


@pytest.mark.parametrize("ending", ENDINGS)
def test_ending_before_the_tests_is_not_a_pass(root, ending):
    result = run_python(ending, "assert False, 'the tests ran'\n", tmp_root=root)
    assert not result.passed
    assert result.status == "fail"
    assert "the tests ran" not in result.detail


def test_child_runs_isolated_with_a_minimal_environment(root, monkeypatch):
    monkeypatch.setenv("SYNDGEN_TEST_SECRET", "hunter2")
    tests = (
        "import os, sys\n"
        "assert 'SYNDGEN_TEST_SECRET' not in os.environ\n"
        "assert os.environ['HOME'] == os.getcwd() == os.environ['TMPDIR']\n"
        "assert sys.flags.isolated and sys.flags.no_site and sys.flags.dont_write_bytecode\n"
        "assert os.path.basename(os.getcwd()).startswith('syndgen-sandbox-')\n"
    )
    result = run_python("", tests, tmp_root=root)
    assert result.passed, result.detail


@pytest.mark.skipif(os.geteuid() != 0, reason="the drop to nobody happens only when syndgen runs as root")
def test_child_drops_root_to_nobody(root):
    tests = (
        "import os\n"
        "assert (os.getuid(), os.geteuid(), os.getgid(), os.getgroups()) == (65534, 65534, 65534, [])\n"
    )
    result = run_python("", tests, tmp_root=root)
    assert result.passed, result.detail


def test_code_may_use_its_own_working_directory(root):
    code = (
        "import os, shutil, tempfile\n"
        "os.makedirs('a/b')\n"
        "with open('a/b/data.txt', 'w') as f:\n"
        "    f.write('hello')\n"
        "fd, path = tempfile.mkstemp()\n"
        "os.close(fd)\n"
        "os.rename('a/b/data.txt', 'moved.txt')\n"
        "shutil.rmtree('a')\n"
    )
    result = run_python(code, "assert open('moved.txt').read() == 'hello'\n", tmp_root=root)
    assert result.passed, result.detail


def test_output_is_captured_with_a_cap(root):
    result = run_python(
        "print('x' * 200_000)\nprint('tail-marker')\n", "assert True\n", tmp_root=root, output_limit=500
    )
    assert result.passed
    assert len(result.stdout) <= 500
    assert result.stdout.rstrip().endswith("tail-marker")


# --- network -----------------------------------------------------------------------------------


@pytest.mark.parametrize("namespaces", [True, False], ids=["with-namespaces", "audit-hook-only"])
def test_socket_connect_to_a_local_listener_is_blocked(root, listener, namespaces):
    port = listener.getsockname()[1]
    code = (
        "import socket\n"
        f"s = socket.create_connection(('127.0.0.1', {port}), timeout=2)\n"
        "s.sendall(b'leaked')\n"
    )
    result = run_python(code, "assert True\n", tmp_root=root, namespaces=namespaces)
    assert (result.passed, result.status) == (False, "blocked")
    assert "socket" in result.detail
    _assert_no_connection(listener)


def test_urllib_request_is_contained(root, listener):
    port = listener.getsockname()[1]
    code = f"import urllib.request\nurllib.request.urlopen('http://127.0.0.1:{port}/', timeout=2)\n"
    result = run_python(code, "assert True\n", tmp_root=root)
    assert not result.passed
    assert result.status in {"blocked", "fail"}
    _assert_no_connection(listener)


def test_dns_lookup_is_contained(root):
    code = "import socket\nsocket.getaddrinfo('localhost', 80)\n"
    result = run_python(code, "assert True\n", tmp_root=root)
    assert not result.passed
    assert result.status in {"blocked", "fail"}


# --- the file system ---------------------------------------------------------------------------

WRITES = {
    "open": "open({target!r}, 'w').write('pwned')",
    "append": "open({target!r}, 'a').write('pwned')",
    "pathlib": "import pathlib\npathlib.Path({target!r}).write_text('pwned')",
    "os.open": "import os\nos.close(os.open({target!r}, os.O_CREAT | os.O_WRONLY))",
    "chdir": "import os\nos.chdir({parent!r})\nopen({name!r}, 'w').write('pwned')",
    "rename": "open('local', 'w').write('pwned')\nimport os\nos.rename('local', {target!r})",
    "copy": "open('local', 'w').write('pwned')\nimport shutil\nshutil.copy('local', {target!r})",
    "symlink": "import os\nos.symlink({parent!r}, 'escape')\nopen('escape/' + {name!r}, 'w').write('pwned')",
    "dir_fd": (
        "import os\nfd = os.open({parent!r}, os.O_RDONLY)\n"
        "os.open({name!r}, os.O_CREAT | os.O_RDWR, dir_fd=fd)"
    ),
}


@pytest.mark.parametrize("how", sorted(WRITES))
def test_writing_outside_the_working_directory_is_blocked(root, exposed, how):
    target = exposed / "pwned.txt"
    code = WRITES[how].format(target=str(target), parent=str(exposed), name=target.name)
    result = run_python(code, "assert True\n", tmp_root=root)
    assert (result.passed, result.status) == (False, "blocked"), result.detail
    assert not target.exists()


@pytest.mark.parametrize(
    "attack",
    [
        "import os\nos.remove({victim!r})",
        "import os\nos.rename({victim!r}, 'stolen')",
        "import os\nos.chmod({victim!r}, 0o777)",
        "import shutil\nshutil.rmtree({folder!r})",
        "import os\nos.truncate({victim!r}, 0)",
    ],
)
def test_changing_files_outside_the_working_directory_is_blocked(root, exposed, attack):
    folder = exposed / "keep"
    folder.mkdir()
    folder.chmod(0o777)
    victim = folder / "important.txt"
    victim.write_text("precious")
    victim.chmod(0o666)
    result = run_python(attack.format(victim=str(victim), folder=str(folder)), "assert True\n", tmp_root=root)
    assert (result.passed, result.status) == (False, "blocked"), result.detail
    assert victim.read_text() == "precious"
    assert victim.stat().st_mode & 0o777 == 0o666


def test_working_directory_is_removed_even_when_the_code_locks_it(root):
    code = "import os\nos.makedirs('a/b')\nopen('a/b/f', 'w').close()\nos.chmod('a/b', 0)\nos.chmod('a', 0)\n"
    result = run_python(code, "assert True\n", tmp_root=root)
    assert result.passed, result.detail
    # the root fixture asserts that nothing is left under root


# --- time and memory ---------------------------------------------------------------------------


def test_infinite_loop_times_out_on_the_wall_clock(root):
    start = time.monotonic()
    result = run_python("while True:\n    pass\n", "assert True\n", timeout_s=1.0, tmp_root=root)
    elapsed = time.monotonic() - start
    assert (result.passed, result.status) == (False, "timeout")
    assert 1.0 <= elapsed < 4.0


def test_sleeping_forever_times_out(root):
    result = run_python("import time\ntime.sleep(3600)\n", "assert True\n", timeout_s=0.5, tmp_root=root)
    assert result.status == "timeout"
    assert result.duration_s < 3.0


@pytest.mark.parametrize(
    "code",
    ["x = []\nwhile True:\n    x.append(bytearray(10_000_000))\n", "x = ' ' * (4 * 1024**3)\n"],
    ids=["growing", "one-huge-block"],
)
def test_unbounded_memory_is_stopped_by_the_limit(root, code):
    result = run_python(code, "assert True\n", memory_mb=128, timeout_s=10.0, tmp_root=root)
    assert not result.passed
    assert result.status in {"memory", "fail"}
    assert "MemoryError" in result.stderr or result.status == "memory"


def test_a_file_larger_than_the_limit_cannot_be_written(root):
    code = "with open('big', 'wb') as f:\n    f.write(b'x' * (3 * 1024 * 1024))\n"
    result = run_python(code, "assert True\n", file_size_mb=1, tmp_root=root)
    assert result.status == "fail"
    assert "File too large" in result.detail


# --- processes ---------------------------------------------------------------------------------

FORK_BOMBS = {
    "os.fork": "import os\nwhile True:\n    os.fork()\n",
    "subprocess": (
        "import subprocess, sys\n"
        "while True:\n"
        "    subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])\n"
    ),
    "os.system": "import os\nwhile True:\n    os.system('sleep 60 &')\n",
    "posix_spawn": "import os\nwhile True:\n    os.posix_spawn('/bin/sleep', ['sleep', '60'], {})\n",
    "multiprocessing": (
        "import multiprocessing, time\n"
        "while True:\n"
        "    multiprocessing.Process(target=time.sleep, args=(60,)).start()\n"
    ),
}


@pytest.mark.parametrize("how", sorted(FORK_BOMBS))
def test_fork_bomb_is_contained_and_leaves_no_process(root, how):
    before = _processes()
    result = run_python(FORK_BOMBS[how], "assert True\n", timeout_s=3.0, tmp_root=root)
    assert not result.passed
    assert result.status in {"blocked", "fail"}, result.detail
    assert _leftovers(before) == []


def test_killing_other_processes_is_blocked(root):
    victim = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        result = run_python(f"import os, signal\nos.kill({victim.pid}, signal.SIGKILL)\n", "", tmp_root=root)
        assert result.status == "blocked"
        assert victim.poll() is None
    finally:
        victim.kill()
        victim.wait()


@pytest.mark.parametrize("module", ["ctypes", "_posixsubprocess"])
def test_dangerous_modules_are_blocked(root, module):
    result = run_python(f"import {module}\n", "assert True\n", tmp_root=root)
    assert (result.passed, result.status) == (False, "blocked")
    assert module in result.detail


def test_process_group_is_killed_when_the_leader_exits(tmp_path):
    """The layer under the audit hook: background children die with the run."""
    before = _processes()
    marker = b"41.737"
    with tempfile.TemporaryFile() as out:
        done = run_contained(
            ["/bin/sh", "-c", f"sleep {marker.decode()} & sleep {marker.decode()} & exit 0"],
            cwd=str(tmp_path),
            env=child_env(str(tmp_path)),
            timeout_s=5.0,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=out,
        )
    assert (done.returncode, done.timed_out) == (0, False)
    assert _leftovers(before, marker) == []


def test_process_group_is_killed_on_timeout(tmp_path):
    before = _processes()
    marker = b"42.737"
    with tempfile.TemporaryFile() as out:
        done = run_contained(
            ["/bin/sh", "-c", f"sleep {marker.decode()} & sleep {marker.decode()}"],
            cwd=str(tmp_path),
            env=child_env(str(tmp_path)),
            timeout_s=0.3,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=out,
        )
    assert done.timed_out
    assert done.duration_s < 3.0
    assert _leftovers(before, marker) == []


def test_pid_namespace_kills_processes_that_left_the_group(tmp_path):
    isolation = namespace_isolation()
    if "--pid" not in isolation.prefix:
        pytest.skip("unshare cannot create a PID namespace on this machine")
    before = _processes()
    marker = b"43.737"
    with tempfile.TemporaryFile() as out:
        done = run_contained(
            [*isolation.prefix, "/bin/sh", "-c", f"setsid sleep {marker.decode()} & sleep 0.2"],
            cwd=str(tmp_path),
            env=child_env(str(tmp_path)),
            timeout_s=5.0,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=out,
        )
    assert not done.timed_out
    assert _leftovers(before, marker) == []


def test_namespace_probe_is_cached_and_consistent():
    first = namespace_isolation()
    assert namespace_isolation() is first
    if first.prefix:
        assert first.prefix[0].endswith("unshare")
        assert first.network


# --- tampering with the sandbox's own code ----------------------------------------------------

TAMPERING = {
    "module globals": (
        "import sys\nmain = sys.modules['__main__']\n"
        "main.WATCHED = main.ALWAYS_BLOCKED = frozenset()\nmain.PATH_EVENTS.clear()\n"
    ),
    "frame globals": "import sys\ng = sys._getframe(1).f_globals\ng['WATCHED'] = frozenset()\n",
    "os functions": (
        "import os\nos._exit = lambda code: None\nos.readlink = lambda p: {workdir!r}\n"
        "os.getcwd = lambda: {workdir!r}\nos.fspath = lambda p: 'inside'\n"
    ),
    "posixpath": "import posixpath\nposixpath.realpath = posixpath.abspath = lambda p: {workdir!r} + '/x'\n",
    "builtins": "import builtins\nbuiltins.isinstance = lambda *a: False\nbuiltins.len = lambda x: 0\n",
}


@pytest.mark.parametrize("how", sorted(TAMPERING))
def test_tampering_with_the_sandbox_does_not_weaken_it(root, exposed, how):
    target = exposed / "pwned.txt"
    code = (
        "import os\nworkdir = os.getcwd()\n"
        + TAMPERING[how].replace("{workdir!r}", "workdir")
        + f"os.chdir({str(exposed)!r})\nopen('pwned.txt', 'w').write('pwned')\n"
    )
    result = run_python(code, "assert True\n", tmp_root=root)
    assert (result.passed, result.status) == (False, "blocked"), result.detail
    assert not target.exists()


def test_tampering_does_not_unblock_fork(root):
    code = TAMPERING["module globals"] + "import os\nos._exit = lambda code: None\nos.fork()\n"
    before = _processes()
    result = run_python(code, "assert True\n", tmp_root=root)
    assert result.status == "blocked"
    assert _leftovers(before) == []


# --- the audit-hook policy, as a pure function -------------------------------------------------


@pytest.fixture
def check(tmp_path, monkeypatch):
    workdir = tmp_path / "work"
    workdir.mkdir()
    monkeypatch.chdir(workdir)  # relative paths resolve against the current directory, as in the child
    return child.make_policy(os.path.realpath(workdir), "/usr/lib/python3.11/lib-dynload/")


def test_policy_allows_reads_anywhere_and_writes_inside(check, tmp_path):
    workdir = tmp_path / "work"
    assert check("open", ("/etc/hostname", "r", 0)) is None
    assert check("open", (str(workdir / "out.txt"), "w", 0)) is None
    assert check("open", ("out.txt", "w", 0)) is None
    assert check("open", (b"sub/./out.txt", None, os.O_WRONLY | os.O_CREAT)) is None
    assert check("os.remove", (str(workdir / "out.txt"), -1)) is None
    assert check("os.rename", (str(workdir / "a"), workdir / "b", -1, -1)) is None
    assert check("import", ("json", None, [], [], [])) is None
    assert check("compile", (b"x", "<string>")) is None


def test_policy_refuses_writes_and_changes_outside(check, tmp_path):
    outside = str(tmp_path / "x")
    assert "outside" in check("open", (outside, "w", 0))
    assert "outside" in check("open", (outside, "rb+", 0))
    assert "outside" in check("open", (outside, None, os.O_WRONLY | os.O_CREAT))
    assert "outside" in check("os.remove", (outside, -1))
    assert "outside" in check("os.rename", ("inside", outside, -1, -1))
    assert "outside" in check("shutil.rmtree", (tmp_path / "x", None))
    assert "directory" in check("open", (str(tmp_path), None, os.O_RDONLY))
    assert "'..'" in check("open", ("a/../x", "w", 0))
    assert "'..'" in check("open", ("../x", None, os.O_WRONLY | os.O_CREAT))


def test_policy_resolves_descriptors_through_the_kernel(check, tmp_path):
    inside = os.open(tmp_path / "work", os.O_RDONLY)
    outside = os.open(tmp_path, os.O_RDONLY)
    try:
        assert check("os.mkdir", ("new", 0o777, inside)) is None
        assert "outside" in check("os.mkdir", ("new", 0o777, outside))
        assert "outside" in check("os.chmod", (outside, 0o777, -1))
        assert check("os.chmod", (inside, 0o700, -1)) is None
    finally:
        os.close(inside)
        os.close(outside)


def test_policy_refuses_network_processes_and_foreign_extensions(check):
    for event in ("socket.__new__", "socket.connect", "os.fork", "os.system", "subprocess.Popen", "os.kill"):
        assert check(event, ()) == "not allowed in the sandbox"
    assert "not allowed" in check("import", ("ctypes", None, [], [], []))
    assert "not allowed" in check("import", ("ctypes.util", None, [], [], []))
    assert "outside the standard library" in check("import", ("evil", "/opt/site/evil.so", [], [], []))
    assert check("import", ("_json", "/usr/lib/python3.11/lib-dynload/_json.so", [], [], [])) is None
