"""What the pages show, as plain data: a job's row on the runs page and the helpers its cells use."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Any

from syndgen.errors import SyndgenError
from syndgen.server.jobs import RESUMABLE, JobRecord
from syndgen.server.reads import eta_s
from syndgen.store import STORE_NAME, RunStore


def store_counts(run_dir: Path) -> dict[str, float]:
    """Samples, attempts and the stored wall time of a run folder (zeros before its store)."""
    if not (run_dir / STORE_NAME).is_file():
        return {"samples": 0, "attempts": 0, "wall_s": 0.0}
    try:
        store = RunStore.open_existing(run_dir)
    except (SyndgenError, sqlite3.Error):
        return {"samples": 0, "attempts": 0, "wall_s": 0.0}
    try:
        return {
            "samples": store.count("samples"),
            "attempts": store.count("attempts"),
            "wall_s": float(store.scalar("SELECT COALESCE(SUM(wall_s), 0) FROM sessions")),
        }
    finally:
        store.close()


def duration(seconds: float | None) -> str:
    """``1h 02m``, ``3m 05s``, ``12s``, or an em dash (pure)."""
    if seconds is None:
        return "—"
    seconds = round(seconds)
    if seconds >= 3600:
        return f"{seconds // 3600}h {seconds % 3600 // 60:02d}m"
    if seconds >= 60:
        return f"{seconds // 60}m {seconds % 60:02d}s"
    return f"{seconds}s"


def job_row(record: JobRecord, progress: dict[str, Any] | None, counts: dict[str, float]) -> dict[str, Any]:
    """One line of the runs page (pure apart from the clock)."""
    samples = int(counts["samples"] or (progress or {}).get("samples") or 0)
    attempts = int(counts["attempts"] or (progress or {}).get("attempts") or 0)
    wall = float(counts["wall_s"])
    if record.state == "running" and progress:
        gained = samples - int(progress.get("resumed_samples") or 0)
        elapsed = time.time() - float(progress.get("session_started_at") or time.time())
        per_hour = gained / elapsed * 3600 if elapsed > 0 and gained > 0 else None
    else:
        per_hour = samples / wall * 3600 if wall > 0 and samples else None
    return {
        "id": record.id,
        "name": record.name,
        "state": record.state,
        "backend": record.backend,
        "target": record.target,
        "samples": samples,
        "attempts": attempts,
        "percent": min(100, round(100 * samples / record.target)) if record.target else 0,
        "rejection_rate": (attempts - samples) / attempts if attempts else None,
        "per_hour": per_hour,
        "eta": duration(eta_s(record, progress)) if record.state == "running" else "—",
        "created": time.strftime("%Y-%m-%d %H:%M", time.localtime(record.created_at)),
        "error": record.error,
        "can_cancel": record.state in ("queued", "running"),
        "can_resume": record.state in RESUMABLE,
        "finished": record.finished,
    }
