"""Turn a seed into a question: the prompt side of every SFT and DPO record."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from syndgen.backends.base import Backend
from syndgen.backends.call import ask, request_seed
from syndgen.backends.common import ModelSettings
from syndgen.prompts import PromptSet
from syndgen.reasoning import split_reasoning
from syndgen.records import Message, Question, Seed
from syndgen.steps.shaped import required_shape_request, shaped_ask

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
    shaped: bool = True,
) -> Question:
    variables: dict[str, Any] = {
        "topic": seed.topic,
        "attributes": seed.attributes,
        "variant": seed.variant,
        "examples": examples or [],
    }
    messages = prompts.render("question", **variables)
    return ask_question(
        backend,
        settings,
        messages,
        request_seed(run_seed, seed.index, "question"),
        max_tokens,
        prompts=prompts,
        prompt="question" if shaped else None,
        variables=variables,
    )


def question_chars(max_tokens: int) -> int:
    """The longest question the grammar allows: what ``max_tokens`` can hold (pure)."""
    return max(20, min(300, 3 * max_tokens))


def ask_question(
    backend: Backend,
    settings: ModelSettings,
    messages: tuple[Message, ...],
    seed: int,
    max_tokens: int,
    *,
    prompts: PromptSet,
    prompt: str | None,
    variables: Mapping[str, Any] | None = None,
) -> Question:
    """Ask the model for a question and keep the cleaned question with its cost.

    With ``prompt`` the reply climbs the shape ladder of that prompt (:mod:`syndgen.steps.shaped`):
    ``Question.shape`` says how it got its shape, or is ``"failed"``.
    """
    if prompt is None:
        response = ask(backend, settings, messages, seed=seed, max_tokens=max_tokens)
        return Question(
            text=clean_question(response.text),
            model=response.model,
            usage=response.usage,
            latency_s=response.latency_s,
        )
    grammar_vars = {**(variables or {}), "max_chars": question_chars(max_tokens)}
    request = required_shape_request(prompts, prompt, grammar_vars)
    result = shaped_ask(
        backend,
        settings,
        messages,
        request,
        prompts=prompts,
        seed=seed,
        repair_seed=(seed * 31 + 7) & 0x7FFFFFFF,
        max_tokens=max_tokens,
    )
    return Question(
        text=result.answer if result.rung else clean_question(result.answer),
        model=result.response.model,
        usage=result.usage,
        latency_s=result.latency_s,
        shape=result.rung or "failed",
    )
