"""The job process: one job, one process, the SDK's own run and export.

It runs :func:`syndgen.runner.run.run_pipeline` (the function behind ``syndgen run``) into the
job's run folder, then :func:`syndgen.export.run_export.export_run`, as the CLI does. It reports
to the event log and writes ``progress.json`` after each committed seed and ``outcome.json``
when it ends. SIGTERM stops it the way Ctrl-C stops the CLI (committed seeds are kept; a resume
goes on from there); it also stops when the server process is gone.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Any

from syndgen.backends.stream import TokenDelta, set_listener
from syndgen.errors import SyndgenError
from syndgen.records import SeedOutcome
from syndgen.rundir import atomic_write_text
from syndgen.server import jobs as files
from syndgen.server.events import EventLog
from syndgen.server.intake import with_secrets

STOPPED_EXIT = 130
WATCH_S = 0.5


def _on_sigterm(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def _watch_server(server_pid: int) -> None:
    """Stop this job (as SIGTERM does) once the server that started it is gone."""
    while True:
        time.sleep(WATCH_S)
        try:
            os.kill(server_pid, 0)
        except ProcessLookupError:
            os.kill(os.getpid(), signal.SIGTERM)
            return
        except PermissionError:  # pragma: no cover - pid reused by another user's process
            os.kill(os.getpid(), signal.SIGTERM)
            return


def _redirect_output(folder: Path) -> None:
    fd = os.open(folder / files.LOG, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)


RATIONALE_CHARS = 400


def fates(outcome: SeedOutcome) -> list[dict[str, Any]]:
    """What became of each attempt of a committed seed (pure): its role, the critic's score and
    rationale, the verifiers' results, its rejections, and whether it was kept."""
    kept = outcome.sample.attempt.attempt_no if outcome.sample else None
    verdicts = {v.attempt_no: v for v in outcome.verdicts}
    out = []
    for attempt in outcome.attempts:
        verdict = verdicts.get(attempt.attempt_no)
        out.append(
            {
                "attempt_no": attempt.attempt_no,
                "role": attempt.role,
                "kept": attempt.attempt_no == kept,
                "score": verdict.score if verdict else None,
                "rationale": verdict.rationale[:RATIONALE_CHARS] if verdict else "",
                "checks": {c.name: c.status for c in attempt.checks},
                "rejections": [
                    {"stage": r.stage, "reason": r.reason}
                    for r in outcome.rejections
                    if r.attempt_no == attempt.attempt_no
                ],
            }
        )
    return out


class Reporter:
    """The run's callbacks: events and ``progress.json``."""

    def __init__(self, folder: Path, events: EventLog, target: int) -> None:
        self.folder, self.events, self.target = folder, events, target
        self.started = time.time()
        self.resumed = 0

    def _progress(self, samples: int, attempts: int) -> None:
        data = {
            "samples": samples,
            "attempts": attempts,
            "target": self.target,
            "resumed_samples": self.resumed,
            "session_started_at": self.started,
            "updated_at": time.time(),
        }
        atomic_write_text(self.folder / files.PROGRESS, json.dumps(data))
        self.events.append("progress", **{k: data[k] for k in ("samples", "attempts", "target")})

    def on_start(self, done: int, target: int, seeds: int) -> None:
        self.resumed = done
        self.events.append("start", samples=done, target=target, seeds_done=seeds)
        self._progress(done, 0)

    def on_outcome(self, outcome: SeedOutcome, samples: int, attempts: int) -> None:
        self.events.append(
            "outcome",
            seed_index=outcome.seed.index,
            accepted=outcome.accepted,
            question=outcome.question.text if outcome.question else None,
            attempts=len(outcome.attempts),
            rejections=[{"stage": r.stage, "reason": r.reason} for r in outcome.rejections],
            fates=fates(outcome),
        )
        self._progress(samples, attempts)

    def on_token(self, delta: TokenDelta) -> None:
        self.events.append(
            "token",
            stream=delta.stream,
            channel=delta.channel,
            text=delta.text,
            format=delta.format,
            model=delta.model,
            seed=delta.seed,
        )


def execute(folder: Path, config_data: dict[str, Any], secrets: dict[str, str]) -> dict[str, Any]:
    """Run (or resume) the job and export it; returns the outcome (also on failure)."""
    from syndgen.export.run_export import export_run
    from syndgen.runner.run import run_pipeline

    events = EventLog(folder / files.EVENTS)
    try:
        config = with_secrets(config_data, secrets)
        reporter = Reporter(folder, events, config.count)
        set_listener(reporter.on_token)
        try:
            result = run_pipeline(
                config, folder / files.RUN, on_outcome=reporter.on_outcome, on_start=reporter.on_start
            )
        finally:
            set_listener(None)
        written = export_run(folder / files.RUN)
        state = "done" if result.complete else "incomplete"
        outcome: dict[str, Any] = {
            "state": state,
            "samples": result.samples,
            "attempts": result.attempts,
            "target": result.target,
            "exports": [f.path for f in written],
            "exit_code": 0,
        }
        if not result.complete:
            outcome["error"] = (
                f"stopped at the attempt cap ({result.attempt_cap} attempts) with "
                f"{result.samples}/{result.target} samples; resume with a higher max_attempts"
            )
    except SyndgenError as exc:
        outcome = {"state": "failed", "error": str(exc), "exit_code": exc.exit_code}
    except KeyboardInterrupt:
        outcome = {"state": "stopped", "exit_code": STOPPED_EXIT}
    events.append("end", **outcome)
    events.close()
    atomic_write_text(folder / files.OUTCOME, json.dumps(outcome))
    return outcome


def main(folder: str, config_data: dict[str, Any], secrets: dict[str, str], server_pid: int) -> None:
    """The process target. The exit status is the CLI's for the same end."""
    path = Path(folder)
    signal.signal(signal.SIGTERM, _on_sigterm)
    signal.signal(signal.SIGINT, _on_sigterm)
    _redirect_output(path)
    threading.Thread(target=_watch_server, args=(server_pid,), daemon=True).start()
    outcome = execute(path, config_data, secrets)
    sys.stdout.flush()
    os._exit(int(outcome.get("exit_code") or 0))
