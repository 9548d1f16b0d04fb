"""Prompts are data: Jinja templates shipped in the package, overridable from config.

A template renders to a chat: lines ``<<system>>``, ``<<user>>`` and ``<<assistant>>`` start a
message. Users override a template by naming a file in the config's ``prompts`` mapping;
``syndgen prompts show NAME`` previews one.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import jinja2

from syndgen.errors import ConfigError, InputError
from syndgen.records import Message

_TEMPLATES = Path(__file__).parent / "templates"
_MARKER = re.compile(r"^<<(system|user|assistant)>>[ \t]*$", re.MULTILINE)

#: Variables each template is rendered with, as shown by ``syndgen prompts show``.
EXAMPLES: dict[str, dict[str, Any]] = {
    "question": {
        "topic": "basic probability",
        "attributes": {},
        "variant": 1,
        "examples": [{"question": "Two coins are tossed. What is the chance of two heads?"}],
    },
    "answer": {"question": "A die is rolled twice. What is the chance of two sixes?", "system_prompt": None},
    "regenerate": {
        "messages": [
            Message(role="system", content="First think step by step between <think> and </think>."),
            Message(role="user", content="A die is rolled twice. What is the chance of two sixes?"),
        ],
        "previous_answer": "1/6",
        "score": 2,
        "critique": "The rolls are independent; the probabilities multiply.",
    },
    "critic": {
        "question": "A die is rolled twice. What is the chance of two sixes?",
        "reasoning": "Each roll shows a six with probability 1/6; independent, so 1/6 * 1/6.",
        "answer": "1/36",
    },
    "critic_followup": {
        "messages": [
            Message(role="system", content="First think step by step between <think> and </think>."),
            Message(role="user", content="A die is rolled twice. What is the chance of two sixes?"),
        ],
        "raw_answer": "<think>Each roll is a six with probability 1/6; they multiply.</think>1/36",
    },
    "conversation_user": {
        "topic": "home networking",
        "attributes": {"persona": "a retired teacher"},
        "transcript": "USER: Why is my wifi slow upstairs?\nASSISTANT: Walls and floors weaken the signal.",
        "patterns": [("asks for clarification", "ask what a term in the last reply means")],
        "opener": "What do you mean by",
        "critique": None,
    },
    "critic_conversation": {
        "question": "Why is my wifi slow upstairs?",
        "transcript": "USER: Why is my wifi slow upstairs?\nASSISTANT: Walls weaken the signal.\n"
        "USER: What do you mean by signal?\nASSISTANT: The radio waves the router sends.",
        "patterns": [("asks for clarification", "asks what a term in the last reply means")],
        "reasoning": "",
        "answer": "The radio waves the router sends.",
    },
    "question_grounded": {
        "passage": "Employees accrue 2 days of paid leave per month, up to 30 days a year.",
        "source": "docs/leave-policy.md",
        "keywords": ["paid leave", "accrual", "carry over"],
        "attributes": {},
        "variant": 1,
    },
    "answer_grounded": {
        "question": "How many days of paid leave can an employee accrue in a year?",
        "passages": [
            {"source": "docs/leave-policy.md", "text": "Employees accrue 2 days per month, up to 30."}
        ],
        "system_prompt": None,
    },
    "critic_grounded": {
        "question": "How many days of paid leave can an employee accrue in a year?",
        "reasoning": "The policy caps accrual at 30 days.",
        "answer": "Up to 30 days.",
        "passages": [
            {"source": "docs/leave-policy.md", "text": "Employees accrue 2 days per month, up to 30."}
        ],
    },
    "answer_math": {
        "question": "Ann has 3 bags of 12 apples and gives away 7. How many are left?",
        "system_prompt": None,
    },
    "answer_code": {
        "question": "Write a function `add(a, b)` that returns the sum of two numbers.",
        "system_prompt": None,
    },
    "record": {
        "instructions": "A record is one laboratory result of a routine blood panel.",
        "schema": '{"type": "object", "properties": {"test": {"type": "string"}, "value": {}}}',
        "examples": ['{"test": "haemoglobin", "value": 13.8}'],
        "question": "Write one record. Topic: anaemia (age band: 40-59)",
        "system_prompt": None,
        "rules": 'answer ::= "{" [^}]* "}"',
    },
    "equivalent": {"first": "The total is 12 apples.", "second": "12"},
    "topics": {"root": "personal finance", "count": 5, "avoid": ["budgeting"]},
    "rewrite": {"question": "What is 12 + 30?", "harder": True},
    "pattern_check": {
        "message": "What do you mean by signal strength?",
        "previous": "Walls weaken the signal strength upstairs.",
        "description": "ask what a term in the assistant's last reply means",
    },
    "repair": {
        "messages": [Message(role="user", content="Score this answer as JSON.")],
        "raw": "I think it deserves a four",
    },
    "repair_shape": {
        "messages": [Message(role="user", content="Topic: fractions")],
        "raw": "Fractions are parts of a whole.",
        "describe": "one question on a single line, ending with '?'",
    },
}


def _clip(value: Any, limit: int) -> str:
    text = "" if value is None else str(value)
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def names() -> list[str]:
    return sorted(p.stem for p in _TEMPLATES.glob("*.jinja"))


def grammar_names() -> list[str]:
    """The prompts whose reply a shipped grammar shapes."""
    return sorted(p.stem for p in _TEMPLATES.glob("*.gbnf"))


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(_TEMPLATES)),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=False,
        autoescape=False,
    )
    env.filters["clip"] = _clip
    env.filters["gbnf"] = gbnf_literal
    env.filters["sentence_choices"] = sentence_choices
    return env


def gbnf_literal(text: Any) -> str:
    """``text`` escaped for the inside of a GBNF string literal (pure)."""
    out = str(text).replace("\\", "\\\\").replace('"', '\\"')
    return out.replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")


_SENTENCE = re.compile(r"[^.!?\n]*[.!?]+(?=\s|$)|[^.!?\n]+$", re.MULTILINE)


def sentence_choices(passages: Any, min_chars: int = 12) -> str:
    """A GBNF alternation: each sentence of each passage copied exactly, with its citation
    (``("sentence" " [n]")``), for answers that must quote the passages (pure)."""
    choices = []
    for number, passage in enumerate(passages or [], 1):
        text = passage["text"] if isinstance(passage, Mapping) else getattr(passage, "text", str(passage))
        for match in _SENTENCE.finditer(str(text)):
            sentence = " ".join(match.group(0).split())
            if len(sentence) >= min_chars:
                choices.append(f'("{gbnf_literal(sentence)}" " [{number}]")')
    return " | ".join(dict.fromkeys(choices)) or '"(no passage) [1]"'


def check_override(name: str, path: str, env: jinja2.Environment | None = None) -> str:
    """The source of the override file for template ``name``, checked: an existing UTF-8 file
    that parses as a Jinja template. Every problem is one error naming the file."""
    if name not in names():
        raise ConfigError(
            f"prompts.{name}: no template of that name", hint=f"choose from {', '.join(names())}"
        )
    file = Path(path).expanduser()
    if not file.exists():
        raise InputError(f"prompts.{name}: template file not found: {path}")
    if not file.is_file():
        raise InputError(f"prompts.{name}: {path} is not a file")
    try:
        source = file.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"prompts.{name}: {path} is not UTF-8 text (byte {exc.start})", hint="save it as UTF-8"
        ) from None
    except OSError as exc:
        raise InputError(f"prompts.{name}: cannot read {path}: {exc.strerror or exc}") from None
    try:
        (env or _environment()).parse(source)
    except jinja2.TemplateSyntaxError as exc:
        raise ConfigError(
            f"prompts.{name}: {path} line {exc.lineno}: invalid Jinja template: {exc.message}"
        ) from None
    return source


def check_overrides(overrides: Mapping[str, str]) -> None:
    """Check every override file of a config (see :func:`check_override`)."""
    env = _environment()
    for name, path in overrides.items():
        check_override(name, path, env)


class PromptSet:
    """The templates of a run: the shipped ones, with the config's overrides on top."""

    def __init__(self, overrides: Mapping[str, str] | None = None) -> None:
        self.overrides = dict(overrides or {})
        self._env = _environment()
        self._sources = {name: check_override(name, path, self._env) for name, path in self.overrides.items()}

    def source(self, name: str) -> str:
        if name in self._sources:
            return self._sources[name]
        path = _TEMPLATES / f"{name}.jinja"
        if not path.is_file():
            raise InputError(f"unknown prompt '{name}'", hint=f"choose from {', '.join(names())}")
        return path.read_text(encoding="utf-8")

    def grammar_source(self, name: str) -> str | None:
        """The grammar beside prompt ``name``: ``NAME.gbnf`` next to an override file, else the
        shipped one; None when the prompt's reply has no grammar."""
        if name in self.overrides:
            sibling = Path(self.overrides[name]).expanduser().with_suffix(".gbnf")
            if sibling.is_file():
                return sibling.read_text(encoding="utf-8")
        path = _TEMPLATES / f"{name}.gbnf"
        return path.read_text(encoding="utf-8") if path.is_file() else None

    def grammar(self, name: str, **variables: Any) -> str | None:
        """The GBNF rules (defining ``answer``) that shape prompt ``name``'s reply, rendered with
        the prompt's variables; None when it has none."""
        source = self.grammar_source(name)
        if source is None:
            return None
        try:
            return self._env.from_string(source).render(**variables).strip() + "\n"
        except jinja2.TemplateError as exc:
            raise ConfigError(f"grammar of prompt '{name}': {exc}") from None

    def render(self, name: str, **variables: Any) -> tuple[Message, ...]:
        try:
            template = self._env.from_string(self.source(name))
            text = template.render(**variables)
        except jinja2.TemplateError as exc:
            raise ConfigError(f"prompt '{name}': {exc}") from None
        return split_messages(text, name)


def split_messages(text: str, name: str = "prompt") -> tuple[Message, ...]:
    """Cut rendered template text into messages at the ``<<role>>`` markers (pure)."""
    parts = _MARKER.split(text)
    if parts[0].strip():
        raise ConfigError(
            f"prompt '{name}': text before the first <<system>>/<<user>> marker",
            hint="start every message with a line <<system>>, <<user>> or <<assistant>>",
        )
    messages = []
    for role, content in zip(parts[1::2], parts[2::2], strict=True):
        messages.append(Message(role=role, content=content.strip()))
    if not messages or messages[-1].role != "user":
        raise ConfigError(f"prompt '{name}': the last message must be a <<user>> message")
    return tuple(messages)
