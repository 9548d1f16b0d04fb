"""Grounded records: a question drawn from a passage of the user's documents, answered from the
passages retrieved for it, with every record traceable to those passages.

The plan balances documents (each document is a topic); seed ``i`` walks its document's chunks
by ``variant``, so repeated seeds of one document start from different passages, and the
question prompt names the document's keywords (TF-IDF over the index). The question
is written from the chunk, the answer from the top-``k`` passages retrieved for the question
(hybrid BM25 + embeddings). The answer must pass a deterministic support check (numbers, dates
and names in the answer appear in the passages; enough word and embedding overlap), and the
critic is asked whether the passages support it; either failing rejects it as ``ungrounded``.
"""

from __future__ import annotations

import time
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from syndgen.config import RunConfig
from syndgen.errors import ConfigError
from syndgen.records import Passage, Seed, SeedOutcome
from syndgen.steps.assess import CriticAsk
from syndgen.steps.common import SeedContext, request_seed
from syndgen.steps.qa import question_problem
from syndgen.steps.question import ask_question
from syndgen.steps.single import AnswerTask, answer
from syndgen.steps.student import finish

if TYPE_CHECKING:
    from syndgen.grounding.index import Index
    from syndgen.steps.record import Engine


def _index_dir(config: RunConfig) -> Path:
    if not config.grounding.index:
        raise ConfigError(
            "a grounded run needs a document index",
            hint="build one with `syndgen ingest DOCS --index DIR`, then pass --index DIR",
        )
    return Path(config.grounding.index)


@lru_cache(maxsize=4)
def _open(path: str) -> Index:
    from syndgen.grounding.index import open_index

    return open_index(Path(path))


def topics(config: RunConfig) -> list[str]:
    """One topic per indexed document: its source path."""
    index = _open(str(_index_dir(config)))
    return sorted(index.documents().values())


def open_retriever(config: RunConfig) -> Any:
    from syndgen.embed import get_embedder
    from syndgen.grounding.retrieve import HybridRetriever

    index = _open(str(_index_dir(config)))
    return HybridRetriever(index, embedder=get_embedder(index.embedder_name))


def _chunk_for(engine: Engine, seed: Seed) -> tuple[Any, list[str]]:
    """The passage seed ``i`` starts from, and its document's keywords."""
    from syndgen.grounding.keywords import doc_keywords

    index = engine.retriever.index
    by_source = {source: doc for doc, source in index.documents().items()}
    doc_id = by_source[seed.topic]
    chunks = index.document_chunks(doc_id)
    return chunks[(seed.variant - 1) % len(chunks)], doc_keywords(index, doc_id, n=6)


def passages_for(engine: Engine, question: str) -> tuple[Passage, ...]:
    hits = engine.retriever.search(question, k=engine.config.grounding.top_k)
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


def support(engine: Engine, answer_text: str, passages: Any) -> dict[str, Any]:
    """The deterministic support check as plain data (stored with the record)."""
    from syndgen.embed import get_embedder
    from syndgen.grounding.support import support_check

    cfg = engine.config.grounding
    result = support_check(
        answer_text,
        [p.text for p in passages],
        embed=get_embedder(engine.config.dedup.embedder).encode if cfg.min_dense is not None else None,
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


def run(seed: Seed, engine: Engine, ctx: SeedContext) -> SeedOutcome:
    started = time.perf_counter()
    cfg = engine.config
    chunk, keywords = _chunk_for(engine, seed)
    seed = seed.model_copy(update={"chunk_id": chunk.chunk_id})
    messages = engine.prompts.render(
        "question_grounded",
        passage=chunk.text,
        source=chunk.source,
        keywords=keywords,
        attributes=seed.attributes,
        variant=seed.variant,
    )
    question = ask_question(
        engine.generator,
        cfg.generator,
        messages,
        request_seed(cfg.seed, seed.index, "question"),
        cfg.task.question_max_tokens,
    )
    problem = question_problem(seed, question, engine, ctx)
    if problem is not None:
        return SeedOutcome(
            seed=seed, question=question, rejections=(problem,), elapsed_s=time.perf_counter() - started
        )
    passages = passages_for(engine, question.text)
    answer_prompt = engine.prompts.render(
        "answer_grounded", question=question.text, passages=passages, system_prompt=cfg.task.system_prompt
    )
    task = AnswerTask(
        question=question,
        messages=answer_prompt,
        passages=passages,
        ask=CriticAsk(
            template="critic_grounded",
            flags=("supported",),
            variables={"passages": passages},
            flag_reason="ungrounded",
        ),
    )
    return finish(seed, engine, ctx, task, answer(engine, ctx, task, seed.index), started)
