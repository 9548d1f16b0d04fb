"""Connecting to Ray, or starting a cluster for the run, on 127.0.0.1 by default.

Ray picks the machine's network address and listens on every interface unless told otherwise,
even with ``_node_ip_address="127.0.0.1"``. :func:`loopback_env` sets what keeps every listener
of a cluster started here on 127.0.0.1 (``RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0``) and turns off
usage reporting (``RAY_USAGE_STATS_ENABLED=0``). Ray reads the first when it is imported, so
:func:`loopback_env` runs before ``import ray`` (a process that imported Ray earlier must set it
itself); a value the user set is kept.

An ``address`` connects to a running cluster instead: ``auto`` (the one this machine belongs
to), ``HOST:PORT`` of its head, or ``ray://HOST:PORT`` through Ray Client. A process that has
already called ``ray.init`` (a notebook, a test) keeps its connection.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from syndgen.config_executor import ExecutorConfig
from syndgen.extras import require

LOOPBACK = "127.0.0.1"
LOOPBACK_ENV = {"RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0", "RAY_USAGE_STATS_ENABLED": "0"}


def loopback_env() -> None:
    """Keep a Ray cluster started from this process on loopback, and quiet (see above)."""
    for key, value in LOOPBACK_ENV.items():
        os.environ.setdefault(key, value)


def import_ray() -> Any:
    """The ``ray`` module, or the error that says how to install it."""
    require("ray", "--executor ray")
    loopback_env()
    import ray

    return ray


def init_local(ray: Any, num_cpus: int | None = None, **kwargs: Any) -> Any:
    """Start a one-machine cluster on 127.0.0.1 (no dashboard) and connect to it."""
    return ray.init(
        num_cpus=num_cpus,
        include_dashboard=False,
        _node_ip_address=LOOPBACK,
        logging_level=logging.WARNING,
        log_to_driver=False,
        **kwargs,
    )


@contextmanager
def connected(config: ExecutorConfig) -> Iterator[Any]:
    """Ray, connected for the duration of the block; a connection made here is closed after."""
    ray = import_ray()
    if ray.is_initialized():
        yield ray
        return
    if config.address is None:
        init_local(ray, config.num_cpus)
    else:
        ray.init(address=config.address, logging_level=logging.WARNING, log_to_driver=False)
    try:
        yield ray
    finally:
        ray.shutdown()
