"""The embedded model on two Ray actors (one CPU each): the same config gives the same bytes
run after run, and every listener of the cluster is on 127.0.0.1.

The embedded engine's tokens depend on which sequences share its batches; a local run batches
all its seeds in one engine, two actors batch half each, so the embedded data of a Ray run is
reproducible run after run but is not the local run's (a backend whose replies do not depend on
batching gives the local run's bytes: see test_ray_faults.py)."""

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


def test_two_actors_give_the_same_bytes_run_after_run(ray_cluster, tmp_path: Path):
    seen: dict[str, object] = {}

    def on_outcome(outcome, samples, attempts):  # type: ignore[no-untyped-def]
        seen.setdefault("actors", len(worker_processes()))
        seen.setdefault("listening", listening_addresses())

    config = RunConfig.model_validate(on_ray(EMBEDDED))
    first, second = tmp_path / "first", tmp_path / "second"
    result = run_pipeline(config, first, on_outcome=on_outcome)
    assert result.samples == 2
    assert seen["actors"] == 2
    # Every listener of the running cluster (GCS, raylet, object manager, workers) is on loopback.
    assert seen["listening"] and seen["listening"] <= {"127.0.0.1"}, seen["listening"]
    run_pipeline(config, second)
    export_run(first)
    export_run(second)
    assert exports(first) and exports(second) == exports(first)
