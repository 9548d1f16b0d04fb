"""The supervisor: the queue, one process per job, and what a restart finds.

It lives on the server's event loop and is the only writer of job records. Every tick it reaps
job processes that ended (the record takes the state their ``outcome.json`` reports, or
``interrupted`` when the process was killed) and starts queued jobs, oldest first, while fewer
than ``max_running`` run (and fewer than ``max_embedded`` of those load a model in process).

Job processes come from a ``forkserver`` that has imported the pipeline once, so a start costs a
fork, not an interpreter start; a job's crash or SIGKILL ends only that process.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import os
import signal
import time
from dataclasses import dataclass
from multiprocessing.context import ForkServerContext
from multiprocessing.process import BaseProcess
from typing import Any

from syndgen.errors import RunStateError
from syndgen.runlock import LOCK_NAME, RunLock
from syndgen.server import jobs as files
from syndgen.server.events import append_event
from syndgen.server.intake import Submission
from syndgen.server.jobs import ACTIVE, RESUMABLE, JobFolders, JobRecord, new_id
from syndgen.server.settings import ServerSettings

TICK_S = 0.05
STOP_WAIT_S = 10.0
_PRELOAD = [
    "syndgen.server.worker",
    "syndgen.runner.run",
    "syndgen.export.run_export",
    # imported by every run (the report and dedup); loaded once here, not once per job
    "sentence_transformers",
]


class JobNotFound(LookupError):
    pass


class JobConflict(RuntimeError):
    """The job is in a state that does not allow the request (HTTP 409)."""


@dataclass
class _Running:
    process: BaseProcess
    started: float


def _context() -> ForkServerContext:
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(_PRELOAD)
    return ctx


def is_embedded(public: dict[str, Any]) -> bool:
    sides = [public.get("generator"), public.get("critic")]
    return any(isinstance(s, dict) and s.get("backend", "llamacpp") == "llamacpp" for s in sides)


class Supervisor:
    def __init__(self, settings: ServerSettings) -> None:
        self.settings = settings
        self.folders = JobFolders(settings.jobs_dir)
        self.jobs: dict[str, JobRecord] = {r.id: r for r in self.folders.load_all()}
        self._running: dict[str, _Running] = {}
        self._secrets: dict[str, dict[str, str]] = {}
        self._ctx = _context()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False

    # ------------------------------------------------------------------ records

    def _put(self, record: JobRecord, event: bool = True) -> JobRecord:
        self.folders.save(record)
        if event and (old := self.jobs.get(record.id)) is not None and old.state != record.state:
            append_event(self.folders.folder(record.id) / files.EVENTS, "state", state=record.state)
        self.jobs[record.id] = record
        return record

    def get(self, job_id: str) -> JobRecord:
        record = self.jobs.get(job_id)
        if record is None:
            raise JobNotFound(job_id)
        return record

    # ------------------------------------------------------------------ requests

    def submit(self, submission: Submission, name: str | None) -> JobRecord:
        public = submission.public
        record = JobRecord(
            id=new_id(),
            name=(name or "job")[:100],
            state="queued",
            created_at=time.time(),
            target=submission.config.count,
            backend=str(public.get("generator", {}).get("backend", "llamacpp")),
            embedded=is_embedded(public),
        )
        self.folders.create(record, public)
        append_event(self.folders.folder(record.id) / files.EVENTS, "state", state="queued")
        self.jobs[record.id] = record
        if submission.secrets:
            self._secrets[record.id] = submission.secrets
        return record

    def cancel(self, job_id: str) -> JobRecord:
        record = self.get(job_id)
        if record.state == "queued":
            return self._put(record.model_copy(update={"state": "cancelled", "finished_at": time.time()}))
        if record.state != "running":
            raise JobConflict(f"job {job_id} is {record.state}, not queued or running")
        running = self._running.get(job_id)
        if running is not None and running.process.pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(running.process.pid, signal.SIGTERM)
        return self._put(record.model_copy(update={"cancel_requested": True}), event=False)

    def resume(self, job_id: str) -> JobRecord:
        record = self.get(job_id)
        if record.state not in RESUMABLE:
            raise JobConflict(f"job {job_id} is {record.state}; only a stopped job resumes")
        update = {"state": "queued", "error": None, "exit_code": None, "cancel_requested": False}
        return self._put(record.model_copy(update=update))

    def delete(self, job_id: str, purge: bool) -> JobRecord:
        record = self.get(job_id)
        if not record.finished:
            raise JobConflict(f"job {job_id} is {record.state}: cancel it first")
        folder = self.folders.folder(job_id)
        if purge:
            self.folders.purge(job_id)
        else:  # forgotten by the API; the run folder stays on disk
            os.replace(folder / files.RECORD, folder / "job.deleted.json")
        del self.jobs[job_id]
        self._secrets.pop(job_id, None)
        return record

    # ------------------------------------------------------------------ the loop

    def recover(self) -> None:
        """At start: jobs left ``running`` by a stopped server are queued again or marked."""
        for record in list(self.jobs.values()):
            if record.state != "running":
                continue
            self._stop_stale(record.id)
            if self.settings.resume_interrupted:
                self._put(record.model_copy(update={"state": "queued", "cancel_requested": False}))
            else:
                error = "the server stopped while the job ran; resume it"
                self._put(record.model_copy(update={"state": "interrupted", "error": error}))

    def _stop_stale(self, job_id: str) -> None:
        """A job process of the previous server that still holds its run folder is stopped."""
        run_dir = self.folders.run_dir(job_id)
        if not (run_dir / LOCK_NAME).exists():
            return
        deadline = time.monotonic() + STOP_WAIT_S
        signalled = False
        while time.monotonic() < deadline:
            try:
                RunLock(run_dir).acquire().release()
                return
            except RunStateError:
                holder = (run_dir / LOCK_NAME).read_text().strip()
                if holder.isdigit() and not signalled:
                    with contextlib.suppress(ProcessLookupError, PermissionError):
                        os.kill(int(holder), signal.SIGTERM)
                    signalled = True
                time.sleep(0.1)

    def start(self) -> None:
        self.recover()
        self._task = asyncio.get_running_loop().create_task(self._loop())

    async def _loop(self) -> None:
        while not self._stopping:
            self.tick()
            await asyncio.sleep(TICK_S)

    def tick(self) -> None:
        for job_id, running in list(self._running.items()):
            if running.process.exitcode is not None:
                self._reap(job_id, running.process.exitcode)
        self._start_queued()

    def _start_queued(self) -> None:
        free = self.settings.max_running - len(self._running)
        if free <= 0:
            return
        embedded = sum(1 for j in self._running if self.jobs[j].embedded)
        for record in sorted(self.jobs.values(), key=lambda r: (r.created_at, r.id)):
            if free <= 0:
                return
            if record.state != "queued":
                continue
            if record.embedded and embedded >= self.settings.max_embedded:
                continue
            self._launch(record)
            free -= 1
            embedded += record.embedded

    def _launch(self, record: JobRecord) -> None:
        from syndgen.server import worker

        self.folders.clear_outcome(record.id)
        folder = self.folders.folder(record.id)
        args = (str(folder), self.folders.config(record.id), self._secrets.get(record.id, {}), os.getpid())
        process = self._ctx.Process(target=worker.main, args=args, name=f"syndgen-job-{record.id}")
        process.start()
        self._running[record.id] = _Running(process, time.time())
        update = {"state": "running", "started_at": time.time(), "sessions": record.sessions + 1}
        self._put(record.model_copy(update=update))

    def _reap(self, job_id: str, code: int) -> None:
        self._running.pop(job_id).process.close()
        record = self.jobs.get(job_id)
        if record is None:
            return
        outcome = self.folders.outcome(job_id) or {}
        state = outcome.get("state")
        error = outcome.get("error")
        if code < 0 and record.cancel_requested:
            state, error = "cancelled", None
        elif code < 0:
            state = "interrupted"
            error = f"the job process was killed by signal {-code}; resume it to go on"
        elif state == "stopped":
            state = "cancelled" if record.cancel_requested else "interrupted"
        elif state not in ("done", "incomplete", "failed"):
            state = "failed"
            error = f"the job process ended with status {code} (see {files.LOG} in the job folder)"
        update = {"state": state, "error": error, "exit_code": code, "finished_at": time.time()}
        self._put(record.model_copy(update=update))

    async def stop(self) -> None:
        """Server shutdown: job processes are stopped (their seeds are kept); their records
        stay ``running`` so that the next start resumes or marks them."""
        self._stopping = True
        if self._task is not None:
            await self._task
        for running in self._running.values():
            if running.process.pid is not None:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(running.process.pid, signal.SIGTERM)
        deadline = time.monotonic() + STOP_WAIT_S
        while time.monotonic() < deadline and any(r.process.exitcode is None for r in self._running.values()):
            await asyncio.sleep(0.05)
        for running in self._running.values():
            if running.process.exitcode is None:
                running.process.kill()

    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(files.STATES, 0)
        for record in self.jobs.values():
            counts[record.state] += 1
        return counts


__all__ = ["ACTIVE", "JobConflict", "JobNotFound", "Supervisor"]
