"""Reading and writing tables (CSV or Parquet, chosen by suffix) and hashing a source file.

Every read failure is one :class:`~syndgen.errors.InputError` naming the file; writes go to a
temporary file that is renamed into place, so an interrupted write leaves nothing half-written.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path
from typing import Any

from syndgen.errors import InputError
from syndgen.extras import require

TABLE_SUFFIXES = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet"}


def _kind(path: Path) -> str:
    kind = TABLE_SUFFIXES.get(path.suffix.lower())
    if kind is None:
        raise InputError(
            f"{path}: unsupported table type {path.suffix or '(none)'!r}", hint="use .csv or .parquet"
        )
    return kind


def read_table(path: str | Path) -> Any:
    """The file as a pandas DataFrame; a missing, unreadable or empty file is an InputError."""
    require("tabular", "reading a table")
    import pandas as pd
    import pyarrow as pa

    file = Path(path)
    kind = _kind(file)
    if not file.is_file():
        raise InputError(f"{file}: file not found")
    try:
        frame = pd.read_csv(file) if kind == "csv" else pd.read_parquet(file)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, pa.ArrowInvalid) as exc:
        raise InputError(f"{file}: not a readable {kind} table ({str(exc).splitlines()[0]})") from exc
    if frame.empty or not len(frame.columns):
        raise InputError(f"{file}: the table has no rows")
    frame.columns = [str(c) for c in frame.columns]
    return frame


def write_table(frame: Any, path: str | Path) -> Path:
    """Write ``frame`` to ``path`` (CSV or Parquet by suffix) atomically."""
    file = Path(path)
    kind = _kind(file)
    file.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(dir=file.parent, prefix=f".{file.name}.", suffix=".tmp")
    os.close(handle)
    try:
        if kind == "csv":
            frame.to_csv(tmp, index=False)
        else:
            frame.to_parquet(tmp, index=False)
        os.replace(tmp, file)
    finally:
        Path(tmp).unlink(missing_ok=True)
    return file


def file_sha256(path: str | Path) -> str:
    """The SHA-256 of a file's bytes (the key of the privacy budget ledger)."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
