"""One seed, start to end: its kind's ``run``; a record-level backend error rejects only it.

:func:`process_seed` is a pure function of the seed, the context and what the seed may know of
earlier seeds (:class:`~syndgen.context.SeedContext`); the backends are its only I/O. Seeds can
therefore be processed in any order or in parallel, and a resumed run reproduces the same
outcome for the same seed.
"""

from __future__ import annotations

from syndgen.context import RunContext, SeedContext
from syndgen.errors import BackendError
from syndgen.kinds.base import Kind
from syndgen.records import Rejection, Seed, SeedOutcome
from syndgen.runner.settle import Known
from syndgen.text.duplicate_index import DuplicateIndex


def seen_before(known: Known, duplicates: DuplicateIndex, limit: int) -> SeedContext:
    """What a seed started with ``limit`` may know: accepted questions and records of seeds
    below it, whatever else the indexes hold by the time it asks."""
    return SeedContext(
        known_question=lambda key: known.before(key, limit),
        duplicate=lambda text: duplicates.check(text, limit),
    )


def process_seed(kind: Kind, seed: Seed, ctx: RunContext, seen: SeedContext | None = None) -> SeedOutcome:
    try:
        return kind.run(ctx, seen or SeedContext(), seed)
    except BackendError as exc:
        if not exc.record_level:
            raise
        rejection = Rejection(
            seed_index=seed.index, stage="backend", reason="backend_error", detail=str(exc)[:500]
        )
        return SeedOutcome(seed=seed, question=None, rejections=(rejection,))
