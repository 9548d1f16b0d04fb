"""The web UI's pages, served at ``/`` by the API's own FastAPI app.

Pages are Jinja templates rendered on the server from the same functions the API's reads use
(:mod:`syndgen.server.reads`, :mod:`~syndgen.server.records`, :mod:`~syndgen.server.quality`);
htmx refreshes their tables, and the live monitor follows the job's server-sent events. Every
action a page takes (submit, cancel, resume, review) is a ``fetch`` of a public ``/v1`` route,
so a script can do anything the UI does. Static files ship in the package: htmx (BSD-0, its
licence beside it) and the page scripts; plotly.js comes from the installed ``plotly`` package.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from syndgen.errors import InputError
from syndgen.server import records as record_reads
from syndgen.server.queue import Supervisor
from syndgen.server.settings import ServerSettings
from syndgen.server.ui import views

HERE = Path(__file__).parent
STATIC = HERE / "static"
STATIC_FILES = {
    "app.css",
    "app.js",
    "monitor.js",
    "review.js",
    "builder.js",
    "quality.js",
    "privacy.js",
    "htmx.min.js",
}
KINDS = ("qa", "math", "code", "structured", "conversation", "grounded")
BACKENDS = ("llamacpp", "dryrun", "ollama", "openai")
Page = Callable[..., HTMLResponse]
"""``page(request, template_name, **context)``: a rendered page."""


def _templates() -> Jinja2Templates:
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    env = templates.env
    env.filters["duration"] = views.duration
    env.filters["pct"] = lambda v: "—" if v is None else f"{100 * v:.0f}%"
    env.filters["tojson_attr"] = lambda v: json.dumps(v, ensure_ascii=False)
    return templates


def plotly_js() -> Path | None:
    """plotly.min.js from the installed ``plotly`` package (the ``serve`` extra), if any."""
    try:
        import plotly
    except ImportError:
        return None
    path = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    return path if path.is_file() else None


def install(app: FastAPI, sup: Supervisor, settings: ServerSettings) -> None:
    templates = _templates()

    def page(request: Request, name: str, **context: Any) -> HTMLResponse:
        context.setdefault("section", name.split(".")[0])
        return templates.TemplateResponse(request, name, context)

    @app.get("/ui/static/{name}", include_in_schema=False)
    async def static(name: str) -> Response:
        if name == "plotly.min.js" and (path := plotly_js()) is not None:
            return FileResponse(
                path, media_type="text/javascript", headers={"Cache-Control": "max-age=86400"}
            )
        if name not in STATIC_FILES:
            return Response("not found", status_code=404, media_type="text/plain")
        media = "text/css" if name.endswith(".css") else "text/javascript"
        return FileResponse(STATIC / name, media_type=media, headers={"Cache-Control": "no-cache"})

    _run_pages(app, sup, page)
    _record_pages(app, sup, page)
    _library_pages(app, sup, page)


def _rows(sup: Supervisor) -> list[dict[str, Any]]:
    records = sorted(sup.jobs.values(), key=lambda r: (r.created_at, r.id), reverse=True)
    return [
        views.job_row(r, sup.folders.progress(r.id), views.store_counts(sup.folders.run_dir(r.id)))
        for r in records
    ]


def _job(sup: Supervisor, job_id: str) -> dict[str, Any]:
    record = sup.get(job_id)
    row = views.job_row(record, sup.folders.progress(job_id), views.store_counts(sup.folders.run_dir(job_id)))
    return {**row, "config": sup.folders.config(job_id)}


def _run_pages(app: FastAPI, sup: Supervisor, page: Page) -> None:
    @app.get("/", include_in_schema=False)
    async def runs_page(request: Request) -> HTMLResponse:
        rows = await run_in_threadpool(_rows, sup)
        return page(request, "runs.html", rows=rows)

    @app.get("/ui/fragments/runs", include_in_schema=False)
    async def runs_fragment(request: Request) -> HTMLResponse:
        rows = await run_in_threadpool(_rows, sup)
        return page(request, "_runs_table.html", rows=rows)

    @app.get("/new", include_in_schema=False)
    async def new_page(request: Request, template: str | None = None) -> HTMLResponse:
        from syndgen.templates_lib import all_templates

        library = await run_in_threadpool(all_templates)
        return page(
            request,
            "new.html",
            templates=library,
            chosen=template,
            kinds=KINDS,
            backends=BACKENDS,
            section="new",
        )

    @app.get("/jobs/{job_id}", include_in_schema=False)
    async def job_page(job_id: str) -> RedirectResponse:
        sup.get(job_id)
        return RedirectResponse(f"/jobs/{job_id}/monitor", status_code=307)

    @app.get("/jobs/{job_id}/monitor", include_in_schema=False)
    async def monitor_page(request: Request, job_id: str) -> HTMLResponse:
        job = await run_in_threadpool(_job, sup, job_id)
        return page(request, "monitor.html", job=job, tab="monitor", section="runs")

    @app.get("/jobs/{job_id}/quality", include_in_schema=False)
    async def quality_page(request: Request, job_id: str) -> HTMLResponse:
        from syndgen.server import quality

        job = await run_in_threadpool(_job, sup, job_id)
        data = await run_in_threadpool(quality.dashboard, sup.folders.run_dir(job_id))
        return page(request, "quality.html", job=job, data=data, tab="quality", section="runs")

    @app.get("/jobs/{job_id}/privacy", include_in_schema=False)
    async def privacy_page(request: Request, job_id: str) -> HTMLResponse:
        from syndgen.server.privacy import privacy_view

        job = await run_in_threadpool(_job, sup, job_id)
        data = await run_in_threadpool(privacy_view, sup.folders.run_dir(job_id))
        return page(request, "privacy.html", job=job, data=data, tab="privacy", section="runs")


def _filter(params: dict[str, str]) -> record_reads.RecordFilter:
    def num(key: str) -> int | None:
        value = params.get(key, "")
        return int(value) if value.isdigit() else None

    verified = {"yes": True, "no": False}.get(params.get("verified", ""))
    privacy = {"yes": True, "no": False}.get(params.get("privacy", ""))
    keys = ("status", "role", "topic", "axis", "reason", "difficulty", "review", "q")
    text = {k: (params.get(k) or None) for k in keys}
    return record_reads.RecordFilter(
        min_score=num("min_score"),
        max_score=num("max_score"),
        verified=verified,
        privacy=privacy,
        **text,
    )


def _record_pages(app: FastAPI, sup: Supervisor, page: Page) -> None:
    @app.get("/jobs/{job_id}/records", include_in_schema=False)
    async def records_page(request: Request, job_id: str) -> HTMLResponse:
        job = await run_in_threadpool(_job, sup, job_id)
        params = dict(request.query_params)
        offset = int(params.get("offset", "0")) if params.get("offset", "0").isdigit() else 0
        found = _filter(params)
        listing = await run_in_threadpool(
            record_reads.list_records, sup.folders.run_dir(job_id), found, limit=50, offset=offset
        )
        name = "_records_table.html" if request.headers.get("hx-request") else "records.html"
        qs = urlencode({k: v for k, v in params.items() if k != "offset" and v})
        return page(
            request, name, job=job, listing=listing, params=params, qs=qs, tab="records", section="runs"
        )

    @app.get("/jobs/{job_id}/records/{seed_index}", include_in_schema=False)
    async def record_page(request: Request, job_id: str, seed_index: int) -> HTMLResponse:
        job = await run_in_threadpool(_job, sup, job_id)
        record = await run_in_threadpool(record_reads.record_detail, sup.folders.run_dir(job_id), seed_index)
        return page(request, "record.html", job=job, record=record, tab="records", section="runs")

    @app.get("/jobs/{job_id}/review", include_in_schema=False)
    async def review_page(
        request: Request, job_id: str, seed: int | None = None, status: str = "kept"
    ) -> HTMLResponse:
        job = await run_in_threadpool(_job, sup, job_id)
        run_dir = sup.folders.run_dir(job_id)
        wanted = status if status in ("kept", "rejected") else None
        queue = await run_in_threadpool(
            record_reads.list_records,
            run_dir,
            record_reads.RecordFilter(status=wanted),
            limit=10_000,
            offset=0,
        )
        seeds = list(dict.fromkeys(item["seed_index"] for item in queue["items"]))
        reviewed = {item["seed_index"] for item in queue["items"] if item["review"]}
        if seed is None:
            seed = next((s for s in seeds if s not in reviewed), seeds[0] if seeds else None)
        record = None
        if seed is not None:
            try:
                record = await run_in_threadpool(record_reads.record_detail, run_dir, seed)
            except InputError:
                record = None
        at = seeds.index(seed) if seed in seeds else -1
        target_no = next((i["attempt_no"] for i in queue["items"] if i["seed_index"] == seed), None)
        if record is not None and target_no is None:
            target_no = record["kept_attempt"] or max(a["attempt_no"] for a in record["attempts"])
        nav = {
            "previous": seeds[at - 1] if at > 0 else None,
            "next": seeds[at + 1] if 0 <= at < len(seeds) - 1 else None,
            "position": at + 1,
            "total": len(seeds),
            "reviewed": len(reviewed),
        }
        return page(
            request,
            "review.html",
            job=job,
            record=record if record and record["attempts"] else None,
            target_no=target_no,
            nav=nav,
            status=status,
            tab="review",
            section="runs",
        )


def _library_pages(app: FastAPI, sup: Supervisor, page: Page) -> None:
    @app.get("/templates", include_in_schema=False)
    async def templates_page(request: Request) -> HTMLResponse:
        from syndgen.templates_lib import all_templates

        library = await run_in_threadpool(all_templates)
        return page(request, "templates.html", templates=library)

    @app.get("/templates/{domain}/{task}", include_in_schema=False)
    async def template_page(request: Request, domain: str, task: str) -> HTMLResponse:
        from syndgen.server.routes_builder import template_detail

        detail = await run_in_threadpool(template_detail, f"{domain}/{task}")
        return page(request, "template.html", template=detail, section="templates")
