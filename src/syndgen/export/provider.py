"""Provider fine-tuning formats for conversations, with validators for each format's rules.

Input is a conversation: ``[{"role": "system"|"user"|"assistant", "content": str}, ...]``, where
an assistant message may carry ``reasoning``. ``reasoning="drop"`` leaves the trace out;
``"inline"`` puts it before the answer in ``<think>`` tags (:func:`syndgen.reasoning.join_reasoning`).

* **OpenAI chat fine-tuning** (one JSONL line per conversation): ``{"messages": [...]}``, roles
  ``system``/``user``/``assistant`` (``tool``/``function`` are valid too; syndgen does not emit
  them), string content, at least one assistant message, and an optional ``weight`` of 0 or 1
  on assistant messages (0: not trained on). ``train_on="last"`` sets weight 0 on every
  assistant turn but the last.
* **Anthropic (Claude fine-tuning on Amazon Bedrock)**: ``{"system": str, "messages": [...]}``
  with the system prompt as a top-level string (the key is left out when there is none),
  messages of roles ``user``/``assistant`` only, starting with ``user`` and strictly
  alternating, each with non-empty content, at least one assistant message, no other keys.
  Converting merges consecutive turns of one role (joined by a blank line), as the Messages API
  does.

The builders return valid rows or raise :class:`~syndgen.errors.InputError` naming what is
wrong; the validators return a list of problems (empty when the row is valid).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

from syndgen.errors import InputError
from syndgen.reasoning import join_reasoning

ReasoningOption = Literal["drop", "inline"]
TrainOn = Literal["all", "last"]

OPENAI_ROLES = ("system", "user", "assistant", "tool", "function")
OPENAI_MESSAGE_KEYS = ("role", "content", "name", "weight", "function_call", "tool_calls", "tool_call_id")
ANTHROPIC_ROLES = ("user", "assistant")
ANTHROPIC_ROW_KEYS = ("system", "messages")


def _conversation(messages: Sequence[Mapping[str, Any]], reasoning: ReasoningOption) -> list[dict[str, str]]:
    """Check the input conversation and resolve each assistant turn's reasoning."""
    if reasoning not in ("drop", "inline"):
        raise InputError(f"reasoning must be 'drop' or 'inline', got {reasoning!r}")
    out = []
    for i, message in enumerate(messages):
        role, content = message.get("role"), message.get("content")
        if role not in ("system", "user", "assistant"):
            raise InputError(f"message {i}: role must be system, user or assistant, got {role!r}")
        if not isinstance(content, str):
            raise InputError(f"message {i}: content must be a string, got {type(content).__name__}")
        trace = message.get("reasoning") or ""
        if not isinstance(trace, str):
            raise InputError(f"message {i}: reasoning must be a string")
        if trace and role != "assistant":
            raise InputError(f"message {i}: only assistant messages carry reasoning, not {role}")
        if trace and reasoning == "inline":
            content = join_reasoning(trace.strip(), content)
        out.append({"role": role, "content": content})
    return out


def _raise_if_invalid(problems: list[str], fmt: str) -> None:
    if problems:
        raise InputError(f"cannot build a valid {fmt} row: {'; '.join(problems)}")


def openai_chat_row(
    messages: Sequence[Mapping[str, Any]], *, reasoning: ReasoningOption = "drop", train_on: TrainOn = "all"
) -> dict[str, Any]:
    """One line of OpenAI's chat fine-tuning JSONL."""
    if train_on not in ("all", "last"):
        raise InputError(f"train_on must be 'all' or 'last', got {train_on!r}")
    turns: list[dict[str, Any]] = list(_conversation(messages, reasoning))
    if train_on == "last":
        assistant = [i for i, t in enumerate(turns) if t["role"] == "assistant"]
        for i in assistant:
            turns[i]["weight"] = 1 if i == assistant[-1] else 0
    row = {"messages": turns}
    _raise_if_invalid(validate_openai_row(row), "OpenAI chat")
    return row


