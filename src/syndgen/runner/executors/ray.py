"""Seeds on Ray actors; outcomes stream back and this process commits them in seed order.

The scheduler still decides which seeds run and commits them to the one run store; this
executor cuts the seeds it is given into shards (at most ``executor.shard_size`` seeds) and sends
each to an actor (:class:`~syndgen.runner.executors.ray_worker.SeedWorker`) with free slots.
Each shard is a streaming call: outcomes come back one by one as the actor finishes them.

* **Same data as a local run.** A seed carries its visibility limit, and each actor holds a
  replica of what seeds below a limit may know (kept questions and records), fed with every
  kept sample in commit order before the next shard it gets. With a deterministic backend the
  outcomes, and so the dataset, are those of a local run with the same config and seed.
* **Lockstep backends** (the embedded engine): seeds run in rounds: a round's seeds are split
  into one shard per actor, and the next round starts when every seed of this one is back, so
  the shards, hence each engine's batches, depend only on committed outcomes; waves (see
  :mod:`syndgen.runner.lockstep`) make a resumed run replay them.
* **A lost worker** (its process killed, its node gone): the seeds of its shards that had not
  come back are sent to the other actors (nothing is committed twice: an outcome is taken once,
  by seed index) and a replacement actor is started, given every fact from the run store.
* **A lost driver**: the actors die with it; rerunning resumes from the store as a local run does.
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Iterator
from contextlib import AbstractContextManager, ExitStack, nullcontext
from dataclasses import dataclass, field
from typing import Any

from syndgen.backends.base import ChatRequest, ChatResponse
from syndgen.config import RunConfig
from syndgen.errors import BackendError
from syndgen.records import Seed, SeedOutcome
from syndgen.runner.executors.ray_cluster import connected
from syndgen.runner.executors.ray_remote import FaultReportingRemote, RemoteBackend
from syndgen.runner.executors.ray_worker import Fact, SeedWorker
from syndgen.runner.settle import record_text
from syndgen.store import RunStore
from syndgen.text.duplicate_index import DuplicateIndex
from syndgen.text.normalise import question_key

STARTUP_S = 600.0
"""How long the first actors may take to start (models load) before the run gives up."""
MAX_SHARDS = 8
"""Shards in flight on one actor at most (its calls run in threads)."""
PRIME_CHUNK = 20_000


@dataclass(eq=False)
class Worker:
    handle: Any
    ready: Any
    cpus: float
    slots: int = 0
    busy: int = 0
    shards: int = 0
    sent: int = 0  # facts this actor was sent
    cursor: int = 0  # the journal position it has received up to
    pid: int = 0


@dataclass(eq=False)
class Shard:
    worker: Worker
    seeds: dict[int, tuple[Seed, int]] = field(default_factory=dict)


def store_facts(store: RunStore, dedup: bool) -> Iterator[Fact]:
    """Every kept sample in the store, as the facts a new actor must learn."""
    if not dedup:
        for index, key in store.kept_questions():
            yield index, key, ""
        return
    for outcome in store.outcomes():
        if outcome.sample is not None and outcome.question is not None:
            yield outcome.seed.index, question_key(outcome.question.text), record_text(outcome)


def cause_of(ray: Any, exc: BaseException) -> BaseException:
    """The error an actor's code raised (a SyndgenError keeps its message and exit code)."""
    cause = getattr(exc, "cause", None)
    if isinstance(exc, ray.exceptions.RayTaskError) and isinstance(cause, BaseException):
        return cause
    return BackendError(f"a Ray worker failed: {exc}")


