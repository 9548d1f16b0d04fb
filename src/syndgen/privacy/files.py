"""Read a JSONL, CSV or Parquet file of records, and write one atomically.

Writing goes through the exports' atomic writers (:mod:`syndgen.export.writers`): a temporary
file beside the output, renamed into place, so a failure (or an interrupt) leaves no half-written
output and no temporary file behind.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, cast

from syndgen.errors import InputError
from syndgen.export.writers import FileFormat, write_rows
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


def write_records(path: Path, rows: Sequence[dict[str, Any]]) -> None:
    """Write ``rows`` in the format ``path``'s suffix names, all or nothing."""
    kind = file_kind(path)
    try:
        write_rows(rows, path, cast(FileFormat, kind))
    except OSError as exc:
        raise InputError(f"cannot write {path}: {exc.strerror or exc}") from None
