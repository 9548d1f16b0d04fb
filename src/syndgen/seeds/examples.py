"""Seed example files: rows a user already has, shown to the generator as exemplars.

``load_examples`` reads JSONL, CSV or Parquet into plain dict rows and renames columns through a
field mapping (``{"question": "prompt_col"}``: the row's ``question`` comes from ``prompt_col``).
Every failure is an :class:`~syndgen.errors.InputError` that names the file; a missing mapped
column also names the columns that exist.

``exemplars_for`` picks which rows seed ``i`` shows. It uses the balanced slot allocator of
:mod:`syndgen.seeds.axes`, so it is a pure function of the index and every row is shown evenly:
over any prefix of seeds, the counts of any two rows differ by at most one.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from syndgen.errors import ConfigError, InputError
from syndgen.jsonl import read_jsonl
from syndgen.seeds.axes import balanced_indices

SUFFIXES = {".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv", ".parquet": "parquet", ".pq": "parquet"}


def _read_csv(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        try:
            return [dict(row) for row in reader]
        except csv.Error as exc:
            raise InputError(f"{path}: not a readable CSV file ({exc})") from exc


def _read_parquet(path: Path) -> list[dict[str, Any]]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path)
    except (pa.ArrowInvalid, OSError) as exc:
        raise InputError(f"{path}: not a readable Parquet file ({exc})") from exc
    rows: list[dict[str, Any]] = table.to_pylist()
    return rows


def read_rows(path: str | Path) -> list[dict[str, Any]]:
    """All rows of a JSONL, CSV or Parquet file, chosen by suffix; an empty file is an error."""
    file = Path(path)
    kind = SUFFIXES.get(file.suffix.lower())
    if kind is None:
        raise InputError(
            f"{file}: unsupported example file type {file.suffix or '(none)'!r}",
            hint="use .jsonl, .csv or .parquet",
        )
    if not file.is_file():
        raise InputError(f"{file}: example file not found")
    readers = {"jsonl": read_jsonl, "csv": _read_csv, "parquet": _read_parquet}
    try:
        rows = readers[kind](file)
    except UnicodeDecodeError as exc:
        raise InputError(f"{file}: not UTF-8 text ({exc.reason})") from exc
    if not rows:
        raise InputError(f"{file}: the example file has no rows")
    return rows


def _columns(rows: list[dict[str, Any]]) -> list[str]:
    seen: dict[str, None] = {}
    for row in rows:
        seen.update(dict.fromkeys(row))
    return list(seen)


def apply_mapping(
    rows: list[dict[str, Any]], mapping: Mapping[str, str] | None, *, source: str = "rows"
) -> list[dict[str, Any]]:
    """Rename columns: ``{field: column}`` builds each row as ``{field: row[column]}``.

    With no mapping the rows come back unchanged. A column missing from any row raises
    :class:`InputError` naming ``source``, the column, the row and the columns that exist.
    """
    if not mapping:
        return [dict(row) for row in rows]
    out = []
    for number, row in enumerate(rows, start=1):
        missing = [column for column in mapping.values() if column not in row]
        if missing:
            where = "" if all(missing[0] not in r for r in rows) else f" (row {number})"
            raise InputError(
                f"{source}: mapped column {missing[0]!r} not found{where}; "
                f"columns are {', '.join(map(repr, _columns(rows)))}",
                hint="fix the field mapping or the file's header",
            )
        out.append({field: row[column] for field, column in mapping.items()})
    return out


def load_examples(path: str | Path, mapping: Mapping[str, str] | None = None) -> list[dict[str, Any]]:
    """Rows of an example file with the field mapping applied."""
    return apply_mapping(read_rows(path), mapping, source=str(path))


def exemplars_for(index: int, k: int, n_examples: int, seed: int = 0) -> list[int]:
    """Row numbers of the ``k`` distinct examples seed ``index`` shows.

    Pure and deterministic; over seeds ``0..N-1`` every row is shown ``floor(N*k/n)`` or
    ``ceil(N*k/n)`` times.
    """
    if k == 0:
        return []
    if n_examples < 1:
        raise ConfigError("exemplars need at least one example row")
    if not 0 < k <= n_examples:
        raise ConfigError(f"cannot show {k} distinct examples out of {n_examples}")
    return balanced_indices(index, n_values=n_examples, per_record=k, key=f"{seed}:examples")