class RayExecutor:
    """Seeds on the actors of a connected Ray cluster (see the module docstring)."""

    def __init__(self, ray: Any, config: RunConfig, store: RunStore) -> None:
        self.ray, self.config, self.store = ray, config, store
        self.spec = config.executor
        self.dedup = DuplicateIndex.enabled_by(config.dedup)
        self.actor_class = ray.remote(SeedWorker)
        self.workers: list[Worker] = []
        self.starting: list[Worker] = []
        self.pending: deque[tuple[Seed, int]] = deque()
        self.streams: dict[Any, Shard] = {}
        self.done: list[tuple[int, SeedOutcome]] = []
        self.in_flight = 0
        self.journal: list[Fact] = []
        self.journal_base = self.facts = 0
        self.primed = False
        self.configured: tuple[tuple[str, ...], tuple[dict[str, str], ...]] | None = None
        self._start_workers()
        info = self._await_first()
        self.roles: dict[str, Any] = info["roles"]
        self.waves: bool = info["waves"]
        self.replacements = 2 * len(self.workers) + 2

    # ------------------------------------------------------------------ actors

    def _start_workers(self) -> None:
        from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

        per_node = self.spec.workers_per_node or 1
        nodes = [n for n in self.ray.nodes() if n.get("Alive") and n.get("Resources", {}).get("CPU", 0) > 0]
        for node in sorted(nodes, key=lambda n: str(n["NodeID"])):
            cpus = self.spec.cpus_per_worker or float(node["Resources"]["CPU"]) / per_node
            where = NodeAffinitySchedulingStrategy(node_id=node["NodeID"], soft=True)
            for _ in range(per_node):
                self._start(cpus, where)
        if not self.starting:
            raise BackendError("the Ray cluster has no node with CPUs to run syndgen's workers")

    def _start(self, cpus: float, where: Any = None) -> Worker:
        options: dict[str, Any] = {"num_cpus": cpus, "max_restarts": 0, "max_concurrency": MAX_SHARDS + 4}
        if where is not None:
            options["scheduling_strategy"] = where
        handle = self.actor_class.options(**options).remote(self.config, max(1, int(cpus)))
        worker = Worker(handle=handle, ready=handle.describe.remote(), cpus=cpus)
        self.starting.append(worker)
        if self.configured is not None:
            handle.configure.remote(*self.configured)
        if self.primed:
            self._prime(worker)
        return worker

    def _await_first(self) -> dict[str, Any]:
        refs = [w.ready for w in self.starting]
        ready, _ = self.ray.wait(refs, num_returns=len(refs), timeout=STARTUP_S)
        info: dict[str, Any] | None = None
        for worker in [w for w in self.starting if w.ready in ready]:
            info = self._started(worker, first=True) or info
        if info is None:
            raise BackendError(
                f"no Ray worker started within {STARTUP_S:.0f} s",
                hint="check the cluster's free CPUs (executor.cpus_per_worker) and its logs",
            )
        return info

    def _started(self, worker: Worker, first: bool = False) -> dict[str, Any] | None:
        """A starting actor answered (or failed to start)."""
        self.starting.remove(worker)
        try:
            info: dict[str, Any] = self.ray.get(worker.ready)
        except self.ray.exceptions.RayError as exc:
            if first or not (self.workers or self.starting):
                raise cause_of(self.ray, exc) from None
            return None
        worker.slots, worker.pid = int(info["slots"]), int(info["pid"])
        self.workers.append(worker)
        return info

    def _prime(self, worker: Worker) -> None:
        """Send a new actor every kept sample committed so far (from the store)."""
        chunk: list[Fact] = []
        for fact in store_facts(self.store, self.dedup):
            chunk.append(fact)
            if len(chunk) >= PRIME_CHUNK:
                worker.handle.learn.remote(worker.sent, chunk)
                worker.sent, chunk = worker.sent + len(chunk), []
        if chunk:
            worker.handle.learn.remote(worker.sent, chunk)
            worker.sent += len(chunk)
        worker.cursor = self.facts

    def _lost(self, worker: Worker) -> None:
        """An actor died: its unfinished seeds go back to the queue; a replacement starts."""
        if worker in self.workers:
            self.workers.remove(worker)
        back: list[tuple[Seed, int]] = []
        for ref, shard in list(self.streams.items()):
            if shard.worker is worker:
                back.extend(shard.seeds.values())
                del self.streams[ref]
        self.pending = deque(sorted([*back, *self.pending], key=lambda item: item[0].index))
        self.ray.kill(worker.handle, no_restart=True)
        if self.replacements > 0:
            self.replacements -= 1
            self._start(worker.cpus)

    def backends(self) -> dict[str, Any]:
        """The driver's generator, critic and student: one object per model the actors load."""
        config = self.config
        models = {
            "generator": config.generator,
            "critic": config.critic_model,
            "student": (config.student.model if config.student else None) or config.generator,
        }
        made: dict[int, RemoteBackend] = {}
        found: dict[str, Any] = {"student": None}
        for role, (model_id, caps, faults, ident) in self.roles.items():
            if ident not in made:
                cls = FaultReportingRemote if faults else RemoteBackend
                made[ident] = cls(self, role, models[role], model_id, caps)
            found[role] = made[ident]
        return found

    def configure(self, topics: tuple[str, ...], dp_rows: tuple[dict[str, str], ...]) -> None:
        self.configured = (topics, dp_rows)
        for worker in [*self.workers, *self.starting]:
            worker.handle.configure.remote(topics, dp_rows)

    def chat(self, role: str, request: ChatRequest) -> ChatResponse:
        try:
            response: ChatResponse = self.ray.get(self.workers[0].handle.chat.remote(role, request))
        except self.ray.exceptions.RayError as exc:
            raise cause_of(self.ray, exc) from None
        return response

    def faults(self, role: str) -> dict[str, int]:
        total: Counter[str] = Counter()
        for worker in self.workers:
            try:
                total.update(self.ray.get(worker.handle.faults.remote(role)))
            except self.ray.exceptions.RayError:
                continue  # a worker lost at the end: its counts are lost with it
        return dict(sorted(total.items()))

    def pids(self) -> list[int]:
        return [w.pid for w in self.workers]

    # ------------------------------------------------------------------ the Executor protocol

    @property
    def capacity(self) -> int:
        return sum(w.slots for w in self.workers)

    def running(self) -> int:
        return self.in_flight

    def hold(self) -> AbstractContextManager[Any]:
        return nullcontext()

    def reset(self) -> None:
        pass  # a lockstep actor resets its engine at each shard's start

    def submit(self, seed: Seed, limit: int) -> None:
        self.pending.append((seed, limit))
        self.in_flight += 1

    def learn(self, index: int, key: str, text: str) -> None:
        if self.primed:  # before, the store holds every fact (actors are primed from it)
            self.journal.append((index, key, text if self.dedup else ""))
            self.facts += 1

    def flush(self) -> None:
        if not self.primed:
            for worker in [*self.workers, *self.starting]:
                self._prime(worker)
            self.primed = True
        if self.waves:
            if not self.streams:
                self._dispatch_round()
            return
        progress = True
        while self.pending and progress:
            progress = False
            for worker in sorted(self.workers, key=lambda w: w.busy - w.slots):
                free = worker.slots - worker.busy
                low = max(1, min(self.spec.shard_size, worker.slots) // 2)
                if not self.pending or worker.shards >= MAX_SHARDS or free < low or free <= 0:
                    continue
                self._send(worker, min(free, self.spec.shard_size, len(self.pending)))
                progress = True
        self._trim()

    def _dispatch_round(self) -> None:
        """Lockstep: the queued seeds in one contiguous shard per actor, at most its slots."""
        workers = self.workers
        left = len(self.pending)
        for i, worker in enumerate(workers):
            share = -(-left // (len(workers) - i))
            n = min(share, worker.slots, len(self.pending))
            if n:
                self._send(worker, n)
                left -= n
        self._trim()

    def _send(self, worker: Worker, n: int) -> None:
        items = [self.pending.popleft() for _ in range(n)]
        delta = self.journal[worker.cursor - self.journal_base :]
        start, worker.sent, worker.cursor = worker.sent, worker.sent + len(delta), self.facts
        stream = worker.handle.run.options(num_returns="streaming").remote(items, start, delta)
        self.streams[stream] = Shard(worker, {seed.index: (seed, limit) for seed, limit in items})
        worker.busy += n
        worker.shards += 1

    def _trim(self) -> None:
        cursors = [w.cursor for w in [*self.workers, *self.starting]]
        lowest = min(cursors) if cursors else self.facts
        if lowest > self.journal_base:
            del self.journal[: lowest - self.journal_base]
            self.journal_base = lowest

    def wait(self) -> None:
        while not self.done or (self.waves and self.streams):
            refs = [*self.streams, *(w.ready for w in self.starting)]
            if not refs:
                if self.pending:
                    raise BackendError("every Ray worker of the run is gone", hint="rerun to resume")
                return
            ready, _ = self.ray.wait(refs, num_returns=1)
            for ref in ready:
                if ref in self.streams:
                    self._receive(ref)
                    while ref in self.streams and ref.next_ready():  # what else it has ready
                        self._receive(ref)
                else:
                    self._started(next(w for w in self.starting if w.ready is ref))
            if self.pending and (not self.waves or not self.streams):
                self.flush()

    def _receive(self, stream: Any) -> None:
        shard = self.streams[stream]
        try:
            index, outcome = self.ray.get(next(stream))
        except StopIteration:
            del self.streams[stream]
            shard.worker.shards -= 1
            return
        except self.ray.exceptions.RayTaskError as exc:
            if isinstance(exc.cause, self.ray.exceptions.RayActorError):
                self._lost(shard.worker)
                return
            raise cause_of(self.ray, exc) from None
        except self.ray.exceptions.RayError:
            self._lost(shard.worker)
            return
        if shard.seeds.pop(index, None) is not None:
            shard.worker.busy -= 1
            self.done.append((index, outcome))

    def take(self) -> list[tuple[int, SeedOutcome]]:
        taken, self.done = self.done, []
        self.in_flight -= len(taken)
        return taken

    def drop(self) -> None:
        """Forget the seeds still out (the actors are stopped when the session closes)."""
        for worker in {shard.worker for shard in self.streams.values()}:
            worker.handle.cancel.remote()
        for worker in self.workers:
            worker.busy = worker.shards = 0
        self.streams.clear()
        self.pending.clear()
        self.done.clear()
        self.in_flight = 0

    def finish(self) -> None:
        pass

    def abort(self) -> None:
        self.drop()

    def close(self) -> None:
        for worker in [*self.workers, *self.starting]:
            self.ray.kill(worker.handle, no_restart=True)
        self.workers, self.starting = [], []


def open_ray(config: RunConfig, store: RunStore, stack: ExitStack) -> RayExecutor:
    """Connect (or start a cluster on 127.0.0.1) and start the run's actors; closed with ``stack``."""
    ray = stack.enter_context(connected(config.executor))
    executor = RayExecutor(ray, config, store)
    stack.callback(executor.close)
    return executor
