"""Write rows as JSONL, Parquet or CSV, atomically: a reader never sees half a file.

Rows go to a temporary file next to the target, which is flushed to disk and then renamed over
the target (``os.replace``); on any failure the temporary file is removed and the target is left
as it was.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal

FileFormat = Literal["jsonl", "parquet", "csv"]


def _tmp(path: Path) -> Path:
    return path.with_name(f".{path.name}.tmp-{os.getpid()}")


@contextmanager
def _replacing(path: Path) -> Iterator[Path]:
    """Yield a temporary path to write; on success it replaces ``path``, on failure it is removed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = _tmp(path)
    try:
        yield tmp
        fd = os.open(tmp, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        raise


def write_jsonl(rows: Sequence[dict[str, Any]], path: Path) -> None:
    with _replacing(path) as tmp, tmp.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")


def write_parquet(rows: Sequence[dict[str, Any]], path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pylist(list(rows))
    with _replacing(path) as tmp:
        pq.write_table(table, tmp)


def write_csv(rows: Sequence[dict[str, Any]], path: Path) -> None:
    """One column per key (in first-seen order); lists and mappings as JSON text."""
    import csv

    columns = list(dict.fromkeys(key for row in rows for key in row))
    with _replacing(path) as tmp, tmp.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns)
        writer.writeheader()
        for row in rows:
            writer.writerow(
                {
                    k: json.dumps(v, ensure_ascii=False) if isinstance(v, (list, dict)) else v
                    for k, v in row.items()
                }
            )


WRITERS: dict[str, Callable[[Sequence[dict[str, Any]], Path], None]] = {
    "jsonl": write_jsonl,
    "parquet": write_parquet,
    "csv": write_csv,
}


def write_rows(rows: Sequence[dict[str, Any]], path: Path, to: FileFormat) -> None:
    WRITERS[to](rows, path)
