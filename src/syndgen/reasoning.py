"""Split a model's reasoning trace from its answer. Pure functions, no I/O.

Reasoning reaches us in two ways:

* inline, as DeepSeek-R1 style ``<think>...</think>`` tags in the text. R1 chat templates often put
  the opening tag in the prompt, so the output may start inside the trace and only contain the
  closing tag; a generation cut off by the token limit has an opening tag and no closing one;
* as a separate field of the API message: ``reasoning_content`` (DeepSeek API, vLLM, llama.cpp
  server), ``reasoning`` (vLLM >= 0.9, OpenRouter) or ``thinking`` (Ollama).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

_TAG = r"(?:think|thinking)"
_OPEN = re.compile(rf"<{_TAG}>", re.IGNORECASE)
_CLOSE = re.compile(rf"</{_TAG}>", re.IGNORECASE)
_BLOCK = re.compile(rf"<{_TAG}>(.*?)</{_TAG}>", re.IGNORECASE | re.DOTALL)

REASONING_FIELDS = ("reasoning_content", "reasoning", "thinking")


@dataclass(frozen=True)
class ReasoningSplit:
    reasoning: str
    answer: str
    complete: bool = True
    """False when a trace was opened and never closed (the output was cut off)."""


def split_reasoning(text: str) -> ReasoningSplit:
    """Split inline ``<think>`` tags from the answer.

    >>> split_reasoning("<think>2+2 is 4</think>The answer is 4.")
    ReasoningSplit(reasoning='2+2 is 4', answer='The answer is 4.', complete=True)
    """
    traces: list[str] = []
    rest = text
    first_open = _OPEN.search(rest)
    first_close = _CLOSE.search(rest)
    # Opening tag was part of the prompt: everything before the first closing tag is the trace.
    if first_close and (first_open is None or first_close.start() < first_open.start()):
        traces.append(rest[: first_close.start()])
        rest = rest[first_close.end() :]
    # Complete blocks.
    for match in _BLOCK.finditer(rest):
        traces.append(match.group(1))
    rest = _BLOCK.sub("", rest)
    complete = True
    dangling = _OPEN.search(rest)
    if dangling:
        traces.append(rest[dangling.end() :])
        rest = rest[: dangling.start()]
        complete = False
    reasoning = "\n\n".join(t.strip() for t in traces if t.strip())
    return ReasoningSplit(reasoning=reasoning, answer=rest.strip(), complete=complete)


def reasoning_from_message(message: Mapping[str, Any]) -> ReasoningSplit:
    """Split a chat message that may carry reasoning in a field, inline, or both."""
    content = message.get("content") or ""
    if not isinstance(content, str):
        content = str(content)
    field = ""
    for name in REASONING_FIELDS:
        value = message.get(name)
        if isinstance(value, str) and value.strip():
            field = value.strip()
            break
    inline = split_reasoning(content)
    reasoning = "\n\n".join(part for part in (field, inline.reasoning) if part)
    return ReasoningSplit(reasoning=reasoning, answer=inline.answer, complete=inline.complete)


def join_reasoning(reasoning: str, answer: str) -> str:
    """The inverse of :func:`split_reasoning`: an assistant turn with the trace inline."""
    if not reasoning:
        return answer
    return f"<think>\n{reasoning}\n</think>\n\n{answer}"
