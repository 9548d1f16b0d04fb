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
import json
import math
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from syndgen.config import RunConfig
from syndgen.records import Rejection, SeedOutcome
from syndgen.report import TOPICS_META, build_report, save_report, stored_topics
from syndgen.rundir import open_run
from syndgen.seeds.quota import PlanState, QuotaPlanner
from syndgen.steps.common import SeedContext
from syndgen.steps.question import normalise
from syndgen.steps.record import Engine, process_seed, record_text
from syndgen.store import RunStore

if TYPE_CHECKING:
    from syndgen.backends.llama_engine import LlamaEngine

WINDOW_META = "plan_window"

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
    on_start: Callable[[int, int, int], None] | None = None,
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
        if work:
            assert engine is not None
            _fix_topics(store, engine)
        if on_start is not None:
            on_start(samples, config.count, store.count("outcomes"))
        if work:
            assert engine is not None
            store.start_session()
            try:
                _drive(config, store, engine, on_outcome)
            finally:
                store.end_session()
            save_report(store, build_report(store, config, embed_diversity=_embeds(config)))
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


def _embeds(config: RunConfig) -> bool:
    """Diversity by embeddings, except for the scripted test backend (no model needed there)."""
    return config.generator.backend != "dryrun"


def _fix_topics(store: RunStore, engine: Engine) -> None:
    """The run's topics are fixed by its first session (model-proposed ones included)."""
    topics = stored_topics(store)
    if topics is None:
        expansion = engine.config.task.expand_topics
        if expansion is not None:
            from syndgen.seeds.expand import expand_topics

            engine.topics = expand_topics(engine, expansion)
        store.set_meta(TOPICS_META, json.dumps(engine.topics))
        if engine.retriever is not None:
            store.set_meta("index_path", str(engine.config.grounding.index))
            store.set_meta("index_version", str(engine.retriever.index.version))
    else:
        engine.topics = topics


def plan_window(store: RunStore, workers: int) -> int:
    """Seeds a seed may not see the outcome of; fixed by a run's first session (resume-safe)."""
    stored = store.get_meta(WINDOW_META)
    if stored is None:
        window = 4 * workers
        store.set_meta(WINDOW_META, str(window))
        return window
    return int(stored)


def _drive(config: RunConfig, store: RunStore, engine: Engine, on_outcome: ProgressCallback | None) -> None:
    """Keep up to ``workers`` seeds running; commit outcomes strictly in seed order.

    Committing in seed order (a small reorder buffer) makes duplicate resolution, quotas and the
    attempt budget independent of which request happens to finish first, and ``pending``
    (running plus finished but not yet committed) is bounded by the plan window, which keeps
    memory flat however many seeds a run takes. A seed sees only what was committed a full
    window before it (duplicates, kept counts), so its work does not depend on timing. When one
    embedded engine serves both roles it runs in lockstep with the seeds (see
    :meth:`LlamaEngine.clients`), so its batches, and the tokens, do not depend on timing either.
    """
    workers = config.workers or max(1, engine.generator.capabilities.parallel)
    max_pending = plan_window(store, workers)
    workers = min(workers, max_pending)
    state = PlanState(
        QuotaPlanner(engine.topics, config.task.axes, config.count, config.seed, window=max_pending),
        adaptive=config.coverage.enforce,
    )
    known: dict[bytes, int] = {}
    samples = attempts = seeds = 0
    for stored in store.outcomes():
        state.remember(stored.seed, stored.accepted)
        samples += int(stored.accepted)
        attempts += len(stored.attempts)
        seeds += 1
        if stored.sample is not None:
            known[_digest(normalise(stored.sample.question.text))] = stored.seed.index
            engine.duplicates.add(stored.seed.index, record_text(stored))
    per_seed = engine.attempts_per_seed
    next_index = seeds
    gate = getattr(engine.generator, "lockstep", None) if engine.critic is engine.generator else None

    def context(limit: int) -> SeedContext:
        # Only seeds committed before this one was submitted count, whatever the timing.
        def known_question(key: str) -> bool:
            index = known.get(_digest(key))
            return index is not None and index < limit

        return SeedContext(
            known_question=known_question, duplicate=lambda text: engine.duplicates.check(text, limit)
        )

    running: dict[Future[SeedOutcome], int] = {}
    order: deque[int] = deque()  # submitted, not yet committed, in seed order
    ready: dict[int, SeedOutcome] = {}
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="syndgen")
    finished: list[Future[SeedOutcome]] = []
    try:
        while True:
            # One hold for the seeds just done, the commits and the launches: the engine never
            # steps with a set of clients that depends on thread timing.
            with gate.hold() if gate is not None else nullcontext():
                for future in finished:
                    index = running.pop(future)
                    if gate is not None:
                        gate.clients(-1)
                    ready[index] = future.result()
                while order and order[0] in ready and samples < config.count:
                    outcome = _settle(ready.pop(order.popleft()), known, state, engine)
                    key = normalise(outcome.question.text) if outcome.question else None
                    if outcome.sample is not None and key is not None:
                        known[_digest(key)] = outcome.seed.index
                        engine.duplicates.add(outcome.seed.index, record_text(outcome))
                    state.remember(outcome.seed, outcome.accepted)
                    store.commit(outcome, key)
                    samples += int(outcome.accepted)
                    seeds += 1
                    attempts += len(outcome.attempts)
                    if on_outcome is not None:
                        on_outcome(outcome, samples, attempts)
                while (
                    len(running) < workers
                    and len(order) < max_pending
                    and len(order) < in_flight_wanted(config.count, samples, seeds)
                    and attempts + per_seed * (len(order) + 1) <= config.attempt_cap
                    and seeds + len(order) < config.attempt_cap
                ):
                    seed = state.next_seed(next_index)
                    next_index += 1
                    if gate is not None:
                        gate.clients(+1)
                    ctx = context(seed.index - max_pending)
                    running[pool.submit(process_seed, seed, engine, ctx)] = seed.index
                    order.append(seed.index)
            if samples >= config.count and running:
                _drop(running, engine)  # seeds started for a yield the run no longer needs
            if not running:
                break
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            finished = _quiescent(gate, running) if gate is not None else list(done)
    except BaseException:
        if gate is not None:
            gate.release_clients()
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown(wait=True)


