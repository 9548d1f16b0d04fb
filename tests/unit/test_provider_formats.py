"""Provider fine-tuning rows (OpenAI chat, Anthropic) and their validators, valid and invalid."""

from __future__ import annotations

import copy
import json

import pytest

from syndgen.errors import InputError
from syndgen.export.provider import (
    anthropic_row,
    openai_chat_row,
    validate_anthropic_row,
    validate_openai_row,
)

CONVERSATION = [
    {"role": "system", "content": "You are a tutor."},
    {"role": "user", "content": "What is 2+2?"},
    {"role": "assistant", "content": "4.", "reasoning": "Two plus two is four."},
    {"role": "user", "content": "And 3+3?"},
    {"role": "assistant", "content": "6.", "reasoning": "Three plus three."},
]


# --------------------------------------------------------------------------- OpenAI rows


def test_openai_row_drops_reasoning_by_default():
    row = openai_chat_row(CONVERSATION)
    assert row == {
        "messages": [
            {"role": "system", "content": "You are a tutor."},
            {"role": "user", "content": "What is 2+2?"},
            {"role": "assistant", "content": "4."},
            {"role": "user", "content": "And 3+3?"},
            {"role": "assistant", "content": "6."},
        ]
    }
    assert validate_openai_row(row) == []
    json.dumps(row)


def test_openai_row_inlines_reasoning_in_think_tags():
    row = openai_chat_row(CONVERSATION, reasoning="inline")
    assert row["messages"][2]["content"] == "<think>\nTwo plus two is four.\n</think>\n\n4."
    assert row["messages"][1]["content"] == "What is 2+2?"


def test_openai_train_on_last_weights_earlier_turns_zero():
    row = openai_chat_row(CONVERSATION, train_on="last")
    weights = [m.get("weight") for m in row["messages"]]
    assert weights == [None, None, 0, None, 1]
    assert validate_openai_row(row) == []


def test_input_is_not_mutated():
    before = copy.deepcopy(CONVERSATION)
    openai_chat_row(CONVERSATION, train_on="last", reasoning="inline")
    anthropic_row(CONVERSATION, reasoning="inline")
    assert before == CONVERSATION


@pytest.mark.parametrize(
    "messages, fragment",
    [
        ([{"role": "user", "content": "hi"}], "no assistant message"),
        (
            [{"role": "tool", "content": "x"}, {"role": "assistant", "content": "y"}],
            "role must be system, user",
        ),
        (
            [{"role": "user", "content": None}, {"role": "assistant", "content": "y"}],
            "content must be a string",
        ),
        ([{"role": "user", "content": "q", "reasoning": "r"}], "only assistant messages carry reasoning"),
        ([{"role": "user", "content": ""}, {"role": "assistant", "content": "a"}], "content is empty"),
    ],
)
def test_openai_row_refuses_bad_conversations(messages, fragment):
    with pytest.raises(InputError, match=fragment):
        openai_chat_row(messages)


def test_bad_options_are_refused():
    with pytest.raises(InputError, match="reasoning must be"):
        openai_chat_row(CONVERSATION, reasoning="field")  # type: ignore[arg-type]
    with pytest.raises(InputError, match="train_on"):
        openai_chat_row(CONVERSATION, train_on="first")  # type: ignore[arg-type]


# --------------------------------------------------------------------------- OpenAI validator

