"""Turn a seed into a question: the prompt side of every SFT and DPO record."""

from __future__ import annotations

import re

from syndgen.backends.base import Backend
from syndgen.backends.call import ask, request_seed
from syndgen.backends.common import ModelSettings
from syndgen.prompts import PromptSet
from syndgen.reasoning import split_reasoning
from syndgen.records import Message, Question, Seed

_LEAD = re.compile(r"^\s*(?:\*\*)?(?:question|q)\s*[:.)-]\s*(?:\*\*)?\s*", re.IGNORECASE)


def clean_question(text: str) -> str:
    """Drop a reasoning trace, a 'Question:' label, wrapping quotes and trailing chatter (pure)."""
    body = split_reasoning(text).answer
    lines = [line.strip() for line in body.strip().splitlines() if line.strip()]
    if not lines:
        return ""
    first = _LEAD.sub("", lines[0]).strip().strip('"').strip()
    # Keep a multi-line question only when the first line does not already end it.
    if not first.endswith("?") and len(lines) > 1:
        rest = " ".join(_LEAD.sub("", line) for line in lines[1:3])
        first = f"{first} {rest}".strip()
    return first


def make_question(
    seed: Seed,
    *,
    prompts: PromptSet,
    backend: Backend,
    settings: ModelSettings,
    run_seed: int,
    max_tokens: int,
    examples: list[dict[str, str]] | None = None,
) -> Question:
    messages = prompts.render(
        "question",
        topic=seed.topic,
        attributes=seed.attributes,
        variant=seed.variant,
        examples=examples or [],
    )
    return ask_question(
        backend, settings, messages, request_seed(run_seed, seed.index, "question"), max_tokens
    )


def ask_question(
    backend: Backend, settings: ModelSettings, messages: tuple[Message, ...], seed: int, max_tokens: int
) -> Question:
    """Ask the model for a question and keep the cleaned question with its cost."""
    response = ask(backend, settings, messages, seed=seed, max_tokens=max_tokens)
    return Question(
        text=clean_question(response.text),
        model=response.model,
        usage=response.usage,
        latency_s=response.latency_s,
    )
