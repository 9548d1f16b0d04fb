"""Checks of the built-in verifiers' params, run when a config is loaded (pure).

A bad schema or pattern would otherwise fail every record of a run; here it is one
:class:`~syndgen.errors.ConfigError` before anything starts. Unknown param names are refused
with the closest known one, as config keys are.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Mapping
from typing import Any

from syndgen.errors import ConfigError

_PARAMS: dict[str, frozenset[str]] = {
    "math": frozenset({"reference", "reference_answer", "rel_tol", "strict"}),
    "code": frozenset({"tests", "timeout_s", "memory_mb"}),
    "json": frozenset({"schema"}),
    "regex": frozenset({"pattern", "fullmatch", "ignore_case"}),
    "exact": frozenset({"expected", "reference_answer", "normalise"}),
}


def _expect(params: Mapping[str, Any], key: str, kinds: tuple[type, ...], what: str) -> None:
    value = params.get(key)
    if value is None:
        return
    if (isinstance(value, bool) and bool not in kinds) or not isinstance(value, kinds):
        raise ConfigError(f"param {key!r} must be {what}, got {value!r}")


def _positive(params: Mapping[str, Any], key: str) -> None:
    _expect(params, key, (int, float), "a number")
    if params.get(key) is not None and params[key] <= 0:
        raise ConfigError(f"param {key!r} must be above 0, got {params[key]!r}")


def _check_json(params: Mapping[str, Any]) -> None:
    schema = params.get("schema")
    if schema is None:
        return
    if not isinstance(schema, (dict, bool)):
        raise ConfigError(f"param 'schema' must be a JSON schema (a mapping), got {schema!r}")
    import jsonschema

    try:
        jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator).check_schema(
            schema
        )
    except jsonschema.SchemaError as exc:
        where = "/".join(str(p) for p in exc.absolute_path)
        raise ConfigError(f"invalid JSON schema at /{where}: {exc.message}") from None


def _check_regex(params: Mapping[str, Any]) -> None:
    _expect(params, "pattern", (str,), "a string")
    _expect(params, "fullmatch", (bool,), "true or false")
    _expect(params, "ignore_case", (bool,), "true or false")
    if params.get("pattern") is not None:
        try:
            re.compile(params["pattern"])
        except re.error as exc:
            raise ConfigError(f"invalid regular expression {params['pattern']!r}: {exc}") from None


def _check_math(params: Mapping[str, Any]) -> None:
    _expect(params, "rel_tol", (int, float), "a number")
    if params.get("rel_tol") is not None and params["rel_tol"] < 0:
        raise ConfigError(f"param 'rel_tol' must be 0 or more, got {params['rel_tol']!r}")
    _expect(params, "strict", (bool,), "true or false")


def _check_code(params: Mapping[str, Any]) -> None:
    _expect(params, "tests", (str,), "a string of test code")
    _positive(params, "timeout_s")
    _expect(params, "memory_mb", (int,), "a whole number")
    _positive(params, "memory_mb")


def _check_exact(params: Mapping[str, Any]) -> None:
    _expect(params, "normalise", (bool,), "true or false")


_CHECKS: dict[str, Callable[[Mapping[str, Any]], None]] = {
    "math": _check_math,
    "code": _check_code,
    "json": _check_json,
    "regex": _check_regex,
    "exact": _check_exact,
}


def check_builtin_params(name: str, params: Mapping[str, Any]) -> None:
    """Refuse unknown or invalid params of the built-in verifier ``name``."""
    known = _PARAMS[name]
    unknown = sorted(set(params) - known)
    if unknown:
        close = difflib.get_close_matches(unknown[0], sorted(known), n=1)
        hint = f"did you mean {close[0]!r}?" if close else f"known: {', '.join(sorted(known))}"
        raise ConfigError(f"unknown param {unknown[0]!r}", hint=hint)
    _CHECKS[name](params)
