"""Build the run context for a config: load models, prompts, verifiers, examples, the index.

Everything a run reads is loaded here, before any seed runs, so a bad examples file, prompt
override, verifier, model or index fails at once with one clear line.
"""

from __future__ import annotations

from typing import Any

from syndgen.backends.base import Backend
from syndgen.backends.registry import create_backend
from syndgen.config import RunConfig
from syndgen.context import BoundVerifier, Filter, RunContext
from syndgen.kinds.base import Kind, resolve_kind
from syndgen.privacy.stage import pii_stage
from syndgen.prompts import PromptSet
from syndgen.seeds.axes import flatten_topics
from syndgen.seeds.examples import load_examples
from syndgen.steps.filters import resolve_filter
from syndgen.text.duplicate_index import DuplicateIndex
from syndgen.verify.registry import resolve

_SAMPLING = {"temperature", "top_p", "max_tokens", "timeout_s", "max_retries"}


def same_model(a: Any, b: Any) -> bool:
    """Do two model configs name the same loaded model (sampling settings aside)?"""
    return bool(a.model_dump(exclude=_SAMPLING) == b.model_dump(exclude=_SAMPLING))


def _verifiers(config: RunConfig, kind: Kind) -> tuple[BoundVerifier, ...]:
    specs = [(spec.name, dict(spec.params)) for spec in config.verifiers]
    specs += kind.verifiers(config)
    return tuple(BoundVerifier(name, resolve(name), params) for name, params in specs)


def _filters(config: RunConfig) -> tuple[tuple[str, Filter], ...]:
    return tuple((path, resolve_filter(path)) for path in config.quality.filters)


def build_context(
    config: RunConfig,
    *,
    kind: Kind | None = None,
    generator: Backend | None = None,
    critic: Backend | None = None,
    student: Backend | None = None,
    duplicates: bool = True,
    topics: list[str] | None = None,
) -> RunContext:
    """The context for ``config``; backends are created unless given (tests pass fakes)."""
    kind = kind or resolve_kind(config.task.kind)
    prompts = PromptSet(config.prompts)
    pii = pii_stage(config.privacy.pii)
    examples = (
        load_examples(config.task.examples.path, config.task.examples.fields)
        if (config.task.examples is not None)
        else []
    )
    verifiers = _verifiers(config, kind)
    filters = _filters(config)
    retriever = kind.open_retriever(config)
    planned = list(topics) if topics else kind.topics(config)
    if pii is not None:
        taxonomy = set(flatten_topics(config.task.topics))
        examples, planned = pii.examples(examples), pii.topics(planned, taxonomy)
        if retriever is not None:
            pii.check_index(retriever.index.manifest.redaction, str(config.grounding.index))
    index = DuplicateIndex.from_config(config.dedup) if duplicates else DuplicateIndex.disabled()
    if generator is None:
        generator = create_backend(config.generator)
    if critic is None:
        # One loaded model serves both roles when they name the same model.
        critic_cfg = config.critic_model
        critic = generator if same_model(config.generator, critic_cfg) else create_backend(critic_cfg)
    if student is None and config.student is not None:
        student_cfg = config.student.model or config.generator
        student = generator if same_model(config.generator, student_cfg) else create_backend(student_cfg)
    return RunContext(
        config=config,
        prompts=prompts,
        generator=generator,
        critic=critic,
        student=student,
        topics=tuple(planned),
        duplicates=index,
        retriever=retriever,
        examples=tuple(examples),
        verifiers=verifiers,
        filters=filters,
        pii=pii,
    )
