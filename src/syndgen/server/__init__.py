"""``syndgen serve``: the job API over the SDK.

A job is a run. The server keeps each job in its own folder under the work directory
(``WORKDIR/jobs/ID``: ``job.json`` the server's record, ``run/`` the run folder, ``events.jsonl``
the event log) and runs it in its own process (:mod:`.worker`), so a crash or a kill of one job
never takes the server or another job down, and a server restart finds every job where it was.

Modules, one job each: :mod:`.settings` (the typed server config), :mod:`.intake` (a submitted
config, pure: parse, path policy, secrets), :mod:`.jobs` (the job records on disk),
:mod:`.events` (the event log and its server-sent-events tail), :mod:`.queue` (the supervisor:
queue, worker processes, restart recovery), :mod:`.reads` (samples, rejections, job detail),
:mod:`.app` (the FastAPI routes, auth and limits).
"""

from __future__ import annotations

from syndgen.extras import require


def require_serve() -> None:
    """Fail with the pip command when the ``serve`` extra (FastAPI, uvicorn) is missing."""
    require("serve", "syndgen serve")
