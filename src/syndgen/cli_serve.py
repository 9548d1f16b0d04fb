"""``syndgen serve``: the job API (see :mod:`syndgen.server`), started with uvicorn."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import SecretStr
from rich.console import Console

from syndgen.server.settings import DEFAULT_PORT, ServerSettings, default_max_running, is_loopback_host

Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]


def build_settings(
    host: str,
    port: int,
    workdir: Path,
    max_running: int | None,
    max_embedded: int,
    token: str | None,
    allow: list[Path] | None,
    resume_interrupted: bool,
) -> ServerSettings:
    secret = token or os.environ.get("SYNDGEN_TOKEN") or None
    settings = ServerSettings(
        host=host,
        port=port,
        workdir=workdir,
        max_running=max_running or default_max_running(),
        max_embedded=max_embedded,
        token=SecretStr(secret) if secret else None,
        allow=tuple(allow or ()),
        resume_interrupted=resume_interrupted,
    )
    settings.check()
    return settings


def serve(settings: ServerSettings, console: Console) -> None:
    from syndgen.server import require_serve

    require_serve()
    import uvicorn

    from syndgen.server.app import create_app

    settings.workdir.mkdir(parents=True, exist_ok=True)
    for folder in settings.allowed_dirs:
        folder.mkdir(parents=True, exist_ok=True)
    where = "loopback only" if is_loopback_host(settings.host) else "reachable from the network"
    auth = "a bearer token is required" if settings.token else "no token"
    console.print(
        f"syndgen serve on http://{settings.host}:{settings.port} ({where}; {auth}); "
        f"jobs in {settings.jobs_dir}; {settings.max_running} at once "
        f"({settings.max_embedded} with an embedded model); API docs at /docs",
        highlight=False,
        soft_wrap=True,
    )
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_level="warning")


def register(app: typer.Typer, handle_errors: Decorator, out_console: Console, err_console: Console) -> None:
    @app.command("serve")
    @handle_errors
    def serve_cmd(
        host: Annotated[str, typer.Option(help="address to bind; not loopback: --token is required")] = (
            "127.0.0.1"
        ),
        port: Annotated[int, typer.Option(help="TCP port")] = DEFAULT_PORT,
        workdir: Annotated[Path, typer.Option(help="where jobs and their data live")] = Path(
            "syndgen-server"
        ),
        max_running: Annotated[
            int | None, typer.Option(min=1, help="jobs run at once (default: 4 per core, 2 to 64)")
        ] = None,
        max_embedded: Annotated[
            int, typer.Option(min=1, help="of those, jobs on the embedded model (each loads it)")
        ] = 1,
        token: Annotated[
            str | None, typer.Option(help="bearer token every request must carry (or $SYNDGEN_TOKEN)")
        ] = None,
        allow: Annotated[
            list[Path] | None,
            typer.Option(help="folder a submitted config may read files from (default WORKDIR/inputs)"),
        ] = None,
        resume_interrupted: Annotated[
            bool,
            typer.Option(help="at start, queue again the jobs that were running when the server stopped"),
        ] = True,
    ) -> None:
        """Serve the job API: submit configs, watch their events, download their exports."""
        settings = build_settings(
            host, port, workdir, max_running, max_embedded, token, allow, resume_interrupted
        )
        serve(settings, err_console)
