"""Read the two sides of a validation: files, run folders and ``datasets`` folders.

A side is read as rows (one ``dict`` per record) and then seen as **text** or as a **table**:

* text when ``--messages`` is given or a row has a ``messages`` list (the texts of every
  non-system message, joined by newlines), or when it has the text field (``--text-field``,
  default ``text``);
* a table otherwise: every column a scalar (CSV and Parquet files usually are).

Sources: ``.jsonl`` / ``.json`` (one JSON object per line), ``.csv``, ``.parquet``, a syndgen run
folder (its ``data/sft.jsonl``, else ``data/sft.parquet``: rows with ``messages`` and ``topic``)
and, for the synthetic side, a folder written by ``datasets``' ``save_to_disk``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from syndgen.errors import InputError, MissingExtraError
from syndgen.jsonl import read_jsonl

DEFAULT_TEXT_FIELD = "text"
RUN_FILES = ("data/sft.jsonl", "data/sft.parquet")
HF_MARKERS = ("dataset_info.json", "state.json", "dataset_dict.json")


@dataclass(frozen=True)
class TextSide:
    """One side as texts, with the label of each row when a label field is named."""

    source: str
    texts: list[str]
    labels: list[str] | None = None
    fields: dict[str, list[str]] = field(default_factory=dict)
    """Other categorical fields every row has (``topic`` in a run folder), for share distances."""


def _read_table(path: Path) -> list[dict[str, Any]]:
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path) if path.suffix == ".parquet" else pacsv.read_csv(path)
    except (OSError, ValueError) as exc:  # pyarrow's ArrowInvalid is a ValueError
        raise InputError(f"cannot read {path}: {exc}") from None
    return list(table.to_pylist())


def _read_hf(path: Path) -> list[dict[str, Any]]:
    try:
        import datasets
    except ImportError as exc:
        raise MissingExtraError(
            f"{path} is a Hugging Face datasets folder and datasets is not installed",
            hint="pip install 'syndgen[validate]'",
        ) from exc
    loaded = datasets.load_from_disk(str(path))
    if isinstance(loaded, datasets.DatasetDict):
        split = "train" if "train" in loaded else next(iter(loaded))
        loaded = loaded[split]
    return list(loaded.to_list())


def _run_file(path: Path) -> Path | None:
    for name in RUN_FILES:
        if (path / name).is_file():
            return path / name
    return None


def read_rows(path: Path, *, allow_hf: bool = True) -> list[dict[str, Any]]:
    """The rows of a file or folder; one clear error for a missing, empty or unknown source."""
    if not path.exists():
        raise InputError(f"{path} does not exist", hint="name a JSONL, CSV or Parquet file or a run folder")
    if path.is_dir():
        run_file = _run_file(path)
        if run_file is not None:
            rows = read_jsonl(run_file) if run_file.suffix == ".jsonl" else _read_table(run_file)
        elif allow_hf and any((path / m).is_file() for m in HF_MARKERS):
            rows = _read_hf(path)
        else:
            raise InputError(
                f"{path} is a folder with neither data/sft.jsonl (a syndgen run) nor a saved dataset",
                hint="export the run first (syndgen export RUN) or name a file",
            )
    elif path.suffix in (".jsonl", ".json"):
        rows = read_jsonl(path)
    elif path.suffix in (".csv", ".parquet"):
        rows = _read_table(path)
    else:
        raise InputError(f"{path}: unknown file type {path.suffix!r}", hint="use .jsonl, .csv or .parquet")
    if not rows:
        raise InputError(f"{path} holds no rows")
    return rows


def messages_text(messages: Any) -> str:
    """The non-system messages' contents, joined by newlines."""
    if not isinstance(messages, list):
        raise TypeError("messages is not a list")
    parts = []
    for message in messages:
        if isinstance(message, dict) and message.get("role") != "system":
            content = message.get("content")
            parts.append(content if isinstance(content, str) else json.dumps(content))
    return "\n".join(parts)


def is_text(rows: list[dict[str, Any]], text_field: str | None, messages: bool) -> bool:
    """Whether rows read as text (see the module docstring)."""
    first = rows[0]
    if messages or isinstance(first.get("messages"), list):
        return True
    return (text_field or DEFAULT_TEXT_FIELD) in first


def to_text_side(
    source: str,
    rows: list[dict[str, Any]],
    *,
    text_field: str | None,
    messages: bool,
    label_field: str | None,
) -> TextSide:
    """The texts (and labels) of ``rows``; a row without them is one error naming the row."""
    has_messages = isinstance(rows[0].get("messages"), list)
    use_messages = messages or (has_messages and (text_field is None or text_field not in rows[0]))
    name = "messages" if use_messages else text_field or DEFAULT_TEXT_FIELD
    texts: list[str] = []
    labels: list[str] = []
    for number, row in enumerate(rows, start=1):
        value = row.get(name)
        try:
            texts.append(messages_text(value) if use_messages else _scalar_text(value))
        except TypeError:
            raise InputError(
                f"{source}: row {number} has no usable {name!r} field",
                hint="choose the text with --text-field F or --messages",
            ) from None
        if label_field is not None:
            if row.get(label_field) is None:
                raise InputError(f"{source}: row {number} has no label field {label_field!r}")
            labels.append(str(row[label_field]))
    shared = [k for k in ("topic",) if k != label_field and all(row.get(k) is not None for row in rows)]
    fields = {k: [str(row[k]) for row in rows] for k in shared}
    return TextSide(source, texts, labels if label_field is not None else None, fields)


def _scalar_text(value: Any) -> str:
    if value is None or isinstance(value, (list, dict)):
        raise TypeError("not a scalar")
    return str(value)


def to_frame(source: str, rows: list[dict[str, Any]]) -> Any:
    """The rows as a pandas DataFrame (every value a scalar)."""
    import pandas as pd

    for number, row in enumerate(rows, start=1):
        nested = [k for k, v in row.items() if isinstance(v, (list, dict))]
        if nested:
            raise InputError(
                f"{source}: row {number} has nested field {nested[0]!r}, not a table",
                hint="name the text with --text-field F or --messages",
            )
    return pd.DataFrame(rows)
