"""Grounded answers: the passages retrieved for a question, and the deterministic support check."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from syndgen.context import RunContext
from syndgen.embed import get_embedder
from syndgen.grounding.support import support_check
from syndgen.records import Passage


def passages_for(ctx: RunContext, question: str) -> tuple[Passage, ...]:
    """The top-``k`` passages for ``question`` from the run's retriever."""
    assert ctx.retriever is not None, "grounded tasks run with a retriever"
    hits = ctx.retriever.search(question, k=ctx.config.grounding.top_k)
    return tuple(
        Passage(
            chunk_id=h.chunk.chunk_id,
            source=h.chunk.source,
            page=h.chunk.page,
            section=h.chunk.section,
            text=h.chunk.text,
            score=round(float(h.score), 6),
        )
        for h in hits
    )


def support(ctx: RunContext, answer_text: str, passages: Sequence[Passage]) -> dict[str, Any]:
    """The deterministic support check as plain data (stored with the record)."""
    cfg = ctx.config.grounding
    embed = get_embedder(ctx.config.dedup.embedder).encode if cfg.min_dense is not None else None
    result = support_check(
        answer_text,
        [p.text for p in passages],
        embed=embed,
        min_lexical=cfg.min_lexical,
        min_dense=cfg.min_dense if cfg.min_dense is not None else -1.0,
    )
    return {
        "supported": bool(result.supported),
        "reasons": list(result.reasons),
        "lexical": round(float(result.lexical), 4),
        "dense": None if result.dense is None else round(float(result.dense), 4),
        "missing": list(result.missing),
    }
