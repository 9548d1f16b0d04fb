"""The embedded model on two Ray actors (one CPU each) writes the bytes a local run writes, and
every listener of the cluster is on 127.0.0.1."""

from __future__ import annotations

import os
from pathlib import Path

import psutil
import pytest
from ray_harness import EMBEDDED, exports, on_ray, worker_processes

from syndgen.config import RunConfig
from syndgen.export.run_export import export_run
from syndgen.runner.run import run_pipeline

pytestmark = [pytest.mark.slow, pytest.mark.integration]


def listening_addresses() -> set[str]:
    """The addresses this process and its descendants (the whole local cluster) listen on."""
    me = psutil.Process(os.getpid())
    found = set()
    for proc in [me, *me.children(recursive=True)]:
        try:
            conns = proc.net_connections(kind="inet")
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
        found.update(c.laddr.ip.removeprefix("::ffff:") for c in conns if c.status == psutil.CONN_LISTEN)
    return found


def test_two_actors_write_the_local_runs_bytes(ray_cluster, tmp_path: Path):
    local, remote = tmp_path / "local", tmp_path / "ray"
    run_pipeline(RunConfig.model_validate(EMBEDDED), local)
    export_run(local)

    seen: dict[str, object] = {}

    def on_outcome(outcome, samples, attempts):  # type: ignore[no-untyped-def]
        seen.setdefault("actors", len(worker_processes()))
        seen.setdefault("listening", listening_addresses())

    result = run_pipeline(RunConfig.model_validate(on_ray(EMBEDDED)), remote, on_outcome=on_outcome)
    export_run(remote)
    assert result.samples == 2
    assert seen["actors"] == 2
    assert exports(local) and exports(remote) == exports(local)
    # Every listener of the running cluster (GCS, raylet, object manager, workers) is on loopback.
    assert seen["listening"] and seen["listening"] <= {"127.0.0.1"}, seen["listening"]