VALID_OPENAI = {"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}]}


def with_message(index, **changes):
    row = copy.deepcopy(VALID_OPENAI)
    row["messages"][index].update(changes)
    return row


def test_openai_validator_accepts_documented_extras():
    assert validate_openai_row(VALID_OPENAI) == []
    assert validate_openai_row(with_message(1, weight=0)) == []
    assert validate_openai_row(with_message(0, name="alice")) == []
    tool_call = {"role": "assistant", "content": None, "tool_calls": [{"id": "1", "type": "function"}]}
    tool_reply = {"role": "tool", "content": "42", "tool_call_id": "1"}
    row = {"messages": [{"role": "user", "content": "q"}, tool_call, tool_reply, VALID_OPENAI["messages"][1]]}
    assert validate_openai_row(row) == []


@pytest.mark.parametrize(
    "row, fragment",
    [
        ([], "JSON object"),
        ({}, "'messages' must be a non-empty list"),
        ({"messages": []}, "'messages' must be a non-empty list"),
        ({"messages": "hi"}, "'messages' must be a non-empty list"),
        ({"messages": ["hi", VALID_OPENAI["messages"][1]]}, "messages[0]: must be an object"),
        (with_message(0, role="bot"), "messages[0]: role must be one of"),
        (with_message(0, extra=1), "messages[0]: unrecognised key 'extra'"),
        (with_message(1, content=None), "messages[1]: content must be a string"),
        (with_message(1, content=["a"]), "messages[1]: content must be a string"),
        (with_message(1, content=""), "messages[1]: content is empty"),
        (with_message(0, weight=1), "weight is only allowed on assistant"),
        (with_message(1, weight=2), "weight must be 0 or 1"),
        (with_message(1, weight=True), "weight must be 0 or 1"),
        ({"messages": [{"role": "user", "content": "q"}]}, "no assistant message"),
        ({"messages": [{"content": "q"}, {"role": "assistant", "content": "a"}]}, "role must be one of"),
    ],
)
def test_openai_validator_reports_each_rule(row, fragment):
    problems = validate_openai_row(row)
    assert any(fragment in p for p in problems), problems


# --------------------------------------------------------------------------- Anthropic rows


def test_anthropic_row_moves_system_to_the_top():
    row = anthropic_row(CONVERSATION)
    assert row == {
        "system": "You are a tutor.",
        "messages": [
            {"role": "user", "content": "What is 2+2?"},
            {"role": "assistant", "content": "4."},
            {"role": "user", "content": "And 3+3?"},
            {"role": "assistant", "content": "6."},
        ],
    }
    assert validate_anthropic_row(row) == []


def test_anthropic_row_without_system_leaves_the_key_out():
    row = anthropic_row(CONVERSATION[1:3], reasoning="inline")
    assert "system" not in row
    assert row["messages"][1]["content"].startswith("<think>\nTwo plus two is four.\n</think>")
    assert validate_anthropic_row(row) == []


def test_anthropic_row_merges_consecutive_turns_and_system_messages():
    messages = [
        {"role": "system", "content": "Be brief."},
        {"role": "system", "content": "Use SI units."},
        {"role": "user", "content": "Speed of light?"},
        {"role": "user", "content": "In m/s."},
        {"role": "assistant", "content": "299792458 m/s."},
    ]
    row = anthropic_row(messages)
    assert row["system"] == "Be brief.\n\nUse SI units."
    assert row["messages"] == [
        {"role": "user", "content": "Speed of light?\n\nIn m/s."},
        {"role": "assistant", "content": "299792458 m/s."},
    ]


@pytest.mark.parametrize(
    "messages, fragment",
    [
        ([{"role": "assistant", "content": "hello"}, {"role": "user", "content": "hi"}], "first message"),
        ([{"role": "user", "content": "q"}], "no assistant message"),
        ([{"role": "user", "content": "q"}, {"role": "assistant", "content": "  "}], "content is empty"),
        (
            [
                {"role": "user", "content": "q"},
                {"role": "system", "content": "late"},
                {"role": "assistant", "content": "a"},
            ],
            "system message after the conversation started",
        ),
        ([{"role": "system", "content": "only system"}], "non-empty list"),
    ],
)
def test_anthropic_row_refuses_what_cannot_be_converted(messages, fragment):
    with pytest.raises(InputError, match=fragment):
        anthropic_row(messages)


# --------------------------------------------------------------------------- Anthropic validator

VALID_ANTHROPIC = {
    "system": "Be kind.",
    "messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}],
}


def anthropic_with(**changes):
    row = copy.deepcopy(VALID_ANTHROPIC)
    row.update(changes)
    return row


def test_anthropic_validator_accepts_text_blocks_and_no_system():
    assert validate_anthropic_row(VALID_ANTHROPIC) == []
    assert validate_anthropic_row({"messages": VALID_ANTHROPIC["messages"]}) == []
    blocks = [{"role": "user", "content": [{"type": "text", "text": "q"}]}, VALID_ANTHROPIC["messages"][1]]
    assert validate_anthropic_row(anthropic_with(messages=blocks)) == []


USER = {"role": "user", "content": "q"}
ASSISTANT = {"role": "assistant", "content": "a"}


@pytest.mark.parametrize(
    "row, fragment",
    [
        ("text", "JSON object"),
        (anthropic_with(id="x"), "unrecognised top-level key 'id'"),
        (anthropic_with(system=["Be kind."]), "'system' must be a string"),
        (anthropic_with(messages=[]), "'messages' must be a non-empty list"),
        ({"system": "s"}, "'messages' must be a non-empty list"),
        (
            anthropic_with(messages=[{"role": "system", "content": "s"}, USER, ASSISTANT]),
            "top-level 'system'",
        ),
        (anthropic_with(messages=[ASSISTANT, USER, ASSISTANT]), "first message must be from the user"),
        (anthropic_with(messages=[USER, USER, ASSISTANT]), "two user messages in a row"),
        (anthropic_with(messages=[USER, ASSISTANT, ASSISTANT]), "two assistant messages in a row"),
        (
            anthropic_with(messages=[{"role": "bot", "content": "q"}, ASSISTANT]),
            "role must be user or assistant",
        ),
        (anthropic_with(messages=[USER, {"role": "assistant", "content": ""}]), "content is empty"),
        (anthropic_with(messages=[USER, {"role": "assistant", "content": "\n "}]), "content is empty"),
        (anthropic_with(messages=[USER, {"role": "assistant", "content": None}]), "non-empty string"),
        (anthropic_with(messages=[USER, {"role": "assistant", "content": []}]), "non-empty string"),
        (
            anthropic_with(messages=[USER, {"role": "assistant", "content": [{"type": "image"}]}]),
            "non-empty text block",
        ),
        (anthropic_with(messages=[{**USER, "weight": 1}, ASSISTANT]), "unrecognised key 'weight'"),
        (anthropic_with(messages=[USER]), "no assistant message"),
        (anthropic_with(messages=["q", ASSISTANT]), "messages[0]: must be an object"),
    ],
)
def test_anthropic_validator_reports_each_rule(row, fragment):
    problems = validate_anthropic_row(row)
    assert any(fragment in p for p in problems), problems


def test_assistant_first_is_not_also_reported_as_an_alternation_error():
    problems = validate_anthropic_row(anthropic_with(messages=[ASSISTANT, USER, ASSISTANT]))
    assert problems == ["messages[0]: the first message must be from the user"]
