"""Reading JSON Lines files: one JSON object a line, blank lines skipped, one error line per fault."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from syndgen.errors import InputError


def read_jsonl(path: Path, *, encoding: str = "utf-8-sig") -> list[dict[str, Any]]:
    """The objects of ``path`` in file order (see :func:`read_numbered_jsonl`)."""
    return [row for _, row in read_numbered_jsonl(path, encoding=encoding)]


def read_numbered_jsonl(path: Path, *, encoding: str = "utf-8-sig") -> list[tuple[int, dict[str, Any]]]:
    """The objects of ``path`` in file order, each with its line number (from 1).

    A missing or unreadable file, a line that is not JSON or a line that is not a JSON object is
    one :class:`InputError` naming the file and the line.
    """
    try:
        handle = path.open(encoding=encoding)
    except FileNotFoundError:
        raise InputError(f"file not found: {path}") from None
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}") from None
    rows: list[tuple[int, dict[str, Any]]] = []
    with handle:
        try:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                try:
                    row = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise InputError(f"{path}: line {number} is not valid JSON ({exc.msg})") from None
                if not isinstance(row, dict):
                    raise InputError(
                        f"{path}: line {number} is a JSON {type(row).__name__}, not an object",
                        hint="write one JSON object per line",
                    )
                rows.append((number, row))
        except UnicodeDecodeError as exc:
            raise InputError(f"{path} is not UTF-8 text ({exc.reason})") from None
    return rows