def _quiescent(gate: LlamaEngine, running: dict[Future[SeedOutcome], int]) -> list[Future[SeedOutcome]]:
    """Wait until every running seed is either waiting on the engine or done; return the done.

    The lockstep engine cannot step while a done seed is still counted as a client, so this set
    is the same whatever the thread timing, and so are the seeds launched after committing it.
    """
    while True:
        done = [f for f in running if f.done()]
        if gate.settled(len(done)):
            return done
        time.sleep(0.0005)


def in_flight_wanted(count: int, samples: int, seeds: int) -> int:
    """Seeds worth running at once to reach ``count`` (pure).

    Enough that, at the yield seen so far, the batch stays full to the last record: the samples
    still missing divided by the kept fraction of committed seeds (smoothed, so the first seeds
    assume one in two is kept). It depends only on committed outcomes, never on timing.
    """
    remaining = count - samples
    if remaining <= 0:
        return 0
    return math.ceil(remaining * (seeds + 2) / (samples + 1))


def _drop(running: dict[Future[SeedOutcome], int], engine: Engine) -> None:
    """The target is reached: cancel the seeds still running and wait for their threads."""
    engine.cancel_requests()
    try:
        wait(running)
        for future in running:
            future.exception()  # a cancelled seed ends in an error nobody needs
        running.clear()
    finally:
        engine.reopen_requests()


def _reject(outcome: SeedOutcome, stage: str, reason: str, detail: str) -> SeedOutcome:
    assert outcome.sample is not None
    rejection = Rejection(
        seed_index=outcome.seed.index,
        attempt_no=outcome.sample.attempt.attempt_no,
        stage=stage,
        reason=reason,
        detail=detail,
    )
    return outcome.model_copy(update={"sample": None, "rejections": (*outcome.rejections, rejection)})


def _settle(outcome: SeedOutcome, known: dict[bytes, int], state: PlanState, engine: Engine) -> SeedOutcome:
    """Final in-order checks on an accepted sample: duplicates of any earlier seed, then quotas."""
    if outcome.sample is None:
        return outcome
    key = normalise(outcome.sample.question.text)
    if _digest(key) in known:
        return _reject(
            outcome, "dedup", "duplicate_question", "the same question was accepted for an earlier seed"
        )
    duplicate = engine.duplicates.check(record_text(outcome), outcome.seed.index)
    if duplicate is not None:
        return _reject(outcome, "dedup", *duplicate)
    over = state.over_quota(outcome.seed) if engine.config.coverage.enforce else None
    if over is not None:
        return _reject(outcome, "coverage", "over_quota", over)
    return outcome
