"""Grounded records: a question drawn from a passage of the user's documents, answered from the
passages retrieved for it, with every record traceable to those passages.

The plan balances documents (each document is a topic); seed ``i`` walks its document's chunks
by ``variant``, so repeated seeds of one document start from different passages, and the
question prompt names the document's keywords (TF-IDF over the index). The question is written
from the chunk, the answer from the top-``k`` passages retrieved for the question (hybrid BM25 +
embeddings). The answer must pass a deterministic support check (numbers, dates and names in
the answer appear in the passages; enough word and embedding overlap), and the critic is asked
whether the passages support it; either failing rejects it as ``ungrounded``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, ClassVar

from syndgen.backends.call import request_seed
from syndgen.config import RunConfig
from syndgen.context import AnswerTask, CriticAsk, Retriever, RunContext, SeedContext
from syndgen.embed import get_embedder
from syndgen.errors import ConfigError
from syndgen.extras import require
from syndgen.grounding.index import Index, open_index
from syndgen.grounding.keywords import doc_keywords
from syndgen.grounding.retrieve import HybridRetriever
from syndgen.kinds.base import KindBase
from syndgen.kinds.qa import question_problem, rejected_question, rewrite_question
from syndgen.records import Seed, SeedOutcome
from syndgen.steps.answer import answer
from syndgen.steps.assess import STANDARD_CHECKS
from syndgen.steps.generate import PROMPT_WRITER
from syndgen.steps.question import ask_question
from syndgen.steps.shaped import shape_request
from syndgen.steps.student import finish
from syndgen.steps.support import passages_for


def _index_dir(config: RunConfig) -> Path:
    if not config.grounding.index:
        raise ConfigError(
            "a grounded run needs a document index",
            hint="build one with `syndgen ingest DOCS --index DIR`, then pass --index DIR",
        )
    return Path(config.grounding.index)


@lru_cache(maxsize=4)
def _open(path: str) -> Index:
    require("docs", "a grounded run")
    return open_index(Path(path))


def _chunk_for(ctx: RunContext, seed: Seed) -> tuple[Any, list[str]]:
    """The passage seed ``i`` starts from, and its document's keywords."""
    assert ctx.retriever is not None
    index = ctx.retriever.index
    by_source = {source: doc for doc, source in index.documents().items()}
    doc_id = by_source[seed.topic]
    chunks = index.document_chunks(doc_id)
    return chunks[(seed.variant - 1) % len(chunks)], doc_keywords(index, doc_id, n=6)


@dataclass(frozen=True)
class GroundedKind(KindBase):
    name: ClassVar[str] = "grounded"
    supports: ClassVar[frozenset[str]] = frozenset({"voting", "student", "rewrite", "grounding"})
    task_options: ClassVar[frozenset[str]] = frozenset({"question_max_tokens", "require_question_mark"})

    def topics(self, config: RunConfig) -> list[str]:
        """One topic per indexed document: its source path."""
        return sorted(_open(str(_index_dir(config))).documents().values())

    def open_retriever(self, config: RunConfig) -> Retriever | None:
        index = _open(str(_index_dir(config)))
        return HybridRetriever(index, embedder=get_embedder(index.embedder_name))

    def run(self, ctx: RunContext, seen: SeedContext, seed: Seed) -> SeedOutcome:
        started = time.perf_counter()
        cfg = ctx.config
        chunk, keywords = _chunk_for(ctx, seed)
        seed = seed.model_copy(update={"chunk_id": chunk.chunk_id})
        variables = {
            "passage": chunk.text,
            "source": chunk.source,
            "keywords": keywords,
            "attributes": seed.attributes,
            "variant": seed.variant,
        }
        question = ask_question(
            ctx.generator,
            cfg.generator,
            ctx.prompts.render("question_grounded", **variables),
            request_seed(cfg.seed, seed.index, "question"),
            cfg.task.question_max_tokens,
            prompts=ctx.prompts,
            prompt="question_grounded" if cfg.task.require_question_mark else None,
            variables=variables,
        )
        problem = question_problem(seed, question, ctx, seen)
        if problem is not None:
            return rejected_question(seed, question, problem, started)
        passages = passages_for(ctx, question.text)
        answer_vars = {
            "question": question.text,
            "passages": passages,
            "system_prompt": cfg.task.system_prompt,
        }
        answer_prompt = ctx.prompts.render("answer_grounded", **answer_vars)
        task = AnswerTask(
            seed_index=seed.index,
            question=question,
            messages=answer_prompt,
            writer=PROMPT_WRITER,
            checks=STANDARD_CHECKS,
            passages=passages,
            shape=shape_request(ctx.prompts, "answer_grounded", answer_vars),
            ask=CriticAsk(
                template="critic_grounded",
                flags=("supported",),
                variables={"passages": passages},
                flag_reason="ungrounded",
            ),
        )
        return finish(ctx, seen, seed, task, answer(ctx, seen, task), started, self.rewrite)

    def rewrite(self, ctx: RunContext, seed: Seed, task: AnswerTask, harder: bool) -> AnswerTask | None:
        return rewrite_question(ctx, seed, task, harder)


KIND = GroundedKind()