def anthropic_row(
    messages: Sequence[Mapping[str, Any]], *, reasoning: ReasoningOption = "drop"
) -> dict[str, Any]:
    """One line of the Anthropic (Bedrock Claude) fine-tuning JSONL."""
    system: list[str] = []
    turns: list[dict[str, str]] = []
    for i, turn in enumerate(_conversation(messages, reasoning)):
        if turn["role"] == "system":
            if turns:
                raise InputError(f"message {i}: a system message after the conversation started")
            system.append(turn["content"])
        elif turns and turns[-1]["role"] == turn["role"]:
            turns[-1]["content"] += "\n\n" + turn["content"]
        else:
            turns.append(turn)
    row: dict[str, Any] = {"system": "\n\n".join(system)} if system else {}
    row["messages"] = turns
    _raise_if_invalid(validate_anthropic_row(row), "Anthropic")
    return row


# --------------------------------------------------------------------------- validators


def _openai_message(i: int, message: Any) -> list[str]:
    where = f"messages[{i}]"
    if not isinstance(message, dict):
        return [f"{where}: must be an object"]
    problems = [f"{where}: unrecognised key {k!r}" for k in message if k not in OPENAI_MESSAGE_KEYS]
    role = message.get("role")
    if role not in OPENAI_ROLES:
        problems.append(f"{where}: role must be one of {', '.join(OPENAI_ROLES)}, got {role!r}")
    content = message.get("content")
    calls = message.get("function_call") or message.get("tool_calls")
    if not (role == "assistant" and calls and content is None):
        if not isinstance(content, str):
            problems.append(f"{where}: content must be a string")
        elif not content:
            problems.append(f"{where}: content is empty")
    if "weight" in message:
        weight = message["weight"]
        if role != "assistant":
            problems.append(f"{where}: weight is only allowed on assistant messages")
        if isinstance(weight, bool) or weight not in (0, 1):
            problems.append(f"{where}: weight must be 0 or 1, got {weight!r}")
    return problems


def validate_openai_row(row: Any) -> list[str]:
    """Problems with one OpenAI chat fine-tuning example (empty list: valid)."""
    if not isinstance(row, dict):
        return ["the example must be a JSON object"]
    messages = row.get("messages")
    if not isinstance(messages, list) or not messages:
        return ["'messages' must be a non-empty list"]
    problems = [p for i, m in enumerate(messages) for p in _openai_message(i, m)]
    if not any(isinstance(m, dict) and m.get("role") == "assistant" for m in messages):
        problems.append("the example has no assistant message")
    return problems


def _anthropic_content(where: str, content: Any) -> list[str]:
    if isinstance(content, str):
        return [] if content.strip() else [f"{where}: content is empty"]
    if isinstance(content, list) and content:
        bad = [
            b
            for b in content
            if not (isinstance(b, dict) and b.get("type") == "text" and str(b.get("text") or "").strip())
        ]
        return [f"{where}: every content block must be a non-empty text block"] if bad else []
    return [f"{where}: content must be a non-empty string"]


def _anthropic_message(i: int, message: Any, previous: Any) -> list[str]:
    where = f"messages[{i}]"
    if not isinstance(message, dict):
        return [f"{where}: must be an object"]
    problems = [f"{where}: unrecognised key {k!r}" for k in message if k not in ("role", "content")]
    role = message.get("role")
    if role == "system":
        problems.append(f"{where}: the system prompt belongs in the top-level 'system' field")
    elif role not in ANTHROPIC_ROLES:
        problems.append(f"{where}: role must be user or assistant, got {role!r}")
    elif i == 0 and role != "user":
        problems.append(f"{where}: the first message must be from the user")
    elif i > 0 and role == previous:
        problems.append(f"{where}: roles must alternate user/assistant, got two {role} messages in a row")
    return problems + _anthropic_content(where, message.get("content"))


def validate_anthropic_row(row: Any) -> list[str]:
    """Problems with one Anthropic (Bedrock Claude) fine-tuning example (empty list: valid)."""
    if not isinstance(row, dict):
        return ["the example must be a JSON object"]
    problems = [f"unrecognised top-level key {k!r}" for k in row if k not in ANTHROPIC_ROW_KEYS]
    if "system" in row and not isinstance(row["system"], str):
        problems.append("'system' must be a string")
    messages = row.get("messages")
    if not isinstance(messages, list) or not messages:
        return [*problems, "'messages' must be a non-empty list"]
    previous = None
    for i, message in enumerate(messages):
        problems += _anthropic_message(i, message, previous)
        previous = message.get("role") if isinstance(message, dict) else None
    if not any(isinstance(m, dict) and m.get("role") == "assistant" for m in messages):
        problems.append("the example has no assistant message")
    return problems
