"""The ``executor:`` config section: where a run's seeds are processed.

``local`` (the default) runs them in threads of this process; ``ray`` cuts them into shards that
Ray actors execute, each actor owning its backends, while this process commits the outcomes to
the run store in seed order (see :mod:`syndgen.runner.executors.ray`). The section is outside the
config hash: where seeds run does not change what they produce, so a run started locally can
resume on Ray and the other way round.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from syndgen.config_sections import StrictInt, _Strict


class ExecutorConfig(_Strict):
    """Where the seeds run: threads of this process, or actors of a Ray cluster."""

    kind: Literal["local", "ray"] = Field(
        default="local", description="local: threads of this process; ray: actors of a Ray cluster"
    )
    address: str | None = Field(
        default=None,
        description="ray: 'auto' (the cluster this machine belongs to), 'HOST:PORT' of its head, "
        "or 'ray://HOST:PORT' (Ray Client); null: a cluster started for the run on 127.0.0.1",
    )
    workers_per_node: StrictInt | None = Field(
        default=None, ge=1, le=1024, description="ray: actors started on each node (default: 1)"
    )
    cpus_per_worker: float | None = Field(
        default=None,
        gt=0,
        description="ray: CPUs each actor reserves (default: the node's CPUs shared by its actors); an "
        "embedded model's threads follow it",
    )
    num_cpus: StrictInt | None = Field(
        default=None, ge=1, description="ray, no address: CPUs of the cluster started on 127.0.0.1"
    )
    shard_size: StrictInt = Field(
        default=16, ge=1, le=4096, description="ray: the most seeds sent to an actor in one call"
    )
