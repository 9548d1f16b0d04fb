"""Structural checks on an answer: valid JSON (optionally against a JSON Schema), a regex, an exact
string. Pure functions; a bad schema or pattern is the user's configuration mistake and raises
:class:`~syndgen.errors.ConfigError`, while a bad answer is a ``fail``.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Mapping
from typing import Any

from syndgen.errors import ConfigError

from .result import VerifierResult

_FENCE = re.compile(r"```[ \t]*(?:json|JSON|jsonc)?[^\n]*\n(?P<body>.*?)```", re.DOTALL)
_NOT_FOUND = object()


def extract_json(text: str) -> Any:
    """The JSON value in ``text``: a fenced block, the whole text, or the first object or array in it.

    Raises ``ValueError`` naming the problem when no JSON value can be decoded.
    """
    candidates = [m["body"] for m in _FENCE.finditer(text)] + [text]
    error = "no JSON object or array found"
    for candidate in candidates:
        try:
            return json.loads(candidate)
        except json.JSONDecodeError as exc:
            error = f"invalid JSON: {exc}"
    value = _first_embedded_value(text)
    if value is _NOT_FOUND:
        raise ValueError(error)
    return value


def _first_embedded_value(text: str) -> Any:
    """The first ``{...}`` or ``[...]`` inside prose that decodes, or ``_NOT_FOUND``."""
    decoder = json.JSONDecoder()
    for match in re.finditer(r"[{\[]", text):
        try:
            value, _end = decoder.raw_decode(text, match.start())
        except json.JSONDecodeError:
            continue
        return value
    return _NOT_FOUND


def _schema_validator(schema: Mapping[str, Any]) -> Any:
    import jsonschema

    try:
        validator_class = jsonschema.validators.validator_for(schema)
        validator_class.check_schema(schema)
    except jsonschema.SchemaError as exc:
        raise ConfigError(
            f"the JSON schema is invalid: {exc.message}",
            hint="check it against https://json-schema.org/understanding-json-schema/",
        ) from exc
    return validator_class(schema)


def _error_location(error: Any) -> str:
    path = "/".join(str(part) for part in error.absolute_path)
    return f"at /{path}" if path else "at the top level"


def verify_json(text: str, schema: Mapping[str, Any] | None = None) -> VerifierResult:
    """``pass`` when ``text`` holds valid JSON that conforms to ``schema`` (when one is given)."""
    try:
        value = extract_json(text)
    except ValueError as exc:
        return VerifierResult(name="json", status="fail", detail=str(exc))
    if schema is None:
        return VerifierResult(name="json", status="pass", detail="valid JSON")
    validator = _schema_validator(schema)
    errors = sorted(validator.iter_errors(value), key=lambda e: list(e.absolute_path))
    if not errors:
        return VerifierResult(name="json", status="pass", detail="valid JSON, conforms to the schema")
    first = errors[0]
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return VerifierResult(
        name="json",
        status="fail",
        detail=f"schema violation {_error_location(first)}: {first.message}{more}",
    )


def verify_regex(
    text: str, pattern: str, *, fullmatch: bool = False, ignore_case: bool = False
) -> VerifierResult:
    """``pass`` when ``pattern`` matches the (stripped) text: anywhere, or all of it with ``fullmatch``."""
    try:
        compiled = re.compile(pattern, re.IGNORECASE if ignore_case else 0)
    except re.error as exc:
        raise ConfigError(f"invalid regular expression {pattern!r}: {exc}") from exc
    subject = text.strip()
    match = compiled.fullmatch(subject) if fullmatch else compiled.search(subject)
    how = "matches all of the answer" if fullmatch else "found in the answer"
    if match:
        return VerifierResult(name="regex", status="pass", detail=f"{pattern!r} {how}")
    missing = "does not match all of the answer" if fullmatch else "not found in the answer"
    return VerifierResult(name="regex", status="fail", detail=f"{pattern!r} {missing}")


def normalise_text(text: str) -> str:
    """NFKC, case-folded, whitespace collapsed, without surrounding quotes or trailing punctuation."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = " ".join(text.split())
    text = text.strip().strip("\"'`*")
    return text.rstrip(".!?;:,").strip()


def verify_exact(text: str, expected: str, normalise: bool = True) -> VerifierResult:
    """``pass`` when ``text`` equals ``expected`` (after :func:`normalise_text` when ``normalise``)."""
    left, right = (normalise_text(text), normalise_text(expected)) if normalise else (text, expected)
    if left == right:
        return VerifierResult(name="exact", status="pass", detail="matches the expected answer")
    shown = text if len(text) <= 80 else text[:77] + "..."
    return VerifierResult(name="exact", status="fail", detail=f"{shown!r} != expected {expected!r}")
