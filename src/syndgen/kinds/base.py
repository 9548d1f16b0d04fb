"""The record-kind protocol: what a kind plans over, loads, and does with one seed.

A kind is an object with a ``name``, the optional features it ``supports``, the ``task``
options it reads, and four functions: ``topics`` (what the seed plan balances), ``verifiers``
(built-in checks it adds), ``open_retriever`` (a document index, where it needs one) and
``run`` (one seed to one outcome, through the shared answer loop). ``rewrite`` gives the student
gate a harder or easier version of a task. :class:`KindBase` has the defaults; a kind module
defines one instance, and :mod:`syndgen.kinds.registry` finds it by name (or by entry point).

Export columns are not a kind's business: they come from what a record holds (verifier
results, a reference answer, passages, turns), so any kind that fills those gets them, and a
kind with columns of its own puts them in ``Sample.columns``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from syndgen.config import RunConfig
from syndgen.context import AnswerTask, Retriever, RunContext, SeedContext
from syndgen.errors import ConfigError
from syndgen.kinds.registry import get_kind, kind_names
from syndgen.records import Seed, SeedOutcome
from syndgen.seeds.axes import flatten_topics

FEATURES = ("voting", "student", "rewrite", "examples", "expand_topics", "grounding")
"""Optional features a config can ask for; a kind lists those it supports."""

COMMON_TASK_OPTIONS = frozenset(
    {
        "kind",
        "axes",
        "dp_seed",
        "system_prompt",
        "min_answer_chars",
        "max_answer_chars",
        "force_reasoning",
        "max_reasoning_tokens",
    }
)
"""``task`` options every kind reads."""


@runtime_checkable
class Kind(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def supports(self) -> frozenset[str]: ...

    @property
    def task_options(self) -> frozenset[str]: ...

    def topics(self, config: RunConfig) -> list[str]: ...

    def verifiers(self, config: RunConfig) -> list[tuple[str, dict[str, Any]]]: ...

    def open_retriever(self, config: RunConfig) -> Retriever | None: ...

    def run(self, ctx: RunContext, seen: SeedContext, seed: Seed) -> SeedOutcome: ...

    def rewrite(self, ctx: RunContext, seed: Seed, task: AnswerTask, harder: bool) -> AnswerTask | None: ...


@dataclass(frozen=True)
class KindBase:
    """Defaults: plan over the config's topics, add no verifier, need no index, no rewrite."""

    def topics(self, config: RunConfig) -> list[str]:
        return list(flatten_topics(config.task.topics))

    def verifiers(self, config: RunConfig) -> list[tuple[str, dict[str, Any]]]:
        return []

    def open_retriever(self, config: RunConfig) -> Retriever | None:
        return None

    def rewrite(self, ctx: RunContext, seed: Seed, task: AnswerTask, harder: bool) -> AnswerTask | None:
        return None


def resolve_kind(name: str) -> Kind:
    """The kind a config names; a plugin that is not a :class:`Kind` is one clear error."""
    kind = get_kind(name)
    if not isinstance(kind, Kind):
        raise ConfigError(
            f"task.kind '{name}' is a {type(kind).__name__}, not a record kind",
            hint="a kind needs name, supports, task_options, topics, verifiers, open_retriever, run, rewrite",
        )
    return kind


def _asked_features(config: RunConfig) -> dict[str, str]:
    """The optional features this config asks for, each with the key that asks (pure)."""
    asked: dict[str, str] = {}
    if config.voting.k > 1:
        asked["voting"] = "voting.k > 1"
    if config.student is not None:
        asked["student"] = "student"
        if config.student.rewrite:
            asked["rewrite"] = "student.rewrite"
    if config.task.examples is not None:
        asked["examples"] = "task.examples"
    if config.task.expand_topics is not None:
        asked["expand_topics"] = "task.expand_topics"
    if config.grounding.index is not None:
        asked["grounding"] = "grounding.index"
    return asked


def check_supported(config: RunConfig, kind: Kind) -> None:
    """Refuse a config that asks for what its kind does not do (rather than ignore it)."""
    for feature, key in _asked_features(config).items():
        if feature not in kind.supports:
            able = [n for n in kind_names() if feature in resolve_kind(n).supports]
            where = f" (kinds that do: {', '.join(able)})" if able else ""
            raise ConfigError(f"{key} is set but task.kind '{kind.name}' does not support it{where}")
    allowed = COMMON_TASK_OPTIONS | kind.task_options
    task = config.task
    # A run folder's config.yaml spells out every default, so only a changed value is refused.
    changed = {
        k
        for k in task.model_fields_set
        if getattr(task, k) != type(task).model_fields[k].get_default(call_default_factory=True)
    }
    for key in sorted(changed - allowed):
        raise ConfigError(
            f"task.{key} is set but task.kind '{kind.name}' does not read it",
            hint=f"remove task.{key}, or choose a kind that uses it",
        )
