"""Ray tests: a real Ray cluster started by each test module on 127.0.0.1 (one per module)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from syndgen.runner.executors.ray_cluster import import_ray, init_local, loopback_env

loopback_env()  # before Ray is first imported: it reads the setting then
pytest.importorskip("ray.util.scheduling_strategies")  # skips the folder where Ray is not installed


@pytest.fixture(scope="module")
def ray_cluster() -> Iterator[Any]:
    """``ray.init(num_cpus=2)`` on 127.0.0.1; the module's runs reuse the connection."""
    ray = import_ray()
    if ray.is_initialized():
        ray.shutdown()
    init_local(ray, num_cpus=2)
    yield ray
    ray.shutdown()
