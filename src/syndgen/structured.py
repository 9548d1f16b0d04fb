"""Structured records (pure): the record schema, the lenient read of a JSON object, the schema
error that rejects one, the GBNF grammar that constrains one, and the flat row a table holds.

A record schema is a JSON Schema mapping, or a pydantic model named ``package.module:Model``
(its ``model_json_schema()``), or a ``.json`` file holding a schema. The grammar comes from
llama.cpp's own JSON-schema converter, with its ``root`` rule renamed ``answer`` so the backend
can put the reasoning trace in front of it (:func:`syndgen.backends.llamacpp.think_grammar`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from syndgen.errors import ConfigError
from syndgen.reasoning import split_reasoning

_FENCE = re.compile(r"```[ \t]*(?:json|JSON)?[^\n]*\n(?P<body>.*?)```", re.DOTALL)
_TRAILING_COMMA = re.compile(r",\s*([}\]])")


def resolve_schema(spec: Mapping[str, Any] | str) -> dict[str, Any]:
    """The JSON Schema ``spec`` names: a mapping (checked), a ``.json`` file or a pydantic model
    ``package.module:Model``. Every problem is one :class:`ConfigError`."""
    if isinstance(spec, Mapping):
        schema = dict(spec)
    elif spec.endswith(".json"):
        try:
            schema = json.loads(Path(spec).expanduser().read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise ConfigError(f"task.record_schema: cannot read the schema file {spec}: {exc}") from None
    elif ":" in spec:
        schema = _model_schema(spec)
    else:
        raise ConfigError(
            f"task.record_schema: {spec!r} is neither a JSON schema, a .json file nor 'package.module:Model'"
        )
    check_schema(schema)
    return schema


def _model_schema(path: str) -> dict[str, Any]:
    from pydantic import BaseModel

    from syndgen.plugins import import_callable

    model = import_callable(path, "record model", "a pydantic BaseModel class")
    if not (isinstance(model, type) and issubclass(model, BaseModel)):
        raise ConfigError(f"task.record_schema: {path} is not a pydantic model class")
    return model.model_json_schema()


def check_schema(schema: Any) -> None:
    """Refuse what is not a JSON Schema of an object (one :class:`ConfigError`)."""
    import jsonschema

    if not isinstance(schema, dict) or schema.get("type") != "object":
        raise ConfigError("task.record_schema: a record schema must be a JSON schema with type: object")
    try:
        jsonschema.Draft202012Validator.check_schema(schema)
    except jsonschema.SchemaError as exc:
        where = "/".join(str(p) for p in exc.absolute_path)
        raise ConfigError(f"task.record_schema: invalid JSON schema at /{where}: {exc.message}") from None


def read_object(text: str) -> dict[str, Any] | None:
    """The JSON object in a reply, read leniently: after any reasoning trace, in a fenced block or
    embedded in prose, with trailing commas dropped; None when there is none."""
    body = split_reasoning(text).answer.strip()
    candidates = [m["body"] for m in _FENCE.finditer(body)] + [body]
    start = body.find("{")
    if start >= 0:
        candidates.append(body[start : body.rfind("}") + 1])
    decoder = json.JSONDecoder()
    for candidate in candidates:
        for attempt in (candidate, _TRAILING_COMMA.sub(r"\1", candidate)):
            try:
                value, _ = decoder.raw_decode(attempt.strip())
            except json.JSONDecodeError:
                continue
            if isinstance(value, dict):
                return value
    return None


@lru_cache(maxsize=64)
def _validator(schema_json: str) -> Any:
    import jsonschema

    return jsonschema.Draft202012Validator(json.loads(schema_json))


def schema_errors(value: Any, schema: Mapping[str, Any]) -> list[str]:
    """Each way ``value`` breaks ``schema``, as ``at /path: message`` (empty when it conforms)."""
    validator = _validator(json.dumps(schema, sort_keys=True))
    found = []
    for error in sorted(validator.iter_errors(value), key=lambda e: [str(p) for p in e.absolute_path]):
        path = "/".join(str(p) for p in error.absolute_path)
        found.append(f"at /{path}: {error.message}")
    return found


def record_problem(text: str, schema: Mapping[str, Any]) -> str | None:
    """Why ``text`` is not a record of ``schema`` (no JSON object, or the first schema error and
    how many more), or None when it is one."""
    value = read_object(text)
    if value is None:
        return "no JSON object in the reply"
    errors = schema_errors(value, schema)
    if not errors:
        return None
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return f"schema violation {errors[0]}{more}"


def canonical(value: Mapping[str, Any]) -> str:
    """A record as the answer text: compact, key order kept, non-ASCII as is."""
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))


def parse_record(text: str, variables: Mapping[str, Any] | None = None) -> str | None:
    """The reply's JSON object as canonical text when it conforms to ``variables['schema']``."""
    schema = (variables or {}).get("schema")
    value = read_object(text)
    if value is None or (schema is not None and schema_errors(value, schema)):
        return None
    return canonical(value)


def schema_grammar(schema: Mapping[str, Any]) -> str:
    """GBNF rules defining ``answer``: one JSON object of ``schema`` (llama.cpp's converter)."""
    from llama_cpp.llama_grammar import json_schema_to_gbnf

    rules = str(json_schema_to_gbnf(json.dumps(_grammar_schema(schema))))
    return re.sub(r"(?m)^root\s*::=", "answer ::=", rules).replace(" root ", " answer ")


_GRAMMAR_KEYS = ("examples", "description", "title", "$schema", "$comment")


def _grammar_schema(node: Any) -> Any:
    """``schema`` without the annotations the converter does not need (pure); a property
    named like an annotation (``title``, ``description``) is kept."""
    if isinstance(node, list):
        return [_grammar_schema(v) for v in node]
    if not isinstance(node, dict):
        return node
    out = {}
    for key, value in node.items():
        if key in ("properties", "$defs", "definitions") and isinstance(value, dict):
            out[key] = {name: _grammar_schema(sub) for name, sub in value.items()}
        elif key not in _GRAMMAR_KEYS:
            out[key] = _grammar_schema(value)
    return out


def flatten(value: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """One column per field: nested objects become ``parent.child`` columns; lists stay lists
    of scalars, or JSON text when they hold objects (pure)."""
    row: dict[str, Any] = {}
    for key, item in value.items():
        name = f"{prefix}{key}"
        if isinstance(item, Mapping):
            row.update(flatten(item, f"{name}."))
        elif isinstance(item, list) and any(isinstance(x, (Mapping, list)) for x in item):
            row[name] = json.dumps(item, ensure_ascii=False)
        else:
            row[name] = item
    return row


def schema_summary(schema: Mapping[str, Any]) -> str:
    """The schema as the prompt shows it: indented JSON without its examples."""
    return json.dumps({k: v for k, v in schema.items() if k != "examples"}, indent=1, ensure_ascii=False)
