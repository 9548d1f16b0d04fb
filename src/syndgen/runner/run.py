"""A session of a run: open the run folder, build the context, drive the seeds, save the report."""

from __future__ import annotations

import json
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from syndgen.config import RunConfig
from syndgen.context import RunContext
from syndgen.extras import require
from syndgen.faults import save as save_faults
from syndgen.kinds.base import Kind, check_supported, resolve_kind
from syndgen.privacy.run_leakage import checker_for, leakage_gate, run_summary
from syndgen.privacy.stage import check_key
from syndgen.report import TOPICS_META, build_report, save_report, stored_topics
from syndgen.rundir import open_run
from syndgen.runner.build import build_context
from syndgen.runner.scheduler import ProgressCallback, Scheduler
from syndgen.seeds.dp_seed import META_KEY as DP_ROWS_META
from syndgen.seeds.dp_seed import SPENT_KEY as DP_SPENT_META
from syndgen.seeds.dp_seed import synthetic_rows
from syndgen.seeds.expand import expand_topics
from syndgen.store import RunStore

if TYPE_CHECKING:
    from syndgen.runner.executors.ray import RayExecutor


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


def _fix_topics(store: RunStore, ctx: RunContext) -> RunContext:
    """The run's topics are fixed by its first session (model-proposed ones included)."""
    topics = stored_topics(store)
    if topics is not None:
        return replace(ctx, topics=tuple(topics))
    expansion = ctx.config.task.expand_topics
    if expansion is not None:
        expanded = expand_topics(ctx, expansion)
        ctx = replace(ctx, topics=tuple(ctx.pii.topics(expanded) if ctx.pii else expanded))
    store.set_meta(TOPICS_META, json.dumps(list(ctx.topics)))
    if ctx.retriever is not None:
        store.set_meta("index_path", str(ctx.config.grounding.index))
        store.set_meta("index_version", str(ctx.retriever.index.version))
    return ctx


def _fix_dp_rows(store: RunStore, ctx: RunContext) -> RunContext:
    """``task.dp_seed``: the DP fit runs once, at the run's first session; its rows are stored."""
    dp_seed = ctx.config.task.dp_seed
    if dp_seed is None:
        return ctx
    stored = store.get_meta(DP_ROWS_META)
    if stored is None:
        rows, spent = synthetic_rows(dp_seed, ctx.config.attempt_cap, ctx.config.seed)
        store.set_meta(DP_SPENT_META, spent)
        store.set_meta(DP_ROWS_META, json.dumps(rows))
    else:
        rows = json.loads(stored)
    return replace(ctx, dp_rows=tuple(rows))


def _open_executor(config: RunConfig, store: RunStore, stack: ExitStack) -> RayExecutor | None:
    """``executor.kind: ray``: connect and start the actors (they load the models), else None."""
    if config.executor.kind != "ray":
        return None
    from syndgen.runner.executors.ray import open_ray

    return open_ray(config, store, stack)


def _session(
    store: RunStore,
    ctx: RunContext,
    kind: Kind,
    on_outcome: ProgressCallback | None,
    executor: RayExecutor | None = None,
) -> None:
    store.start_session()
    if ctx.pii is not None:
        ctx.pii.log(store.db, force=True)  # what the examples, topics and documents held
    try:
        Scheduler(ctx, kind, store, on_outcome, executor).drive()
    finally:
        if ctx.pii is not None:
            ctx.pii.log(store.db, force=True)
        save_faults(store, ctx.backends)  # the faults ridden out (or not) go in the run's record
        store.end_session()
    embeds = not ctx.generator.capabilities.model_free
    report = build_report(store, ctx.config, embed_diversity=embeds)
    if ctx.leakage is not None:
        report["leakage"] = run_summary(store, ctx.leakage.checker)
    save_report(store, report)


def run_pipeline(
    config: RunConfig,
    run_dir: Path,
    *,
    overwrite: bool = False,
    context: RunContext | None = None,
    on_outcome: ProgressCallback | None = None,
    on_start: Callable[[int, int, int], None] | None = None,
) -> RunResult:
    """Run (or resume) ``config`` into ``run_dir``. The context is built unless given."""
    kind = resolve_kind(config.task.kind)
    check_supported(config, kind)
    check_key(config.privacy.pii, run_dir)
    # Every leakage source and evaluation file is read before the run folder is touched.
    checker = checker_for(config) if config.privacy.checks_leakage else None
    if config.executor.kind == "ray":
        require("ray", "--executor ray")  # before the run folder is made
    store = open_run(run_dir, config, overwrite=overwrite)
    own = context is None
    ctx = context
    stack = ExitStack()
    try:
        samples = store.count("samples")
        budget_left = max(store.count("attempts"), store.count("outcomes")) < config.attempt_cap
        work = samples < config.count and budget_left
        executor = None
        if work:
            # Loads models (here, or on the Ray actors): fails fast on a bad model or server.
            executor = _open_executor(config, store, stack) if own else None
            remote = executor.backends() if executor is not None else {}
            ctx = _fix_dp_rows(store, _fix_topics(store, ctx or build_context(config, kind=kind, **remote)))
            if ctx.leakage is None and checker is not None:
                ctx = replace(ctx, leakage=leakage_gate(store, config, checker))
            if executor is not None:
                executor.configure(ctx.topics, ctx.dp_rows)
        if on_start is not None:
            on_start(samples, config.count, store.count("outcomes"))
        if work and ctx is not None:
            _session(store, ctx, kind, on_outcome, executor)
        return RunResult(
            run_dir=run_dir,
            samples=store.count("samples"),
            attempts=store.count("attempts"),
            target=config.count,
            attempt_cap=config.attempt_cap,
            resumed_samples=samples,
        )
    finally:
        with stack:  # the Ray actors, and a cluster started for the run
            if own and ctx is not None:
                for backend in ctx.backends:
                    backend.close()
            store.close()
