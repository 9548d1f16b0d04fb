"""LLM-judged equivalence of two answers, for majority voting with ``method: judge``."""

from __future__ import annotations

import hashlib
import json

from syndgen.backends.base import ResponseFormat
from syndgen.backends.call import ask, request_seed
from syndgen.context import RunContext

SAME_SCHEMA = {
    "type": "object",
    "properties": {"same": {"type": "boolean"}},
    "required": ["same"],
    "additionalProperties": False,
}


def parse_flag(text: str, key: str) -> bool:
    """Read ``{key: true|false}``; anything unreadable counts as false (pure)."""
    start, end = text.find("{"), text.rfind("}")
    if start < 0 or end <= start:
        return False
    try:
        value = json.loads(text[start : end + 1]).get(key)
    except (json.JSONDecodeError, AttributeError):
        return False
    return value is True


def judge_equivalent(ctx: RunContext, a: str, b: str) -> bool:
    """Ask the critic whether two answers say the same thing (yes/no)."""
    cfg = ctx.config
    messages = ctx.prompts.render("equivalent", first=a, second=b)
    fmt = ResponseFormat(kind="json", schema=SAME_SCHEMA, name="same")
    pair = hashlib.sha256(f"{a}\x00{b}".encode()).hexdigest()[:16]
    response = ask(
        ctx.critic,
        cfg.critic_model,
        messages,
        seed=request_seed(cfg.seed, 0, f"equivalent:{pair}"),
        max_tokens=24,
        response_format=fmt if ctx.critic.capabilities.structured_output else None,
    )
    return parse_flag(response.text, "same")
