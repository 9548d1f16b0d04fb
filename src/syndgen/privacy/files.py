"""Read a JSONL, CSV or Parquet file of records, and write one atomically.

The writer writes a temporary file beside the output and renames it into place, so a failure
(or an interrupt) leaves no half-written output and no temporary file behind.
"""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from syndgen.errors import InputError
from syndgen.seeds.examples import SUFFIXES, read_rows


def file_kind(path: Path) -> str:
    kind = SUFFIXES.get(path.suffix.lower())
    if kind is None:
        raise InputError(
            f"{path}: unsupported file type {path.suffix or '(none)'!r}", hint="use .jsonl, .csv or .parquet"
        )
    return kind


def read_records(path: Path) -> list[dict[str, Any]]:
    """Every row of ``path``; a missing, unreadable or malformed file is one InputError."""
    file_kind(path)
    if not path.exists():
        raise InputError(f"file not found: {path}")
    if path.is_dir():
        raise InputError(f"{path} is a folder, not a file")
    try:
        return read_rows(path)
    except PermissionError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}") from None


def _columns(rows: Sequence[dict[str, Any]]) -> list[str]:
    seen: dict[str, None] = {}
    for row in rows:
        seen.update(dict.fromkeys(row))
    return list(seen)


def _write(kind: str, path: Path, rows: Sequence[dict[str, Any]]) -> None:
    if kind == "jsonl":
        with path.open("w", encoding="utf-8") as handle:
            for row in rows:
                handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    elif kind == "csv":
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=_columns(rows))
            writer.writeheader()
            writer.writerows(rows)
    else:
        import pyarrow as pa
        import pyarrow.parquet as pq

        pq.write_table(pa.Table.from_pylist(list(rows)), path)


def write_records(path: Path, rows: Sequence[dict[str, Any]]) -> None:
    """Write ``rows`` in the format ``path``'s suffix names, all or nothing."""
    kind = file_kind(path)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        _write(kind, tmp, rows)
        os.replace(tmp, path)
    except OSError as exc:
        raise InputError(f"cannot write {path}: {exc.strerror or exc}") from None
    finally:
        if tmp.is_file():
            tmp.unlink()
