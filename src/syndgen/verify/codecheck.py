"""Code answers: find the Python in a model's answer and run it against tests in the sandbox."""

from __future__ import annotations

import re

from .result import VerifierResult
from .sandbox import run_python

_FENCE = re.compile(r"```[ \t]*(?P<lang>[\w+-]*)[^\n]*\n(?P<body>.*?)(?:```|\Z)", re.DOTALL)


def _parses(source: str) -> bool:
    try:
        compile(source, "<answer>", "exec")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


def extract_code(answer_text: str) -> str | None:
    """The Python code in a model's answer: its fenced blocks, else the whole text if it parses.

    Python-tagged blocks are preferred to untagged ones; several blocks are joined in order when
    together they parse, else the first block that parses alone is used.
    """
    blocks = [(m["lang"].lower(), m["body"].strip("\n")) for m in _FENCE.finditer(answer_text)]
    python = [body for lang, body in blocks if lang in ("python", "py", "python3")]
    chosen = python or [body for lang, body in blocks if not lang]
    if chosen:
        joined = "\n\n".join(chosen)
        if _parses(joined):
            return joined
        return next((body for body in chosen if _parses(body)), None)
    text = answer_text.strip()
    return text if text and _parses(text) else None


def verify_code(
    answer_text: str, tests: str, *, timeout_s: float = 5.0, memory_mb: int = 256
) -> VerifierResult:
    """``pass`` when the code in ``answer_text`` passes ``tests`` in the sandbox."""
    code = extract_code(answer_text)
    if code is None:
        return VerifierResult(name="code", status="fail", detail="no Python code found in the answer")
    outcome = run_python(code, tests, timeout_s=timeout_s, memory_mb=memory_mb)
    status = "pass" if outcome.passed else "fail"
    return VerifierResult(name="code", status=status, detail=f"{outcome.status}: {outcome.detail}")
