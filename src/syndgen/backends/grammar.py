"""GBNF grammars a request's response format asks for (pure, no llama.cpp needed).

Shared by the embedded engine (:mod:`syndgen.backends.llamacpp`) and the OpenAI-compatible
backend, which sends them in the request body to servers that take a ``grammar`` field
(llama.cpp's ``llama-server`` and llama-cpp-python's server).
"""

from __future__ import annotations

from syndgen.backends.base import ResponseFormat

DEFAULT_ANSWER = "answer ::= [^<]{1,1500}\n"
DEFAULT_MAX_REASONING_CHARS = 800


def think_grammar(max_reasoning_chars: int, answer_rules: str | None = None) -> str:
    """GBNF forcing ``<think>\\n trace \\n</think>\\n\\n answer`` with a bounded trace; the
    answer follows ``answer_rules`` (GBNF defining ``answer``) when given."""
    return (
        'root ::= "<think>\\n" trace "\\n</think>\\n\\n" answer\n'
        f"trace ::= [^<]{{8,{max_reasoning_chars}}}\n" + (answer_rules or DEFAULT_ANSWER)
    )


def text_grammar(fmt: ResponseFormat | None, max_reasoning_chars: int) -> str | None:
    """The grammar of a ``think`` or ``text`` format (None for JSON formats and plain text,
    which the backend handles its own way)."""
    if fmt is None:
        return None
    if fmt.kind == "think":
        return think_grammar(max_reasoning_chars, fmt.grammar)
    if fmt.kind == "text" and fmt.grammar:
        return "root ::= answer\n" + fmt.grammar
    return None
