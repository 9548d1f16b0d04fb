"""The record kinds: which runner handles a seed, which topics a kind plans over, what it loads.

Adding a kind is one module with ``run(seed, engine, ctx)`` plus an entry in :data:`RUNNERS`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from syndgen.config import RunConfig
from syndgen.errors import ConfigError
from syndgen.records import Seed, SeedOutcome
from syndgen.seeds.axes import flatten_topics
from syndgen.steps import conversation, grounded, qa, verified
from syndgen.steps.common import SeedContext, request_seed
from syndgen.steps.question import ask_question
from syndgen.steps.single import AnswerTask

if TYPE_CHECKING:
    from syndgen.steps.record import Engine

Runner = Callable[[Seed, "Engine", SeedContext], SeedOutcome]

RUNNERS: dict[str, Runner] = {
    "qa": qa.run,
    "conversation": conversation.run,
    "math": verified.run,
    "code": verified.run,
    "grounded": grounded.run,
}


def default_topics(config: RunConfig) -> list[str]:
    """The topics the plan balances: the config's, or what the kind draws from."""
    if config.task.kind in ("math", "code"):
        return verified.topics(config.task.kind)
    if config.task.kind == "grounded":
        return grounded.topics(config)
    return list(flatten_topics(config.task.topics))


def prepare(engine: Engine) -> None:
    """Load what the kind needs: example rows, verifiers, the document index."""
    cfg = engine.config
    if cfg.task.examples is not None:
        from syndgen.seeds.examples import load_examples

        engine.examples = load_examples(cfg.task.examples.path, cfg.task.examples.fields)
    specs = [(spec.name, dict(spec.params)) for spec in cfg.verifiers]
    if cfg.task.kind in ("math", "code"):
        specs.append((cfg.task.kind, {}))
    if specs:
        from syndgen.verify.registry import resolve

        for name, params in specs:
            engine.add_verifier(name, resolve(name), params)
    if cfg.task.kind == "grounded":
        engine.retriever = grounded.open_retriever(cfg)
    elif cfg.grounding.index is not None:
        raise ConfigError(
            "grounding.index is set but task.kind is not 'grounded'", hint="set task.kind: grounded"
        )


def rewrite(engine: Engine, seed: Seed, task: AnswerTask, *, harder: bool) -> AnswerTask | None:
    """A harder (or easier) version of the task, or None when the rewrite is unusable."""
    kind = engine.config.task.kind
    if kind in ("math", "code"):
        return verified.rewrite(engine, seed, task, harder=harder)
    cfg = engine.config
    messages = engine.prompts.render("rewrite", question=task.question.text, harder=harder)
    asked = ask_question(
        engine.generator,
        cfg.generator,
        messages,
        request_seed(cfg.seed, seed.index, "rewrite"),
        cfg.task.question_max_tokens,
    )
    text = asked.text
    if len(text) < 10 or text == task.question.text:
        return None
    question = asked.model_copy(update={"model": "rewrite"})
    new_messages = tuple(
        m.model_copy(update={"content": m.content.replace(task.question.text, text)}) for m in task.messages
    )
    return AnswerTask(question=question, messages=new_messages, ask=task.ask, passages=task.passages)
