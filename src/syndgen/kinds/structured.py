"""Structured records: the generator writes one JSON object per record that must conform to
``task.record_schema`` (a JSON Schema, a ``.json`` file, or a pydantic model
``package.module:Model``).

The reply climbs the shape ladder (:mod:`syndgen.steps.shaped`) with the record shape: on a
backend that takes a grammar the schema's GBNF (llama.cpp's converter) constrains the object
after the reasoning trace; a structured-output backend gets the schema itself (``json_schema`` on
OpenAI-compatible servers, ``format`` on Ollama); otherwise the object is read leniently (fenced,
embedded in prose, trailing commas) and one repair request follows. An object that still does
not conform is rejected as ``schema_invalid`` with the schema error as the detail. Then the
duplicate check, the verifiers (domain validators read the object from the answer) and the
critic run as for any record. The seed's topic and attributes (axes) say what the record is
about; the schema's ``examples`` are shown as few-shot records.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any, ClassVar

from syndgen.config import RunConfig
from syndgen.context import AnswerTask, Assessment, RunContext, SeedContext
from syndgen.kinds.base import KindBase
from syndgen.records import Question, Seed, SeedOutcome
from syndgen.shapes import SHAPES, ShapeRequest
from syndgen.steps.answer import answer
from syndgen.steps.assess import check_critic, check_duplicates, check_filters, check_verifiers, rejection
from syndgen.steps.generate import PROMPT_WRITER
from syndgen.steps.student import finish
from syndgen.structured import canonical, record_problem, resolve_schema, schema_grammar, schema_summary

DEFAULT_INSTRUCTIONS = "Each record is one realistic example of the topic."


@lru_cache(maxsize=16)
def _grammar(schema_json: str) -> str:
    return schema_grammar(json.loads(schema_json))


def record_schema(config: RunConfig) -> dict[str, Any]:
    """The run's record schema, resolved (a model or a file becomes its JSON Schema)."""
    spec = config.task.record_schema
    assert spec is not None, "the config check requires task.record_schema"
    return resolve_schema(spec)


def record_question(topic: str, attributes: Mapping[str, str | list[str]], variant: int = 1) -> str:
    """The user turn of a record: what it is about, and which variation of it (pure)."""
    about = ", ".join(
        f"{key}: {value if isinstance(value, str) else ' and '.join(value)}"
        for key, value in attributes.items()
    )
    text = f"Write one record. Topic: {topic}" + (f" ({about})." if about else ".")
    return text + (f" Variation {variant}: a different case than usual." if variant > 1 else "")


def record_variables(
    config: RunConfig, schema: dict[str, Any], question: str, rules: str = ""
) -> dict[str, Any]:
    """What the ``record`` prompt (and its grammar) is rendered with (pure)."""
    return {
        "instructions": config.task.instructions or DEFAULT_INSTRUCTIONS,
        "schema": schema_summary(schema),
        "examples": [canonical(ex) for ex in schema.get("examples", [])[:2] if isinstance(ex, dict)],
        "question": question,
        "system_prompt": config.task.system_prompt,
        "rules": rules,
    }


def record_task(ctx: RunContext, seed: Seed, schema: dict[str, Any]) -> AnswerTask:
    """The answer task of one record: the prompt, and the shape its reply must take."""
    question = Question(text=record_question(seed.topic, seed.attributes, seed.variant), model="program")
    grammar_needed = ctx.generator.capabilities.grammar
    rules = _grammar(json.dumps(schema)) if grammar_needed else ""
    variables = record_variables(ctx.config, schema, question.text, rules)
    shape = ShapeRequest(
        SHAPES["record"],
        ctx.prompts.grammar("record", **variables) if grammar_needed else None,
        {"schema": schema},
        json_schema=schema,
    )
    return AnswerTask(
        seed_index=seed.index,
        question=question,
        messages=ctx.prompts.render("record", **variables),
        writer=PROMPT_WRITER,
        checks=RECORD_CHECKS,
        extra={"schema": schema},
        shape=shape,
    )


def check_record(ctx: RunContext, seen: SeedContext, task: AnswerTask, state: Assessment) -> Assessment:
    """An object still out of the schema after the repair is rejected with the schema error."""
    attempt = state.attempt
    if attempt.shape != "failed":
        return state
    schema = task.extra["schema"]
    problem = record_problem(attempt.answer, schema) or "the reply does not conform to the schema"
    return replace(state, problem=rejection(attempt, "filter", "schema_invalid", problem))


RECORD_CHECKS = (check_filters, check_record, check_duplicates, check_verifiers, check_critic)
"""The standard order, with the schema check in the shape check's place."""


@dataclass(frozen=True)
class StructuredKind(KindBase):
    name: ClassVar[str] = "structured"
    supports: ClassVar[frozenset[str]] = frozenset()
    task_options: ClassVar[frozenset[str]] = frozenset({"topics", "record_schema", "instructions"})

    def run(self, ctx: RunContext, seen: SeedContext, seed: Seed) -> SeedOutcome:
        started = time.perf_counter()
        task = record_task(ctx, seed, record_schema(ctx.config))
        return finish(ctx, seen, seed, task, answer(ctx, seen, task), started, self.rewrite)


KIND = StructuredKind()
