"""Output shapes: what a reply must look like, and the lenient parse that reads it (pure).

Every prompt whose reply has a required form has a shape of the same name: a question is one
line ending with ``?``, a code answer is one fenced Python block, a math answer ends with a
marked ``Final answer:`` line, a grounded answer cites the passage it relies on (``[n]``), a
user turn of a conversation is one message without labels. The shape is enforced on a ladder
(:mod:`syndgen.steps.shaped`): a grammar beside the prompt constrains the reply where the backend
takes one (``PROMPT.gbnf``, rendered with the prompt's variables), a JSON schema where the
backend has structured output, else the reply is parsed leniently here, and one repair request
follows a reply that does not parse. What still does not parse rejects that one record.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from syndgen.reasoning import split_reasoning
from syndgen.structured import parse_record

Rung = Literal["constrained", "parsed", "repaired"]
"""How a reply got its shape: a grammar or schema constrained it, the lenient parse read it, or
the one repair request fixed it."""

Parse = Callable[[str, Mapping[str, Any]], "str | None"]

_LEAD = re.compile(
    r"^\s*(?:[*_#>\-\s]*)(?:question|q|user|answer|a)\s*\d*\s*[:.)-]\s*(?:\*\*)?\s*", re.IGNORECASE
)
_INTERROGATIVE = re.compile(
    r"^(?:what|how|why|which|when|where|who|whom|whose|can|could|should|would|will|is|are|was|were|"
    r"do|does|did|has|have|if|may|might|shall)\b",
    re.IGNORECASE,
)
_SENTENCE = re.compile(r".*?[.!?]+[\"'”’)]*(?=\s|$)")
_CITATION = re.compile(r"\s*\[(\d{1,2})\]")
_FENCE = re.compile(r"```[ \t]*(?P<lang>[\w+-]*)[^\n]*\n(?P<body>.*?)```", re.DOTALL)
_FINAL = re.compile(
    r"(?:final\s+answer|answer)\s*(?:is\s*:?|:|=)\s*\**\s*(?P<n>-?[\d,]*\.?\d+(?:/\d+)?)", re.I
)
_NUMBER = r"-?\d+(?:\.\d+)?(?:/\d+)?"
MIN_QUESTION_CHARS = 10


def _strip_label(line: str) -> str:
    return _LEAD.sub("", line).strip().strip('"“”').strip("*").strip()


def parse_question(text: str, variables: Mapping[str, Any] | None = None) -> str | None:
    """One question on one line, ending with ``?``: the first such line or sentence of the reply;
    a line that reads as a question but ends with ``.`` gets its ``?``."""
    body = split_reasoning(text).answer
    lines = [_strip_label(line) for line in body.splitlines() if line.strip()]
    for line in lines:
        if "?" in line:
            head = line[: line.index("?") + 1].strip()
            if len(head) >= MIN_QUESTION_CHARS:
                return head
    for line in lines[:1]:
        if _INTERROGATIVE.match(line) and len(line) >= MIN_QUESTION_CHARS:
            return line.rstrip(".!:; ") + "?"
    return None


def parse_user_turn(text: str, variables: Mapping[str, Any] | None = None) -> str | None:
    """A user's message: its first line without role labels or quotes, one or two sentences,
    starting with the opener when one is required."""
    body = split_reasoning(text).answer
    lines = [_strip_label(line) for line in body.splitlines() if line.strip()]
    if not lines or "ASSISTANT" in lines[0].upper().split(":")[0]:
        return None
    sentences = [m.group(0).strip() for m in _SENTENCE.finditer(lines[0])]
    message = " ".join(sentences[:2]) if sentences else lines[0]
    opener = (variables or {}).get("opener")
    if opener and not message.lower().startswith(str(opener).lower()):
        return None
    return message if len(message) >= 5 else None


def parse_code(text: str, variables: Mapping[str, Any] | None = None) -> str | None:
    """One fenced Python block (an unfenced reply that is only a function is fenced)."""
    blocks = [m for m in _FENCE.finditer(text) if m["lang"].lower() in ("", "python", "py", "python3")]
    if blocks:
        return f"```python\n{blocks[0]['body'].strip()}\n```"
    stripped = text.strip()
    if stripped.startswith(("def ", "import ", "from ")):
        try:
            compile(stripped, "<answer>", "exec")
        except (SyntaxError, ValueError):
            return None
        return f"```python\n{stripped}\n```"
    return None


def parse_math(text: str, variables: Mapping[str, Any] | None = None) -> str | None:
    """A worked answer whose last line is ``Final answer: N``; an ``answer is N`` / ``answer: N``
    phrase is rewritten to that line. A reply that names no final answer does not parse."""
    lines = [line.rstrip() for line in text.strip().splitlines() if line.strip()]
    if lines and re.fullmatch(rf"Final answer: {_NUMBER}", lines[-1].strip()):
        return "\n".join(lines)
    matches = list(_FINAL.finditer(text))
    if not matches:
        return None
    value = matches[-1]["n"].replace(",", "")
    body = text[: matches[-1].start()].rstrip(" \n:*")
    return f"{body}\nFinal answer: {value}".strip()


def parse_grounded(text: str, variables: Mapping[str, Any] | None = None) -> str | None:
    """An answer that cites a given passage as ``[n]`` (a citation of a passage that was not
    given, or no citation at all, does not parse)."""
    passages = (variables or {}).get("passages") or []
    answer = text.strip()
    cited = [int(n) for n in _CITATION.findall(answer)]
    if not answer or not cited or any(not 1 <= n <= len(passages) for n in cited):
        return None
    return answer if len(_CITATION.sub("", answer).strip()) >= 3 else None


def strip_citations(text: str) -> str:
    """``text`` without its ``[n]`` passage citations (pure)."""
    return _CITATION.sub("", text).strip()


def cited_passages(text: str) -> list[int]:
    """The 1-based passage numbers ``text`` cites, in order, without repeats (pure)."""
    return list(dict.fromkeys(int(n) for n in _CITATION.findall(text)))


@dataclass(frozen=True)
class Shape:
    """The form a prompt's reply must take."""

    name: str
    describe: str
    """What the reply must be, as the repair request says it."""
    reason: str
    """The rejection reason when the reply still does not have the shape after the repair."""
    parse: Parse
    field: str = "text"
    """The property a structured-output backend fills (see :meth:`schema`)."""
    pattern: str | None = None
    """A regular expression the JSON value must match, where the server enforces patterns."""

    def schema(self) -> dict[str, Any]:
        """The JSON schema that carries this shape on structured-output backends."""
        value: dict[str, Any] = {"type": "string", "minLength": 1}
        if self.pattern:
            value["pattern"] = self.pattern
        return {
            "type": "object",
            "properties": {self.field: value},
            "required": [self.field],
            "additionalProperties": False,
        }


