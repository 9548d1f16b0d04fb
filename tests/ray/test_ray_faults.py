"""Faults on Ray: a worker killed mid-run has its unfinished seeds run elsewhere; a driver killed
and restarted resumes from the store. Nothing is lost or duplicated, and the data is the local
run's (the dryrun backend is deterministic)."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from ray_harness import dryrun, exports, on_ray, wait_for, worker_processes, write

from syndgen.config import RunConfig
from syndgen.export.run_export import export_run
from syndgen.runner.run import run_pipeline

pytestmark = pytest.mark.slow


def seeds_in(run_dir: Path) -> list[int]:
    path = run_dir / "run.sqlite"
    if not path.exists():
        return []
    try:
        with sqlite3.connect(path, timeout=1) as db:
            return [r[0] for r in db.execute("SELECT seed_index FROM outcomes ORDER BY rowid")]
    except sqlite3.OperationalError:
        return []  # not created yet


def assert_complete(run_dir: Path, count: int) -> None:
    seeds = seeds_in(run_dir)
    assert seeds == list(range(len(seeds))), "every seed once, in order, none skipped"
    with sqlite3.connect(run_dir / "run.sqlite") as db:
        assert db.execute("SELECT COUNT(*) FROM samples").fetchone()[0] == count


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """The local run's exports of the config both tests use."""
    run_dir = tmp_path_factory.mktemp("local") / "run"
    run_pipeline(RunConfig.model_validate(dryrun(240)), run_dir)
    export_run(run_dir)
    return exports(run_dir)


def test_a_killed_worker_has_its_seeds_run_elsewhere(ray_cluster, tmp_path: Path, reference):
    killed: list[int] = []

    def on_outcome(outcome, samples, attempts):  # type: ignore[no-untyped-def]
        if samples == 40 and not killed:
            victim = worker_processes()[0]
            killed.append(victim.pid)
            victim.send_signal(signal.SIGKILL)

    config = RunConfig.model_validate(on_ray(dryrun(240, latency_s=0.01)))
    run_dir = tmp_path / "run"
    result = run_pipeline(config, run_dir, on_outcome=on_outcome)
    export_run(run_dir)
    assert killed and result.samples == 240
    assert_complete(run_dir, 240)
    assert exports(run_dir) == reference


def test_a_killed_driver_resumes_from_the_store(ray_cluster, tmp_path: Path, reference):
    config = write(tmp_path / "run.yaml", dryrun(240, latency_s=0.02))
    run_dir = tmp_path / "run"
    address = ray_cluster.get_runtime_context().gcs_address
    command = [sys.executable, "-m", "syndgen", "run", str(config), "--out", str(run_dir)]
    command += ["--executor", "ray", "--ray-address", address, "--workers-per-node", "2"]
    driver = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    wait_for(lambda: len(seeds_in(run_dir)) >= 30 or driver.poll() is not None, what="30 seeds")
    assert driver.poll() is None, driver.communicate()[1].decode()[-3000:]
    driver.send_signal(signal.SIGKILL)
    driver.wait()
    assert 30 <= len(seeds_in(run_dir)) < 240

    again = subprocess.run(command, capture_output=True, timeout=300)
    assert again.returncode == 0, again.stderr.decode()[-3000:]
    assert b"resuming" in again.stderr
    assert_complete(run_dir, 240)
    assert exports(run_dir) == reference
