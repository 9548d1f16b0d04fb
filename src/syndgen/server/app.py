"""The HTTP layer: FastAPI routes over the supervisor and the SDK, auth and limits.

Every route is thin: intake (:mod:`.intake`) validates a config with the CLI's own functions,
the supervisor (:mod:`.queue`) owns job state, reads go through :mod:`.reads`, exports through
:func:`syndgen.export.run_export.export_run`. Errors are one JSON line ``{"error": ...}``: a
:class:`SyndgenError` is a 4xx with its message, anything unexpected a 500 without a traceback.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any, Literal

from fastapi import FastAPI, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, StreamingResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from syndgen.errors import (
    ConfigError,
    ExportError,
    InputError,
    MissingExtraError,
    RunStateError,
    SyndgenError,
)
from syndgen.server import jobs as files
from syndgen.server import reads, routes_builder, routes_review
from syndgen.server.auth import install_auth
from syndgen.server.body import TooLarge
from syndgen.server.events import tail
from syndgen.server.jobs import STATES
from syndgen.server.queue import JobConflict, JobNotFound, Supervisor
from syndgen.server.routes_builder import read_submission
from syndgen.server.settings import ServerSettings
from syndgen.store import STORE_NAME

log = logging.getLogger("syndgen.server")
_STATUS = {ConfigError: 400, InputError: 400, MissingExtraError: 400, RunStateError: 409, ExportError: 409}


def _error(status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status, headers=headers)


def _install_handlers(app: FastAPI, settings: ServerSettings) -> None:
    @app.exception_handler(SyndgenError)
    async def syndgen_error(request: Request, exc: SyndgenError) -> JSONResponse:
        status = next((code for cls, code in _STATUS.items() if isinstance(exc, cls)), 400)
        return _error(status, str(exc))

    @app.exception_handler(JobNotFound)
    async def not_found(request: Request, exc: JobNotFound) -> JSONResponse:
        return _error(404, f"unknown job: {exc.args[0]}")

    @app.exception_handler(JobConflict)
    async def conflict(request: Request, exc: JobConflict) -> JSONResponse:
        return _error(409, str(exc))


def _install_http_handlers(app: FastAPI, settings: ServerSettings) -> None:
    @app.exception_handler(TooLarge)
    async def too_large(request: Request, exc: TooLarge) -> JSONResponse:
        return _error(413, f"request body over {settings.max_body} bytes")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return _error(exc.status_code, str(exc.detail), dict(exc.headers or {}))

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()))
        return _error(422, f"{where}: {first.get('msg', 'invalid request')}")

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return _error(500, f"internal error ({type(exc).__name__}); the server log has the details")


def create_app(settings: ServerSettings) -> FastAPI:
    supervisor = Supervisor(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        supervisor.start()
        yield
        await supervisor.stop()

    app = FastAPI(
        title="syndgen",
        summary="Synthetic training-data jobs: submit a run config, watch it, download its exports.",
        version="1",
        lifespan=lifespan,
    )
    app.state.supervisor = supervisor
    _install_handlers(app, settings)
    _install_http_handlers(app, settings)
    install_auth(app, settings)
    _job_routes(app, supervisor, settings)
    _data_routes(app, supervisor)
    routes_review.install(app, supervisor)
    routes_builder.install(app, settings)
    from syndgen.server.ui import routes as ui_routes

    ui_routes.install(app, supervisor, settings)
    return app


StateFilter = Literal["queued", "running", "done", "incomplete", "failed", "cancelled", "interrupted"]


def _job_routes(app: FastAPI, sup: Supervisor, settings: ServerSettings) -> None:
    @app.get("/v1/health")
    async def health() -> dict[str, Any]:
        return {"ok": True, "jobs": sup.counts(), "max_running": settings.max_running}

    @app.post("/v1/jobs", status_code=201)
    async def create_job(
        request: Request,
        name: Annotated[str | None, Query(max_length=100)] = None,
        template: Annotated[str | None, Query(max_length=200, description="DOMAIN/TASK")] = None,
    ) -> Any:
        """Submit a run config (YAML or JSON body); the job is queued. With ``template``, the
        body (may be empty) holds keys laid over that template's config."""
        submission = await read_submission(request, settings, template)
        return sup.submit(submission, name or (template.replace("/", "-") if template else None)).model_dump()

    @app.get("/v1/jobs")
    async def list_jobs(
        state: Annotated[list[StateFilter] | None, Query()] = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
        offset: Annotated[int, Query(ge=0)] = 0,
    ) -> dict[str, Any]:
        wanted = set(state or STATES)
        records = [r for r in sup.jobs.values() if r.state in wanted]
        records.sort(key=lambda r: (r.created_at, r.id))
        page = records[offset : offset + limit]
        items = [{**r.model_dump(), "progress": sup.folders.progress(r.id)} for r in page]
        return {"total": len(records), "offset": offset, "limit": limit, "items": items}

    @app.get("/v1/jobs/{job_id}")
    async def get_job(job_id: str) -> dict[str, Any]:
        record = sup.get(job_id)
        progress = sup.folders.progress(job_id)
        return await run_in_threadpool(reads.detail, record, sup.folders.run_dir(job_id), progress)

    @app.post("/v1/jobs/{job_id}/cancel")
    async def cancel_job(job_id: str) -> dict[str, Any]:
        return sup.cancel(job_id).model_dump()

    @app.post("/v1/jobs/{job_id}/resume")
    async def resume_job(job_id: str) -> dict[str, Any]:
        return sup.resume(job_id).model_dump()

    @app.delete("/v1/jobs/{job_id}")
    async def delete_job(job_id: str, purge: bool = False) -> dict[str, Any]:
        """Forget a finished job; ``purge=true`` also removes its folder and data."""
        record = sup.delete(job_id, purge)
        return {"deleted": record.id, "purged": purge}

    @app.get("/v1/jobs/{job_id}/events")
    async def job_events(
        job_id: str,
        request: Request,
        from_: Annotated[int | None, Query(alias="from", ge=0)] = None,
    ) -> StreamingResponse:
        """Server-sent events: state, start, progress, outcome, token, end."""
        sup.get(job_id)
        last = request.headers.get("last-event-id", "")
        start = from_ if from_ is not None else (int(last) if last.isdigit() else 0)

        def finished() -> bool:
            record = sup.jobs.get(job_id)
            return record is None or record.finished

        path = sup.folders.folder(job_id) / files.EVENTS
        headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
        return StreamingResponse(tail(path, start, finished), media_type="text/event-stream", headers=headers)


