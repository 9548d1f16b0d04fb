"""Keep up to ``workers`` seeds running; commit outcomes strictly in seed order.

Seeds are processed by a bounded pool of ``workers`` (by default what the generator serves at
once). Committing in seed order (a small reorder buffer) makes duplicate resolution, quotas and
the attempt budget independent of which request happens to finish first, and ``pending``
(running plus finished but not yet committed) is bounded by the plan window, which keeps memory
flat however many seeds a run takes. A seed sees only what was committed a full window before it
(duplicates, kept counts), so its work does not depend on timing.

The runner submits seeds only while more are wanted (:func:`in_flight_wanted`), so the seeds
processed are the shortest prefix of the plan that yields ``count`` samples: the same config and
seed give the same dataset whatever the parallelism, and a resumed run picks up exactly where
the store ends. The attempt cap stops a weak model from looping forever: a seed is started only
if its worst case still fits under the cap, and no more seeds are started than the cap either,
so a model whose questions are all rejected (before any attempt) stops too.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable

from syndgen.context import RunContext, SeedContext
from syndgen.kinds.base import Kind
from syndgen.records import Seed, SeedOutcome
from syndgen.runner.executors.base import Executor
from syndgen.runner.executors.local import LocalExecutor
from syndgen.runner.process import seen_before
from syndgen.runner.settle import Known, record_text, settle
from syndgen.seeds.quota import PlanState, QuotaPlanner
from syndgen.store import RunStore
from syndgen.text.normalise import question_key

WINDOW_META = "plan_window"

ProgressCallback = Callable[[SeedOutcome, int, int], None]
"""Called after each committed seed with (outcome, samples so far, attempts so far)."""


def plan_window(store: RunStore, workers: int) -> int:
    """Seeds a seed may not see the outcome of; fixed by a run's first session (resume-safe)."""
    stored = store.get_meta(WINDOW_META)
    if stored is None:
        window = 4 * workers
        store.set_meta(WINDOW_META, str(window))
        return window
    return int(stored)


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


def attempts_per_seed(ctx: RunContext) -> int:
    """The most answer attempts one seed can make (the attempt budget reserves this)."""
    regen = 1 if ctx.config.quality.regenerate else 0
    return ctx.config.voting.k + regen


class Scheduler:
    """One session's seeds: launch, reorder, settle, commit."""

    def __init__(
        self,
        ctx: RunContext,
        kind: Kind,
        store: RunStore,
        on_outcome: ProgressCallback | None,
        executor: Executor | None = None,
    ) -> None:
        config = ctx.config
        self.ctx, self.kind, self.store, self.on_outcome = ctx, kind, store, on_outcome
        workers = config.workers or max(1, ctx.generator.capabilities.parallel)
        self.window = plan_window(store, workers)
        self.known = Known()
        self.executor: Executor = executor or LocalExecutor(ctx, kind, min(workers, self.window), self._seen)
        self.workers = min(self.executor.capacity, self.window)
        self.state = PlanState(
            QuotaPlanner(
                list(ctx.topics),
                config.task.axes,
                config.count,
                config.seed,
                window=self.window,
                max_skew=config.coverage.max_skew,
            ),
            adaptive=config.coverage.enforce,
            rows=ctx.dp_rows,
        )
        self.samples = self.attempts = self.seeds = 0
        self.per_seed = attempts_per_seed(ctx)
        self.order: deque[int] = deque()  # submitted, not yet committed, in seed order
        self.ready: dict[int, SeedOutcome] = {}
        self.replayed: dict[int, SeedOutcome] = {}  # committed seeds of the wave being rerun
        committed = store.count("outcomes")
        start = (committed // self.window) * self.window if self.executor.waves else committed
        self._replay(start)
        self.next_index = start
        self.wave_end = start + self.window

    def _replay(self, start: int) -> None:
        """What earlier sessions committed: plan state, counts, the duplicate indexes. Seeds from
        ``start`` on (the unfinished wave) are run again and their stored outcomes taken then."""
        for stored in self.store.outcomes():
            if stored.seed.index >= start:
                self.replayed[stored.seed.index] = stored
            else:
                self._apply(stored)

    def _apply(self, outcome: SeedOutcome) -> None:
        """Count a committed outcome in the plan state, the counters and the duplicate indexes."""
        key = question_key(outcome.question.text) if outcome.question else None
        if outcome.sample is not None and key is not None:
            text = record_text(outcome)
            self.known.add(key, outcome.seed.index)
            self.ctx.duplicates.add(outcome.seed.index, text)
            self.executor.learn(outcome.seed.index, key, text)
        self.state.remember(outcome.seed, outcome.accepted)
        self.samples += int(outcome.accepted)
        self.seeds += 1
        self.attempts += len(outcome.attempts)

    def _seen(self, limit: int) -> SeedContext:
        """Only seeds committed before this one was submitted count, whatever the timing."""
        return seen_before(self.known, self.ctx.duplicates, limit)

    def _commit_ready(self) -> None:
        count = self.ctx.config.count
        while self.order and self.order[0] in self.ready and self.samples < count:
            index = self.order.popleft()
            fresh = self.ready.pop(index)
            stored = self.replayed.pop(index, None)
            if stored is not None:  # committed before the restart: the store keeps its copy
                self._apply(stored)
                continue
            if self.ctx.pii is not None:  # privacy.pii: nothing raw reaches the store
                fresh = self.ctx.pii.outcome(fresh)
            outcome = settle(fresh, self.known, self.state, self.ctx)
            key = question_key(outcome.question.text) if outcome.question else None
            self.store.commit(outcome, key)
            if self.ctx.pii is not None:
                self.ctx.pii.log(self.store.db)
            self._apply(outcome)
            if self.on_outcome is not None:
                self.on_outcome(outcome, self.samples, self.attempts)

    def _room(self) -> bool:
        cap = self.ctx.config.attempt_cap
        pending = len(self.order)
        return (
            self.executor.running() < self.workers
            and pending < self.window
            and pending < in_flight_wanted(self.ctx.config.count, self.samples, self.seeds)
            and self.attempts + self.per_seed * (pending + 1) <= cap
            and self.seeds + pending < cap
        )

    def _launch(self) -> None:
        while self._room():
            if self.executor.waves and self.next_index >= self.wave_end:
                if self.order:
                    return  # the next wave starts when every seed of this one is committed
                self.executor.reset()
                self.wave_end += self.window
            seed: Seed = self.state.next_seed(self.next_index)
            self.next_index += 1
            self.executor.submit(seed, seed.index - self.window)
            self.order.append(seed.index)

    def _step(self) -> None:
        """One hold for the seeds just done, the commits and the launches (see
        :meth:`LocalExecutor.take`)."""
        with self.executor.hold():
            for index, outcome in self.executor.take():
                self.ready[index] = outcome
            self._commit_ready()
            self._launch()
        self.executor.flush()

    def drive(self) -> None:
        executor = self.executor
        try:
            while True:
                self._step()
                if self.samples >= self.ctx.config.count and executor.running():
                    executor.drop()  # seeds started for a yield the run no longer needs
                if not executor.running():
                    break
                executor.wait()
        except BaseException:
            executor.abort()
            raise
        executor.finish()
