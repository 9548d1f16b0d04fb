"""Math answers: pull the final answer out of a model's text and compare it with a reference by value.

Everything here is pure. ``values_equal("1,234", "1234")``, ``values_equal("3/4", "0.75")``,
``values_equal("$5.00", "5")`` and ``values_equal("12 cm", "12")`` are all true. Numbers are read
exactly with :class:`fractions.Fraction`; anything else that looks like arithmetic (``2^10``,
``sqrt(2)*sqrt(8)``) goes to sympy through a guarded parser: only digits, operators, brackets and
the names ``sqrt`` and ``pi`` are accepted, input is short, and powers are bounded, so a model's
text can neither run code nor make sympy compute for minutes.
"""

from __future__ import annotations

import math
import re
import tokenize
from fractions import Fraction
from functools import lru_cache
from typing import Any

from .result import VerifierResult

Value = Fraction | float

_MAX_EXPR_CHARS = 100
_MAX_EXPONENT = 1000
_ABS_TOL = Fraction(1, 10**12)
_SYMPY_NAMES = frozenset({"sqrt", "pi"})

_INT = r"(?:\d{1,3}(?:,\d{3})+(?!\d)|\d+)"
_NUM = rf"(?:{_INT}(?:\.\d+)?|\.\d+)(?:[eE][-+]?\d+)?"
_NUMBER_TOKEN = re.compile(rf"-?{_NUM}(?:\s*/\s*{_INT})?\s*%?")
_NUMBER_ONLY = re.compile(rf"(?P<sign>[-+]?)\s*(?P<num>{_NUM})(?:\s*/\s*(?P<den>{_INT}))?\s*(?P<pct>%)?")
_LEADING_NUMBER = re.compile(rf"(?P<n>{_NUMBER_TOKEN.pattern})(?:\s+[^\W\d_].*)?")
_MIXED = re.compile(r"(?P<sign>-?)(?P<whole>\d+)\s+(?P<num>\d+)\s*/\s*(?P<den>\d+)")
_EXPR_CHARS = re.compile(r"[0-9a-z+\-*/^().\s]+")
_WORD = re.compile(r"[^\W\d_]+")

_BOXED = re.compile(r"\\(?:boxed|fbox)\s*\{")
_ANSWER_IS = re.compile(
    r"(?:final\s+answer|\banswer)\s*(?:is\s*:|is|:|=)\s*(?P<a>[^\n]+)",
    re.IGNORECASE,
)
_HASHES = re.compile(r"^\s*####\s*(?P<a>[^\n]+)", re.MULTILINE)
_TRAILING_EQUALS = re.compile(r"=\s*(?P<a>[^=]+?)\s*$")

_LATEX_SUBS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\\[dt]?frac\s*\{([^{}]*)\}\s*\{([^{}]*)\}"), r"(\1)/(\2)"),
    (re.compile(r"\\sqrt\s*\{([^{}]*)\}"), r"sqrt(\1)"),
    (re.compile(r"\\(?:text|mathrm|textbf|mathbf|operatorname)\s*\{([^{}]*)\}"), r" \1 "),
    (re.compile(r"\^\s*\{?\\circ\}?|°"), ""),
    (re.compile(r"\\(?:left|right)\b"), ""),
    (re.compile(r"(\d)\\,(\d{3})"), r"\1\2"),
    (re.compile(r"\\[,;:! ]"), " "),
    (re.compile(r"\\(?:cdot|times)\b|×|·"), "*"),
    (re.compile(r"\\div\b|÷"), "/"),
    (re.compile(r"\\pi\b|π"), "pi"),
    (re.compile(r"\\%"), "%"),
    (re.compile(r"\\?[$€£¥₹]|\\[()\[\]]|`"), " "),
    (re.compile(r"[−–]"), "-"),
    (re.compile(r"(?i)\bpercent\b"), "%"),
)


def _boxed_contents(text: str) -> list[str]:
    """The contents of every ``\\boxed{...}`` in order, with nested braces balanced."""
    found: list[str] = []
    for match in _BOXED.finditer(text):
        depth, start = 1, match.end()
        for pos in range(start, len(text)):
            depth += {"{": 1, "}": -1}.get(text[pos], 0)
            if depth == 0:
                found.append(text[start:pos])
                break
    return found


