"""kill -9 at any moment and resume with nothing lost or duplicated; the same run twice is the same."""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import yaml

from syndgen.api import inspect_run


def outcomes_in(run_dir: Path) -> int:
    path = run_dir / "run.sqlite"
    if not path.exists():
        return 0
    try:
        with sqlite3.connect(path, timeout=1) as db:
            return int(db.execute("SELECT COUNT(*) FROM outcomes").fetchone()[0])
    except sqlite3.OperationalError:
        return 0  # the table is not created yet


def syndgen(*args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "syndgen", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )


def test_kill_9_then_resume_loses_and_duplicates_nothing(tmp_path: Path, small_config_path: Path):
    run_dir = tmp_path / "killed"
    proc = syndgen("run", str(small_config_path), "--out", str(run_dir))
    deadline = time.monotonic() + 600
    while outcomes_in(run_dir) < 2 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert proc.poll() is None, "the run ended before it could be killed"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    partial = inspect_run(run_dir)
    assert partial["samples"] < 3

    resumed = syndgen("run", str(small_config_path), "--out", str(run_dir))
    _out, err = resumed.communicate(timeout=900)
    assert resumed.returncode == 0, err.decode()
    assert b"resuming" in err

    final = inspect_run(run_dir)
    assert final["samples"] == 3
    with sqlite3.connect(run_dir / "run.sqlite") as db:
        seeds = [r[0] for r in db.execute("SELECT seed_index FROM outcomes")]
        assert len(seeds) == len(set(seeds)) == seeds[-1] + 1  # every seed once, none skipped
    # Every kept sample is in the export exactly once.
    ids = [json.loads(line)["id"] for line in (run_dir / "data" / "sft.jsonl").read_text().splitlines()]
    assert len(ids) == len(set(ids)) == 3


def test_same_config_and_seed_give_the_same_dataset(
    tmp_path: Path, small_config_path: Path, embedded_run: Path
):
    """A second run of the same command (another process) reproduces the shared run byte for byte."""
    run_dir = tmp_path / "again"
    proc = syndgen("run", str(small_config_path), "--out", str(run_dir))
    _out, err = proc.communicate(timeout=900)
    assert proc.returncode == 0, err.decode()
    for name in ("sft.jsonl", "dpo.jsonl"):
        reference = embedded_run / "data" / name
        assert (run_dir / "data" / name).exists() == reference.exists()
        if reference.exists():
            assert (run_dir / "data" / name).read_bytes() == reference.read_bytes()


def test_five_random_kills_resume_to_the_uninterrupted_dataset(
    tmp_path: Path, small_config_path: Path
) -> None:
    """kill -9 at five random moments, resume each time: the export is the uninterrupted run's,
    byte for byte (seeds run in waves of 8 here, so the kills land inside and across waves)."""
    data = {**yaml.safe_load(small_config_path.read_text()), "count": 2, "workers": 2, "max_attempts": 30}
    config = tmp_path / "waves.yaml"
    config.write_text(yaml.safe_dump(data))
    reference = tmp_path / "whole"
    whole = syndgen("run", str(config), "--out", str(reference))
    _out, err = whole.communicate(timeout=900)
    assert whole.returncode in (0, 5), err.decode()  # 5: stopped at the attempt cap
    rng = random.Random(20261201)
    run_dir = tmp_path / "killed"
    kills = 0
    while kills < 5:
        proc = syndgen("run", str(config), "--out", str(run_dir))
        time.sleep(rng.uniform(1.0, 10.0))  # from model loading to mid-wave: any moment
        if proc.poll() is not None:
            break  # it finished before this kill: nothing left to interrupt
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        kills += 1
    assert kills >= 3, "the run finished too fast to be killed several times"
    final = syndgen("run", str(config), "--out", str(run_dir))
    _out, err = final.communicate(timeout=900)
    assert final.returncode == whole.returncode, err.decode()
    with sqlite3.connect(run_dir / "run.sqlite") as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        seeds = [r[0] for r in db.execute("SELECT seed_index FROM outcomes ORDER BY seed_index")]
    assert seeds == list(range(len(seeds)))
    for name in ("sft.jsonl", "dpo.jsonl"):
        expected = reference / "data" / name
        assert (run_dir / "data" / name).exists() == expected.exists()
        if expected.exists():
            assert (run_dir / "data" / name).read_bytes() == expected.read_bytes()
