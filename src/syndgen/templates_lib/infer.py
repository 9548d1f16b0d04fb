"""``syndgen templates new``: a template from a user's example records, or from a shipped one.

From a JSONL file of example records (one JSON object a line) it infers (pure functions):

* a JSON Schema: a property per key, required when every record has it, typed from the values
  (string, integer, number, boolean, arrays of one type, nested objects); a string field with
  few repeated short values becomes an ``enum``;
* attribute axes: the short string fields (labels of at most 30 characters) with 2 to 8
  distinct values that repeat (the record's category, severity, ...), each with an even quota;
* topics: the values of a ``topic`` field when there is one, else the task's name;
* few-shot seeds: the first three records, as the schema's ``examples``.

With ``--from-template`` the shipped template is the start (its kind, axes, prompts and
validators), and the examples, if given, replace its schema.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from syndgen.errors import InputError
from syndgen.jsonl import read_jsonl

MAX_AXIS_VALUES = 8
FEW_SHOT = 3
MAX_LABEL_CHARS = 30


def read_examples(path: Path) -> list[dict[str, Any]]:
    """The JSON objects of a JSONL file; a line that is not one is one error naming it."""
    if not path.is_file():
        raise InputError(f"examples file not found: {path}")
    rows = read_jsonl(path, encoding="utf-8")
    if len(rows) < 2:
        raise InputError(f"{path}: needs at least 2 example records, found {len(rows)}")
    return rows


def _type_of(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return "string" if isinstance(value, str) else "null"


def infer_value(values: Sequence[Any]) -> dict[str, Any]:
    """The schema of one field from the values the examples give it (pure)."""
    types = {_type_of(v) for v in values if v is not None}
    if types == {"integer", "number"}:
        types = {"number"}
    if len(types) != 1:
        return {}
    kind = types.pop()
    if kind == "object":
        return infer_schema([v for v in values if isinstance(v, dict)])
    if kind == "array":
        items = [item for v in values for item in v]
        return {"type": "array", "items": infer_value(items)} if items else {"type": "array"}
    if kind == "string":
        counts = Counter(values)
        short = all(len(v) <= MAX_LABEL_CHARS for v in values)
        if short and 1 < len(counts) <= MAX_AXIS_VALUES and len(values) >= 2 * len(counts):
            return {"type": "string", "enum": sorted(counts)}
        longest = max(len(v) for v in values)
        return {"type": "string", "minLength": 1, "maxLength": max(40, 2 * longest)}
    return {"type": kind}


def infer_schema(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """A JSON Schema of an object all ``rows`` conform to (pure)."""
    keys = list(dict.fromkeys(key for row in rows for key in row))
    properties = {key: infer_value([row[key] for row in rows if key in row]) for key in keys}
    required = [key for key in keys if all(key in row for row in rows)]
    return {"type": "object", "properties": properties, "required": required, "additionalProperties": False}


def infer_axes(rows: Sequence[dict[str, Any]], schema: dict[str, Any]) -> list[dict[str, Any]]:
    """Axes: the top-level enum fields (but ``topic``), each with its values (pure)."""
    axes = []
    for key, spec in schema["properties"].items():
        if key != "topic" and "enum" in spec:
            axes.append({"name": key, "values": list(spec["enum"])})
    return axes


def infer_template(
    rows: Sequence[dict[str, Any]], domain: str, task: str, description: str | None = None
) -> dict[str, Any]:
    """A structured-record template over ``rows`` (pure)."""
    schema = infer_schema(rows)
    topics = sorted({str(r["topic"]) for r in rows if isinstance(r.get("topic"), str)}) or [
        task.replace("-", " ")
    ]
    fields = ", ".join(schema["properties"])
    schema["examples"] = [dict(r) for r in rows[:FEW_SHOT]]
    return {
        "template": {
            "domain": domain,
            "task": task,
            "description": description or f"{task.replace('-', ' ')} records like the {len(rows)} examples",
        },
        "count": 20,
        "task": {
            "kind": "structured",
            "topics": topics,
            "axes": infer_axes(rows, schema),
            "instructions": f"A record is one {task.replace('-', ' ')} record with the fields {fields}, "
            "realistic and consistent, like the examples.",
            "record_schema": schema,
        },
        "quality": {"critic": "always", "threshold": 4},
    }


def from_template(
    base: dict[str, Any], domain: str, task: str, rows: Sequence[dict[str, Any]] | None
) -> dict[str, Any]:
    """A copy of a template's config under a new name; ``rows`` replace its schema and seeds."""
    data: dict[str, Any] = json.loads(json.dumps(base))
    data["template"] = {"domain": domain, "task": task, "description": f"{domain}/{task}, from a template"}
    if rows:
        if data.get("task", {}).get("kind") != "structured":
            raise InputError("--from with --from-template needs a structured template to take the schema")
        inferred = infer_template(rows, domain, task)["task"]
        task_block = data.setdefault("task", {})
        task_block["kind"] = "structured"
        task_block["record_schema"] = inferred["record_schema"]
        task_block.setdefault("instructions", inferred["instructions"])
    return data


def split_name(name: str, domain: str | None) -> tuple[str, str]:
    """``domain/task`` from NAME (and ``--domain``); one error when the domain is missing."""
    if "/" in name:
        head, _, tail = name.partition("/")
        if domain and domain != head:
            raise InputError(f"template {name!r} names domain {head!r} but --domain says {domain!r}")
        return head, tail
    if not domain:
        raise InputError(f"template {name!r} has no domain", hint="name it DOMAIN/TASK or give --domain")
    return domain, name


def write_template(data: dict[str, Any], folder: Path, overwrite: bool = False) -> Path:
    """Write ``data`` as ``folder/<domain>/<task>.yaml``; an existing file needs ``overwrite``."""
    meta = data["template"]
    path: Path = folder / str(meta["domain"]) / f"{meta['task']}.yaml"
    if path.exists() and not overwrite:
        raise InputError(f"{path} exists", hint="choose another name, or pass --overwrite")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100), encoding="utf-8")
    return path