def _clean_snippet(snippet: str) -> str:
    """Trim an ``answer is ...`` capture to the answer: drop markdown and what follows a sentence."""
    snippet = snippet.strip().strip("*_` ")
    snippet = re.split(r"(?<=[^\d\s])\.\s|\.\s+(?=[A-Z])|\.$|\s+(?:because|since|so|which)\b", snippet)[0]
    return snippet.strip().strip("*_` ").rstrip(".,;:!").strip()


def extract_final_answer(text: str, *, strict: bool = False) -> str | None:
    """The final answer in ``text``, or None when it holds no answer at all.

    Tried in order: the last ``\\boxed{...}``; the last "final answer is X" / "answer: X"; the last
    "#### X"; "= X" ending the last line; the last number anywhere in the text. With ``strict``
    only the explicit markers count (boxed, "answer: X", "#### X") or a text that is just the
    value, and the answer must be a single value: a rambling text whose last equation happens to
    hold a number does not pass.
    """
    boxed = _boxed_contents(text)
    if boxed and boxed[-1].strip():
        return boxed[-1].strip()
    for pattern in (_ANSWER_IS, _HASHES):
        matches = list(pattern.finditer(text))
        if matches:
            answer = _clean_snippet(matches[-1].group("a"))
            if answer:
                return answer if not strict or _single_value(answer) else None
    if strict:
        whole = _clean_snippet(text)
        return whole if whole and "\n" not in whole and _single_value(whole) and parse_values(whole) else None
    lines = [line for line in text.strip().splitlines() if line.strip()]
    if lines:
        tail = _TRAILING_EQUALS.search(lines[-1].rstrip(" ."))
        if tail and _NUMBER_TOKEN.search(tail.group("a")):
            return _clean_snippet(tail.group("a"))
    numbers = list(_NUMBER_TOKEN.finditer(text))
    if numbers:
        return numbers[-1].group(0).strip()
    return None


def _single_value(answer: str) -> bool:
    """The marked answer is one number or expression, optionally with a unit word."""
    return len(_NUMBER_TOKEN.findall(_strip_words(_normalise(answer)))) <= 1 or bool(
        _expression_value(_normalise(answer))
    )


def _normalise(text: str) -> str:
    """LaTeX and typography to plain arithmetic: ``\\frac{3}{4}`` -> ``(3)/(4)``, ``−`` -> ``-``."""
    for pattern, replacement in _LATEX_SUBS:
        text = pattern.sub(replacement, text)
    text = re.sub(r"\\[a-zA-Z]+", " ", text)
    text = text.replace("{", "(").replace("}", ")")
    if "=" in text:
        text = text.rsplit("=", 1)[1]
    return " ".join(text.split()).strip(" .,;:!*_")


def _strip_words(text: str) -> str:
    """Drop leading and trailing words (units, currency names, 'about'), keeping sqrt and pi."""
    tokens = text.split()
    while tokens and _is_unit_word(tokens[0]):
        tokens.pop(0)
    while tokens and _is_unit_word(tokens[-1]):
        tokens.pop()
    return " ".join(tokens)


def _is_unit_word(token: str) -> bool:
    words = _WORD.findall(token)
    return bool(words) and not re.search(r"\d", token) and not (set(words) & _SYMPY_NAMES)


def _plain_number(text: str) -> list[Value] | None:
    """Exact values of a plain number, fraction, mixed number or percentage; None if not one."""
    mixed = _MIXED.fullmatch(text)
    if mixed:
        whole = int(mixed["whole"]) + Fraction(int(mixed["num"]), int(mixed["den"]) or 1)
        return [-whole if mixed["sign"] else whole]
    match = _NUMBER_ONLY.fullmatch(text)
    if match is None:
        return None
    value = Fraction(match["num"].replace(",", ""))
    if match["den"]:
        denominator = int(match["den"].replace(",", ""))
        if denominator == 0:
            return None
        value /= denominator
    if match["sign"] == "-":
        value = -value
    # "25%" matches both 25 and 0.25: the question decides which one a reference means.
    return [value, value / 100] if match["pct"] else [value]


