"""The structured-output ladder: every reply with a required shape is constrained, parsed or
repaired, and a reply that stays out of shape rejects its one record, never the batch.

1. **Constrained.** A backend that takes a grammar (the embedded engine) gets the shape's GBNF
   (``PROMPT.gbnf`` beside the prompt); a backend with structured output (Ollama, an
   OpenAI-compatible server) gets the shape's JSON schema for replies without a reasoning trace.
2. **Parsed.** Otherwise, or when a constrained reply still does not read (cut by ``max_tokens``,
   a server that ignored the schema), the shape's lenient parse (:mod:`syndgen.shapes`) reads it.
3. **Repaired.** A reply that does not parse gets one repair request: the exchange so far and
   what the reply must be.
4. **Rejected.** What still does not parse is returned as ``text=None``; the caller rejects the
   record with the shape's reason.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from syndgen.backends.base import Backend, ChatResponse, ResponseFormat
from syndgen.backends.call import ask
from syndgen.backends.common import ModelSettings
from syndgen.prompts import PromptSet
from syndgen.reasoning import reasoning_from_message
from syndgen.records import Message, Usage
from syndgen.shapes import SHAPES, Rung, Shape, ShapeRequest

THINK = ResponseFormat(kind="think")


@dataclass(frozen=True)
class Shaped:
    response: ChatResponse
    """The last reply (the repair's, when there was one)."""
    reasoning: str
    answer: str
    """The reply in shape, or the unreadable reply when ``rung`` is None."""
    rung: Rung | None
    usage: Usage
    latency_s: float
    repaired_from: str = ""


def request_format(backend: Backend, request: ShapeRequest | None, think: bool) -> ResponseFormat | None:
    """The response format a shaped request asks for on ``backend`` (pure)."""
    caps = backend.capabilities
    if request is None:
        return THINK if think and caps.grammar else None
    record = dict(request.json_schema) if request.json_schema is not None else None
    if caps.grammar:
        if request.grammar:
            kind = "think" if think else "text"
            return ResponseFormat(kind=kind, grammar=request.grammar, schema=record, name=request.shape.name)
        return THINK if think else None
    if record is not None and caps.structured_output:
        return ResponseFormat(kind="json", schema=record, name=request.shape.name)
    if not think and caps.structured_output:
        return ResponseFormat(kind="json", schema=request.shape.schema(), name=request.shape.name)
    return None


def _read(response: ChatResponse, fmt: ResponseFormat | None, request: ShapeRequest) -> tuple[str, str, bool]:
    """The reply's reasoning, its answer text (a JSON reply's shaped field), and whether the
    constraint held (a grammar was applied, or the JSON field was there)."""
    split = reasoning_from_message({"content": response.text, "reasoning_content": response.reasoning})
    answer = split.answer
    if fmt is None or fmt.kind != "json":
        return split.reasoning, answer, fmt is not None and fmt.grammar is not None
    try:
        value = json.loads(answer)
    except json.JSONDecodeError:
        return split.reasoning, answer, False
    if request.json_schema is not None:
        return split.reasoning, answer, isinstance(value, dict)
    if isinstance(value, dict) and isinstance(value.get(request.shape.field), str):
        return split.reasoning, value[request.shape.field], True
    return split.reasoning, answer, False


def repair_messages(
    prompts: PromptSet, messages: tuple[Message, ...], raw: str, shape: Shape
) -> tuple[Message, ...]:
    return prompts.render("repair_shape", messages=list(messages), raw=raw, describe=shape.describe)


def shaped_ask(
    backend: Backend,
    settings: ModelSettings,
    messages: tuple[Message, ...],
    request: ShapeRequest,
    *,
    prompts: PromptSet,
    seed: int,
    repair_seed: int,
    max_tokens: int | None = None,
    max_reasoning_tokens: int | None = None,
) -> Shaped:
    """Ask for a reply in ``request.shape``, climbing the ladder (see the module docstring)."""
    fmt = request_format(backend, request, request.think)
    response = ask(
        backend,
        settings,
        messages,
        seed=seed,
        max_tokens=max_tokens,
        response_format=fmt,
        max_reasoning_tokens=max_reasoning_tokens,
    )
    reasoning, text, constrained = _read(response, fmt, request)
    shaped = request.shape.parse(text, request.variables)
    if shaped is not None:
        rung: Rung = "constrained" if constrained else "parsed"
        return Shaped(response, reasoning, shaped, rung, response.usage, response.latency_s)
    repair = ask(
        backend,
        settings,
        repair_messages(prompts, messages, response.text or text, request.shape),
        seed=repair_seed,
        max_tokens=max_tokens,
        response_format=fmt,
        max_reasoning_tokens=max_reasoning_tokens,
    )
    usage = response.usage + repair.usage
    latency = response.latency_s + repair.latency_s
    reasoning2, text2, _ = _read(repair, fmt, request)
    shaped = request.shape.parse(text2, request.variables)
    if shaped is None:
        return Shaped(repair, reasoning2, text2, None, usage, latency, repaired_from=text)
    return Shaped(repair, reasoning2, shaped, "repaired", usage, latency, repaired_from=text)


def shape_request(prompts: PromptSet, prompt: str, variables: Mapping[str, Any]) -> ShapeRequest | None:
    """The shape prompt ``prompt``'s reply must take, with its grammar rendered; None when the
    prompt has no shape."""
    shape = SHAPES.get(prompt)
    if shape is None:
        return None
    return ShapeRequest(shape, prompts.grammar(prompt, **variables), variables)


def required_shape_request(prompts: PromptSet, prompt: str, variables: Mapping[str, Any]) -> ShapeRequest:
    """:func:`shape_request` for a prompt that always has a reply shape (a question, a user turn)."""
    request = shape_request(prompts, prompt, variables)
    if request is None:
        raise ValueError(f"prompt {prompt!r} has no reply shape")
    return request
