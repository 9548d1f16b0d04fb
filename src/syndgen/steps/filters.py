"""Cheap filters that run before the critic: each returns a rejection reason or None (pure)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from syndgen.config import QualityConfig, TaskConfig
from syndgen.plugins import import_callable
from syndgen.records import Attempt


def estimate_tokens(text: str) -> int:
    """Tokens in ``text`` at about four characters a token, for backends that do not count them."""
    return (len(text) + 3) // 4


def check_attempt(attempt: Attempt, task: TaskConfig, quality: QualityConfig) -> tuple[str, str] | None:
    """The first failed check as ``(reason, detail)``, or None when the attempt may be judged."""
    cap = task.max_reasoning_tokens
    if attempt.finish_reason == "reasoning_cap" or (
        cap is not None and estimate_tokens(attempt.reasoning) > cap
    ):
        return "reasoning_too_long", f"the reasoning trace ran past {cap} tokens"
    if attempt.finish_reason == "length":
        return "truncated", "the output hit the token limit before it ended"
    if attempt.finish_reason == "unclosed_think":
        return "truncated", "the reasoning trace was opened and never closed"
    if not attempt.answer.strip():
        return "empty_answer", "no answer after the reasoning trace"
    if quality.require_reasoning and not attempt.reasoning.strip():
        return "missing_reasoning", "no reasoning trace"
    size = len(attempt.answer)
    if size < task.min_answer_chars:
        return "too_short", f"answer has {size} characters, minimum {task.min_answer_chars}"
    if size > task.max_answer_chars:
        return "too_long", f"answer has {size} characters, maximum {task.max_answer_chars}"
    return None


def resolve_filter(path: str) -> Callable[[Attempt, Any], tuple[str, str] | None]:
    """A user's cheap filter named ``package.module:function``: ``(attempt, config) ->
    (reason, detail) | None``; it runs after the built-in filters, before the critic."""
    found: Callable[[Attempt, Any], tuple[str, str] | None] = import_callable(
        path, "quality.filters entry", "(attempt, config) -> (reason, detail) | None"
    )
    return found