def _data_routes(app: FastAPI, sup: Supervisor) -> None:
    @app.get("/v1/jobs/{job_id}/samples")
    async def job_samples(
        job_id: str,
        limit: Annotated[int, Query(ge=1, le=reads.MAX_PAGE)] = 50,
        offset: Annotated[int, Query(ge=0)] = 0,
        topic: str | None = None,
        min_score: Annotated[int | None, Query(ge=1, le=5)] = None,
        q: Annotated[str | None, Query(max_length=200)] = None,
    ) -> dict[str, Any]:
        sup.get(job_id)
        run_dir = sup.folders.run_dir(job_id)
        return await run_in_threadpool(
            reads.samples, run_dir, limit=limit, offset=offset, topic=topic, min_score=min_score, q=q
        )

    @app.get("/v1/jobs/{job_id}/rejections")
    async def job_rejections(
        job_id: str,
        limit: Annotated[int, Query(ge=1, le=reads.MAX_PAGE)] = 50,
        offset: Annotated[int, Query(ge=0)] = 0,
        stage: str | None = None,
        reason: str | None = None,
    ) -> dict[str, Any]:
        sup.get(job_id)
        run_dir = sup.folders.run_dir(job_id)
        return await run_in_threadpool(
            reads.rejections, run_dir, limit=limit, offset=offset, stage=stage, reason=reason
        )

    @app.get("/v1/jobs/{job_id}/exports/{format}")
    async def job_export(
        job_id: str,
        format: str,
        to: Literal["jsonl", "parquet"] = "jsonl",
        reasoning: Literal["inline", "strip", "field"] | None = None,
    ) -> Response:
        """Download the job's data in an export format (sft, dpo, openai, anthropic, a plugin's)."""
        from syndgen.export.registry import exporter_names
        from syndgen.export.run_export import export_run

        record = sup.get(job_id)
        if format not in exporter_names():
            names = ", ".join(exporter_names())
            return _error(404, f"unknown export format '{format}' (choose one of {names})")
        if not record.finished:
            raise JobConflict(f"job {job_id} is {record.state}: exports come once it stops")
        run_dir = sup.folders.run_dir(job_id)
        if not (run_dir / STORE_NAME).is_file():
            return _error(404, f"job {job_id} has no data (it {record.state} before its first seed)")
        written = await run_in_threadpool(export_run, run_dir, formats=[format], to=[to], reasoning=reasoning)
        if not written:
            return _error(404, f"job {job_id} has no {format} rows")
        path = (run_dir / written[0].path).resolve()
        if not path.is_relative_to(run_dir.resolve()):
            return _error(404, "export not found")
        media = "application/x-ndjson" if to == "jsonl" else "application/vnd.apache.parquet"
        return FileResponse(path, media_type=media, filename=f"{job_id}-{format}.{to}")
