"""Write rows as JSONL or Parquet, atomically: a reader never sees half a file."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

FileFormat = Literal["jsonl", "parquet"]


def _tmp(path: Path) -> Path:
    return path.with_name(f".{path.name}.tmp-{os.getpid()}")


def write_jsonl(rows: Sequence[dict[str, Any]], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = _tmp(path)
    with tmp.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    os.replace(tmp, path)


def write_parquet(rows: Sequence[dict[str, Any]], path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = _tmp(path)
    table = pa.Table.from_pylist(list(rows))
    pq.write_table(table, tmp)
    os.replace(tmp, path)


WRITERS = {"jsonl": write_jsonl, "parquet": write_parquet}


def write_rows(rows: Sequence[dict[str, Any]], path: Path, to: FileFormat) -> None:
    WRITERS[to](rows, path)
