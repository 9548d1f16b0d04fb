"""A finished server job whose scripted generator copies its sources (planted leakage), with a
redaction entry in its audit log and an export, laid out on disk as ``syndgen serve`` keeps it."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from leakage_fixtures import copying_backend, run_config, write_inputs

from syndgen.config import RunConfig
from syndgen.export.run_export import export_run
from syndgen.privacy.audit import append_event
from syndgen.runner.build import build_context
from syndgen.runner.run import run_pipeline
from syndgen.server.jobs import JobFolders, JobRecord
from syndgen.server.settings import ServerSettings
from syndgen.store import STORE_NAME

LEAKY = "0000-leaky"
PLAIN = "0001-plain"
REDACTIONS = {"counts": {"PERSON": 3, "EMAIL_ADDRESS": 2}, "mode": "pseudonymise", "where": "examples"}


def _record(job_id: str, name: str, target: int) -> JobRecord:
    now = time.time()
    return JobRecord(
        id=job_id,
        name=name,
        state="done",
        created_at=now,
        target=target,
        backend="dryrun",
        embedded=False,
        finished_at=now,
    )


def plant_jobs(work: Path) -> ServerSettings:
    """A workdir holding the leaky job and a plain dryrun job without privacy checks."""
    settings = ServerSettings(workdir=work)
    folders = JobFolders(settings.jobs_dir)
    raw = run_config(write_inputs(work.parent / "inputs"))
    folders.create(_record(LEAKY, "leaky", raw["count"]), raw)
    config = RunConfig.model_validate(raw)
    backend = copying_backend()
    run_dir = folders.run_dir(LEAKY)
    context = build_context(config, generator=backend, critic=backend, duplicates=False)
    run_pipeline(config, run_dir, context=context)
    db = sqlite3.connect(str(run_dir / STORE_NAME), isolation_level=None)
    try:
        append_event(db, "redaction", REDACTIONS)
    finally:
        db.close()
    export_run(run_dir)
    plain = {"count": 2, "generator": {"backend": "dryrun"}, "task": {"topics": ["tides"]}}
    folders.create(_record(PLAIN, "plain", 2), plain)
    run_pipeline(RunConfig.model_validate(plain), folders.run_dir(PLAIN))
    return settings


def tamper(run_dir: Path, seq: int) -> None:
    """Edit one audit row in place, as someone with the database file could."""
    db = sqlite3.connect(str(run_dir / STORE_NAME), isolation_level=None)
    try:
        db.execute("UPDATE audit SET payload = ? WHERE seq = ?", ('{"edited":true}', seq))
    finally:
        db.close()
