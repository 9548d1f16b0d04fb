"""Streamed chat completions of an OpenAI-compatible server, read back as one completion (pure)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

_REASONING_KEYS = ("reasoning_content", "reasoning")


def delta_parts(chunk: Mapping[str, Any]) -> tuple[str, str]:
    """A streamed chunk's (reasoning, content) deltas (pure)."""
    choices = chunk.get("choices")
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], Mapping):
        return "", ""
    delta = choices[0].get("delta")
    if not isinstance(delta, Mapping):
        return "", ""
    reasoning = next((v for k in _REASONING_KEYS if isinstance(v := delta.get(k), str) and v), "")
    content = delta.get("content")
    return reasoning, content if isinstance(content, str) else ""


def assemble_completion(chunks: list[Mapping[str, Any]]) -> dict[str, Any]:
    """Streamed chunks as the one chat completion a non-streaming call returns (pure).

    A server that sends no usage chunk on a stream (llama.cpp's Python server ignores
    ``stream_options``) gets its completion tokens counted as the chunks that carried text (these
    servers send one a token) and zero prompt tokens, rather than a usage of nothing.
    """
    reasoning, content = [], []
    pieces = 0
    finish: str | None = None
    model: Any = None
    usage: Any = None
    for chunk in chunks:
        r, c = delta_parts(chunk)
        pieces += bool(r or c)
        reasoning.append(r)
        content.append(c)
        choices = chunk.get("choices") or []
        if choices and isinstance(choices[0], Mapping) and choices[0].get("finish_reason"):
            finish = choices[0]["finish_reason"]
        model = chunk.get("model") or model
        usage = chunk.get("usage") or usage
    message = {"role": "assistant", "content": "".join(content), "reasoning_content": "".join(reasoning)}
    if not usage:
        usage = {"prompt_tokens": 0, "completion_tokens": pieces, "total_tokens": pieces}
    return {
        "model": model,
        "choices": [{"message": message, "finish_reason": finish}],
        "usage": usage,
    }
