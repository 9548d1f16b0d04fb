"""Cheap filters that run before the critic: each returns a rejection reason or None (pure)."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from syndgen.config import QualityConfig, TaskConfig
from syndgen.errors import ConfigError
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
    module_name, _, attribute = path.partition(":")
    if not module_name or not attribute:
        raise ConfigError(
            f"quality.filters: {path!r} is not of the form 'package.module:function'",
            hint="name a callable (attempt, config) -> (reason, detail) | None",
        )
    try:
        target: Any = importlib.import_module(module_name)
    except ImportError as exc:
        raise ConfigError(
            f"quality.filters: cannot import {module_name!r} for {path!r} ({exc})",
            hint="check the module name and that its package is installed or on PYTHONPATH",
        ) from None
    for part in attribute.split("."):
        target = getattr(target, part, None)
    if not callable(target):
        raise ConfigError(
            f"quality.filters: {path!r} is not a callable in {module_name!r}",
            hint="define the function (attempt, config) -> (reason, detail) | None",
        )
    found: Callable[[Attempt, Any], tuple[str, str] | None] = target
    return found
