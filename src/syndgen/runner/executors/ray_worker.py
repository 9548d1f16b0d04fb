"""The Ray actor: its own backends, a replica of what seeds may know, shards of seeds run.

Each actor builds its run context from the config as a local run does (models loaded here: an
embedded engine sized to the CPUs Ray gave the actor, or a client of an HTTP endpoint that
other actors share). What a seed may know of earlier seeds (accepted questions, records for the
duplicate checks) is replicated from the driver as *facts*: every kept sample the driver commits,
numbered in commit order and applied here in that order before the shard that needs them runs,
so a seed sees exactly what it would see in a local run (everything below its limit).

A shard's outcomes are yielded as they finish (a Ray streaming generator). On a lockstep
backend (the embedded engine) a shard runs alone, from a reset engine, with every seed of it
registered with the engine at once, so its batches, and its tokens, depend only on the shard.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import replace
from typing import Any

from syndgen.backends.base import ChatRequest, ChatResponse
from syndgen.config import RunConfig
from syndgen.faults import ReportsFaults
from syndgen.kinds.base import resolve_kind
from syndgen.records import Seed, SeedOutcome
from syndgen.runner.build import build_context
from syndgen.runner.executors.local import cancel_requests
from syndgen.runner.lockstep import gate_for
from syndgen.runner.process import process_seed, seen_before
from syndgen.runner.settle import Known

Fact = tuple[int, str, str]
"""A committed kept sample: (seed index, question key, record text or '' without dedup)."""
ROLES = ("generator", "critic", "student")


def _threaded(model: Any, threads: int) -> Any:
    """``model`` with ``n_threads`` set where it has that setting unset (the embedded engine)."""
    if model is None or "n_threads" not in type(model).model_fields or model.n_threads is not None:
        return None
    return model.model_copy(update={"n_threads": threads})


def sized_config(config: RunConfig, threads: int) -> RunConfig:
    """The config with each embedded model's threads set to the actor's CPUs."""
    update: dict[str, Any] = {}
    for role in ("generator", "critic"):
        sized = _threaded(getattr(config, role), threads)
        if sized is not None:
            update[role] = sized
    student = config.student
    sized = _threaded(student.model if student else None, threads)
    if student is not None and sized is not None:
        update["student"] = student.model_copy(update={"model": sized})
    return config.model_copy(update=update) if update else config


class SeedWorker:
    """One actor of a run (Ray wraps it with ``ray.remote``)."""

    def __init__(self, config: RunConfig, threads: int) -> None:
        self.kind = resolve_kind(config.task.kind)
        self.ctx = build_context(sized_config(config, threads), kind=self.kind)
        self.gate = gate_for(self.ctx)
        self.slots = max(1, self.ctx.generator.capabilities.parallel)
        self.pool = ThreadPoolExecutor(max_workers=self.slots, thread_name_prefix="syndgen-ray")
        self.known = Known()
        self.learned = 0  # facts applied
        self.facts_ready = threading.Condition()
        self.configured = threading.Event()  # calls to a threaded actor may run in any order

    # ------------------------------------------------------------------ setup

    def describe(self) -> dict[str, Any]:
        """Per role: model id, capabilities, fault reporting; the seeds this actor runs at once."""
        roles: dict[str, Any] = {}
        for role in ROLES:
            backend = getattr(self.ctx, role)
            if backend is not None:
                faults = isinstance(backend, ReportsFaults)
                roles[role] = (backend.model_id, backend.capabilities, faults, id(backend))
        return {"roles": roles, "slots": self.slots, "waves": self.gate.waves, "pid": os.getpid()}

    def configure(self, topics: Sequence[str], dp_rows: Sequence[dict[str, str]]) -> None:
        """The run's topics and DP rows, as its first session fixed them."""
        self.ctx = replace(self.ctx, topics=tuple(topics), dp_rows=tuple(dp_rows))
        self.configured.set()

    def learn(self, start: int, facts: Sequence[Fact]) -> None:
        """Apply facts ``start..``: in order, waiting for earlier ones still on their way."""
        with self.facts_ready:
            while self.learned < start:
                self.facts_ready.wait()
            for index, key, text in facts[self.learned - start :]:
                self.known.add(key, index)
                if text:
                    self.ctx.duplicates.add(index, text)
            self.learned = max(self.learned, start + len(facts))
            self.facts_ready.notify_all()

    # ------------------------------------------------------------------ work

    def run(
        self, shard: Sequence[tuple[Seed, int]], start: int, facts: Sequence[Fact]
    ) -> Iterator[tuple[int, SeedOutcome]]:
        """The shard's ``(seed index, outcome)`` pairs as they finish."""
        self.configured.wait()
        self.learn(start, facts)
        if self.gate.waves:
            with self.gate.hold():
                self.gate.reset()
                for _ in shard:
                    self.gate.join()
                futures = {self.pool.submit(self._one, seed, limit): seed.index for seed, limit in shard}
        else:
            futures = {self.pool.submit(self._one, seed, limit): seed.index for seed, limit in shard}
        for future in as_completed(futures):
            yield futures[future], future.result()

    def _one(self, seed: Seed, limit: int) -> SeedOutcome:
        try:
            seen = seen_before(self.known, self.ctx.duplicates, limit)
            return process_seed(self.kind, seed, self.ctx, seen)
        finally:
            if self.gate.waves:
                self.gate.leave()  # a finished seed no longer holds the engine's next step

    def chat(self, role: str, request: ChatRequest) -> ChatResponse:
        """One request to this actor's backend for ``role`` (the driver's topic expansion)."""
        backend = getattr(self.ctx, role)
        response: ChatResponse = backend.chat(request)
        return response

    def faults(self, role: str) -> dict[str, int]:
        backend = getattr(self.ctx, role)
        return dict(backend.faults()) if isinstance(backend, ReportsFaults) else {}

    def cancel(self) -> None:
        """The driver no longer needs this actor's seeds: drop their requests where it can."""
        cancel_requests(self.ctx)

    def close(self) -> None:
        for backend in self.ctx.backends:
            backend.close()
