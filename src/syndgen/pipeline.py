"""The runner: seeds in, one committed outcome per seed out, until enough samples are kept.

Seeds are processed by a bounded pool of ``workers`` (1 by default; raise it to match a server's
parallel slots). The runner submits seed ``i`` only while the samples kept plus the seeds in
flight are fewer than ``count``, so the seeds processed are always the shortest prefix of the
plan that yields ``count`` samples: the same config and seed give the same dataset whatever the
parallelism, and a resumed run picks up exactly where the store ends. The attempt cap stops a
weak model from looping forever: a seed is started only if its worst case (two attempts, or
one without regeneration) still fits under the cap, and no more seeds are started than the cap
either, so a model whose questions are all rejected (before any attempt) stops too.
"""

from __future__ import annotations

import hashlib
from collections import deque
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path

from syndgen.config import RunConfig
from syndgen.records import Rejection, SeedOutcome
from syndgen.rundir import open_run
from syndgen.seeds.plan import topic_plan
from syndgen.steps.question import normalise
from syndgen.steps.record import Engine, process_seed
from syndgen.store import RunStore

ProgressCallback = Callable[[SeedOutcome, int, int], None]
"""Called after each committed seed with (outcome, samples so far, attempts so far)."""


@dataclass(frozen=True)
class RunResult:
    run_dir: Path
    samples: int
    attempts: int
    target: int
    attempt_cap: int
    resumed_samples: int

    @property
    def complete(self) -> bool:
        return self.samples >= self.target


def run_pipeline(
    config: RunConfig,
    run_dir: Path,
    *,
    overwrite: bool = False,
    engine: Engine | None = None,
    on_outcome: ProgressCallback | None = None,
    on_start: Callable[[int, int], None] | None = None,
) -> RunResult:
    """Run (or resume) ``config`` into ``run_dir``. Backends are built unless ``engine`` is given."""
    store = open_run(run_dir, config, overwrite=overwrite)
    own_engine = engine is None
    try:
        samples = store.count("samples")
        resumed = samples
        budget_left = max(store.count("attempts"), store.count("outcomes")) < config.attempt_cap
        work = samples < config.count and budget_left
        if work and engine is None:
            engine = Engine.build(config)  # loads models: fails fast on a bad model or server
        if on_start is not None:
            on_start(samples, config.count)
        if work:
            assert engine is not None
            store.start_session()
            try:
                _drive(config, store, engine, on_outcome)
            finally:
                store.end_session()
        return RunResult(
            run_dir=run_dir,
            samples=store.count("samples"),
            attempts=store.count("attempts"),
            target=config.count,
            attempt_cap=config.attempt_cap,
            resumed_samples=resumed,
        )
    finally:
        if own_engine and engine is not None:
            engine.close()
        store.close()


def _digest(key: str) -> bytes:
    return hashlib.blake2b(key.encode(), digest_size=8).digest()


def _drive(config: RunConfig, store: RunStore, engine: Engine, on_outcome: ProgressCallback | None) -> None:
    """Keep up to ``workers`` seeds running; commit outcomes strictly in seed order.

    Committing in seed order (a small reorder buffer) makes duplicate resolution and the attempt
    budget independent of which request happens to finish first, and ``pending`` (running plus
    finished but not yet committed) is bounded, which keeps memory flat however many seeds a
    run takes. When one embedded engine serves both roles it runs in lockstep with the seeds
    (see :meth:`LlamaEngine.clients`), so its batches, and the tokens, do not depend on timing.
    """
    done = store.finished_seeds()
    known: dict[bytes, int] = {_digest(k): i for i, k in store.question_keys_by_seed()}
    samples = store.count("samples")
    attempts = store.count("attempts")
    seeds = len(done)
    per_seed = 2 if config.quality.regenerate else 1
    plan = (s for s in topic_plan(config.task.topics) if s.index not in done)
    workers = config.workers or max(1, engine.generator.capabilities.parallel)
    max_pending = 4 * workers
    gate = getattr(engine.generator, "lockstep", None) if engine.critic is engine.generator else None

    def known_before(limit: int) -> Callable[[str], bool]:
        # Only seeds committed before this one was submitted count, whatever the timing.
        def check(key: str) -> bool:
            index = known.get(_digest(key))
            return index is not None and index < limit

        return check

    running: dict[Future[SeedOutcome], int] = {}
    order: deque[int] = deque()  # submitted, not yet committed, in seed order
    ready: dict[int, SeedOutcome] = {}
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="syndgen")
    try:
        while True:
            with gate.hold() if gate is not None else nullcontext():
                while order and order[0] in ready:
                    outcome = ready.pop(order.popleft())
                    key = normalise(outcome.question.text) if outcome.question else None
                    outcome = _dedupe(outcome, key, known)
                    if outcome.sample is not None and key is not None:
                        known[_digest(key)] = outcome.seed.index
                    store.commit(outcome, key)
                    samples += int(outcome.accepted)
                    seeds += 1
                    attempts += len(outcome.attempts)
                    if on_outcome is not None:
                        on_outcome(outcome, samples, attempts)
                while (
                    len(running) < workers
                    and len(order) < max_pending
                    and samples + len(order) < config.count
                    and attempts + per_seed * (len(order) + 1) <= config.attempt_cap
                    and seeds + len(order) < config.attempt_cap
                ):
                    seed = next(plan)
                    if gate is not None:
                        gate.clients(+1)
                    check = known_before(seed.index - max_pending)
                    running[pool.submit(process_seed, seed, engine, check)] = seed.index
                    order.append(seed.index)
            if not running:
                break
            finished, _ = wait(running, return_when=FIRST_COMPLETED)
            with gate.hold() if gate is not None else nullcontext():
                for future in finished:
                    index = running.pop(future)
                    if gate is not None:
                        gate.clients(-1)
                    ready[index] = future.result()
    except BaseException:
        if gate is not None:
            gate.release_clients()
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown(wait=True)


def _dedupe(outcome: SeedOutcome, key: str | None, known: dict[bytes, int]) -> SeedOutcome:
    """Reject an accepted sample whose question an earlier seed already contributed."""
    if outcome.sample is None or key is None or _digest(key) not in known:
        return outcome
    rejection = Rejection(
        seed_index=outcome.seed.index,
        attempt_no=outcome.sample.attempt.attempt_no,
        stage="dedup",
        reason="duplicate_question",
        detail="the same question was accepted for an earlier seed",
    )
    return outcome.model_copy(update={"sample": None, "rejections": (*outcome.rejections, rejection)})