@lru_cache(maxsize=1)
def _sympy_parser() -> tuple[Any, dict[str, Any], tuple[Any, ...]]:
    import sympy
    from sympy.parsing import sympy_parser as sp

    names = {name: getattr(sympy, name) for name in ("Integer", "Float", "Rational", "Add", "Mul", "Pow")}
    names.update(sqrt=sympy.sqrt, pi=sympy.pi)
    transformations = (sp.auto_number, sp.rationalize, sp.convert_xor, sp.implicit_multiplication)
    return sp.parse_expr, names, transformations


def _is_safe_expression(text: str) -> bool:
    """Only digits, operators, brackets and whitelisted names; short; at most two powers."""
    if len(text) > _MAX_EXPR_CHARS or not _EXPR_CHARS.fullmatch(text):
        return False
    if any(word not in _SYMPY_NAMES for word in _WORD.findall(text)):
        return False
    return text.count("^") + text.count("**") <= 2 and not re.search(r"\d{31}", text)


def _expression_value(text: str) -> Value | None:
    """Evaluate a short arithmetic expression with sympy, or None when it is not one."""
    text = text.replace("%", "/100")
    if not _is_safe_expression(text):
        return None
    import sympy

    parse_expr, names, transformations = _sympy_parser()
    try:
        expr = parse_expr(
            text, local_dict={}, global_dict=dict(names), transformations=transformations, evaluate=False
        )
        for power in expr.atoms(sympy.Pow):
            exponent = power.exp.evalf(15)
            if not exponent.is_number or abs(complex(exponent)) > _MAX_EXPONENT:
                return None
        value = expr.doit()
        if value.is_Rational:
            return Fraction(int(value.p), int(value.q))
        if value.is_number and value.is_real:
            return float(value.evalf(30))
    except (
        SyntaxError,
        TypeError,
        ValueError,
        ArithmeticError,
        AttributeError,
        NameError,
        RecursionError,
        tokenize.TokenError,
    ):
        return None
    return None


def parse_values(text: str) -> list[Value]:
    """Every value ``text`` may denote (two for a percentage); empty when it is not a number."""
    cleaned = _normalise(text)
    for candidate in (cleaned, _strip_words(cleaned)):
        plain = _plain_number(candidate)
        if plain is not None:
            return plain
        value = _expression_value(candidate)
        if value is not None:
            return [value]
    # "42 because 40 + 2": a number that opens the answer and is followed by words.
    leading = _LEADING_NUMBER.fullmatch(_strip_words(cleaned))
    if leading is not None:
        return _plain_number(leading.group("n").strip()) or []
    return []


def _close(a: Value, b: Value, rel_tol: float) -> bool:
    if isinstance(a, Fraction) and isinstance(b, Fraction):  # exact, also beyond float precision
        return abs(a - b) <= max(Fraction(rel_tol) * max(abs(a), abs(b)), _ABS_TOL)
    return math.isclose(float(a), float(b), rel_tol=rel_tol, abs_tol=float(_ABS_TOL))


def _text_key(text: str) -> str:
    return "".join(_normalise(text).casefold().split()).strip("'\".")


def values_equal(candidate: str, reference: str, rel_tol: float = 1e-6) -> bool:
    """True when ``candidate`` and ``reference`` denote the same value.

    Non-numeric answers (``yes``, ``Paris``) fall back to a normalised, case-insensitive comparison.
    """
    left, right = parse_values(candidate), parse_values(reference)
    if left and right:
        return any(_close(a, b, rel_tol) for a in left for b in right)
    if left or right:
        return False
    return bool(_text_key(candidate)) and _text_key(candidate) == _text_key(reference)


def verify_math(
    answer_text: str, reference: str, *, rel_tol: float = 1e-6, strict: bool = False
) -> VerifierResult:
    """``pass`` when the final answer in ``answer_text`` equals ``reference`` by value."""
    extracted = extract_final_answer(answer_text, strict=strict)
    if extracted is None:
        detail = f"no final answer found; reference {reference!r}"
        return VerifierResult(name="math", status="fail", detail=detail)
    equal = values_equal(extracted, reference, rel_tol=rel_tol)
    relation = "==" if equal else "!="
    return VerifierResult(
        name="math",
        status="pass" if equal else "fail",
        detail=f"extracted {extracted!r} {relation} reference {reference!r}",
    )
