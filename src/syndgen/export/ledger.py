"""The run folder's record of the files its exports wrote outside ``RUN/data/``.

``syndgen export --output FILE`` replaces an existing ``FILE`` only when syndgen wrote it: a file
under the run's ``data/`` folder, or one listed in ``RUN/exports.json`` with the sha256 and size it
had when this run's export wrote it. A file the user made, or edited since, needs ``--force``. The
ledger is plain JSON (``{absolute path: {"sha256": ..., "bytes": ...}}``), written atomically.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from pathlib import Path
from typing import Any

from syndgen.rundir import EXPORTS_NAME, atomic_write_text


def _digest(path: Path) -> tuple[str, int]:
    sha = hashlib.sha256()
    size = 0
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            sha.update(block)
            size += len(block)
    return sha.hexdigest(), size


def _read(run_dir: Path) -> dict[str, Any]:
    try:
        data = json.loads((run_dir / EXPORTS_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def wrote_export(run_dir: Path, target: Path) -> bool:
    """Whether ``target`` (resolved) is, byte for byte, a file this run's export wrote."""
    entry = _read(run_dir).get(str(target))
    if not isinstance(entry, dict) or not target.is_file():
        return False
    sha, size = _digest(target)
    return bool(entry.get("sha256") == sha and entry.get("bytes") == size)


def remember_export(run_dir: Path, target: Path) -> None:
    """Record ``target`` (resolved, just written) as this run's export."""
    ledger = _read(run_dir)
    sha, size = _digest(target)
    ledger[str(target)] = {"sha256": sha, "bytes": size}
    # A run folder that cannot be written (read-only media) keeps no ledger: the export itself
    # succeeded, and the next one over the same file only needs --force.
    with contextlib.suppress(OSError):
        atomic_write_text(run_dir / EXPORTS_NAME, json.dumps(ledger, indent=1, sort_keys=True) + "\n")
