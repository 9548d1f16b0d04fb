"""The job records on disk: ``WORKDIR/jobs/ID/job.json``, written only by the server.

A record is a frozen value; a change writes a new one atomically (readers see the old record or
the new one). The job's run folder is ``run/``; the job process writes ``progress.json`` and,
when it ends, ``outcome.json``; the event log is ``events.jsonl`` (:mod:`.events`).
"""

from __future__ import annotations

import json
import secrets
import shutil
import time
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from syndgen.rundir import atomic_write_text

JobState = Literal["queued", "running", "done", "incomplete", "failed", "cancelled", "interrupted"]
STATES: tuple[str, ...] = ("queued", "running", "done", "incomplete", "failed", "cancelled", "interrupted")
ACTIVE: frozenset[str] = frozenset({"queued", "running"})
RESUMABLE: frozenset[str] = frozenset({"incomplete", "failed", "cancelled", "interrupted"})

RECORD = "job.json"
CONFIG = "config.json"
RUN = "run"
PROGRESS = "progress.json"
OUTCOME = "outcome.json"
EVENTS = "events.jsonl"
LOG = "worker.log"


class JobRecord(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    name: str
    state: JobState
    created_at: float
    target: int
    backend: str
    embedded: bool
    """The job loads a model in its process (the llamacpp backend): queued under --max-embedded."""
    started_at: float | None = None
    finished_at: float | None = None
    sessions: int = 0
    exit_code: int | None = None
    error: str | None = None
    cancel_requested: bool = False

    @property
    def finished(self) -> bool:
        return self.state not in ACTIVE


def new_id() -> str:
    """Sortable by creation time, unguessable, safe as a folder name."""
    return f"{int(time.time() * 1000):012x}-{secrets.token_hex(4)}"


def read_json(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


class JobFolders:
    """Where each job's files live, and the record file's reads and writes."""

    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)

    def folder(self, job_id: str) -> Path:
        return self.root / job_id

    def run_dir(self, job_id: str) -> Path:
        return self.folder(job_id) / RUN

    def create(self, record: JobRecord, public_config: dict[str, Any]) -> None:
        folder = self.folder(record.id)
        folder.mkdir(parents=True)
        atomic_write_text(folder / CONFIG, json.dumps(public_config, indent=2))
        self.save(record)

    def save(self, record: JobRecord) -> None:
        atomic_write_text(self.folder(record.id) / RECORD, record.model_dump_json(indent=2))

    def config(self, job_id: str) -> dict[str, Any]:
        data = read_json(self.folder(job_id) / CONFIG)
        return data or {}

    def load_all(self) -> list[JobRecord]:
        """Every readable record, oldest first; a folder without a valid record is skipped."""
        records = []
        for path in sorted(self.root.glob(f"*/{RECORD}")):
            data = read_json(path)
            if data is None:
                continue
            try:
                records.append(JobRecord.model_validate(data))
            except ValidationError:
                continue
        return sorted(records, key=lambda r: (r.created_at, r.id))

    def clear_outcome(self, job_id: str) -> None:
        (self.folder(job_id) / OUTCOME).unlink(missing_ok=True)

    def outcome(self, job_id: str) -> dict[str, Any] | None:
        return read_json(self.folder(job_id) / OUTCOME)

    def progress(self, job_id: str) -> dict[str, Any] | None:
        return read_json(self.folder(job_id) / PROGRESS)

    def purge(self, job_id: str) -> None:
        shutil.rmtree(self.folder(job_id), ignore_errors=True)