SHAPES: dict[str, Shape] = {
    shape.name: shape
    for shape in (
        Shape(
            "question",
            "one question on a single line, ending with '?'",
            "not_a_question",
            parse_question,
            field="question",
            pattern=r"^[^?\n]{9,300}\?$",
        ),
        Shape(
            "question_grounded",
            "one question on a single line, ending with '?'",
            "not_a_question",
            parse_question,
            field="question",
            pattern=r"^[^?\n]{9,300}\?$",
        ),
        Shape("rewrite", "one question on a single line, ending with '?'", "not_a_question", parse_question),
        Shape(
            "conversation_user",
            "only the user's next message: one or two sentences on one line, no labels",
            "bad_user_turn",
            parse_user_turn,
            field="message",
        ),
        Shape(
            "answer_code",
            "the complete function in one ```python code block",
            "no_code_block",
            parse_code,
        ),
        Shape(
            "answer_math",
            "the worked answer, ending with a last line 'Final answer: ' and the number only",
            "no_final_answer",
            parse_math,
        ),
        Shape(
            "answer_grounded",
            "the answer from the passages, ending with the number of the passage it uses, like [1]",
            "uncited",
            parse_grounded,
        ),
        Shape(
            "record",
            "one JSON object that conforms to the record schema, and nothing else",
            "schema_invalid",
            parse_record,
        ),
    )
}
"""Shapes by the name of the prompt whose reply they shape."""


def shape_for(prompt: str) -> Shape | None:
    return SHAPES.get(prompt)


@dataclass(frozen=True)
class ShapeRequest:
    """What the ladder needs to shape one reply."""

    shape: Shape
    grammar: str | None
    """The shape's GBNF rules for this request (rendered from the prompt's grammar)."""
    variables: Mapping[str, Any]
    """What the lenient parse may consult (the passages a grounded answer may cite, the opener)."""
    think: bool = False
    """The reply starts with a reasoning trace, forced where the backend takes a grammar."""
    json_schema: Mapping[str, Any] | None = None
    """A structured record's own schema: the whole reply is the JSON object (the backend's
    structured output gets this schema; a grammar backend gets it beside the grammar)."""
