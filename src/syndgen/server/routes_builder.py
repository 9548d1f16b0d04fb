"""The API's routes for building a run: check a config without queuing it (the same checks and
one-line messages as ``POST /v1/jobs`` and the CLI), and the template library (list, show)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import FastAPI, Query, Request
from fastapi.concurrency import run_in_threadpool

from syndgen.server.body import read_body
from syndgen.server.intake import Submission, submit, submit_template
from syndgen.server.settings import ServerSettings


async def read_submission(request: Request, settings: ServerSettings, template: str | None) -> Submission:
    """A posted config (or a template plus the posted keys) checked as a job would be."""
    body = await read_body(request, settings.max_body)
    if template:
        return await run_in_threadpool(submit_template, template, body, settings.allowed_dirs)
    return await run_in_threadpool(submit, body, settings.allowed_dirs)


def _template_row(template: Any) -> dict[str, Any]:
    return {
        "name": template.name,
        "domain": template.domain,
        "task": template.task,
        "kind": template.kind,
        "axes": template.axes,
        "description": template.description,
        "origin": template.origin,
    }


def template_detail(name: str) -> dict[str, Any]:
    from syndgen.templates_lib import get_template, template_config
    from syndgen.templates_lib.show import config_yaml, rendered_prompts

    if name.endswith((".yaml", ".yml")):
        from syndgen.errors import InputError

        raise InputError(f"template {name}: give a template's name (domain/task), not a file")
    template = get_template(name)
    config = template_config(template)
    prompts = [
        {"name": prompt, "messages": [m.model_dump() for m in messages]}
        for prompt, messages in rendered_prompts(template)
    ]
    return {**_template_row(template), "config": config_yaml(template, config), "prompts": prompts}


def install(app: FastAPI, settings: ServerSettings) -> None:
    @app.post("/v1/configs/check")
    async def check_config(
        request: Request, template: Annotated[str | None, Query(max_length=200)] = None
    ) -> dict[str, Any]:
        """Validate a config (YAML or JSON body; with ``template``, keys over that template)
        exactly as a submission is, without queuing a job: 200 with what the job would be, or
        400 with the CLI's one-line message."""
        submission = await read_submission(request, settings, template)
        config = submission.config
        return {
            "ok": True,
            "count": config.count,
            "kind": config.task.kind,
            "backend": config.generator.backend,
            "config": submission.public,
        }

    @app.get("/v1/templates")
    async def list_templates() -> dict[str, Any]:
        """The template library: shipped, plugin and the server's user templates."""
        from syndgen.templates_lib import all_templates

        templates = await run_in_threadpool(all_templates)
        return {"items": [_template_row(t) for t in templates]}

    @app.get("/v1/templates/{domain}/{task}")
    async def show_template(domain: str, task: str) -> dict[str, Any]:
        """One template: its full config (every default filled in) and its prompts, rendered."""
        return await run_in_threadpool(template_detail, f"{domain}/{task}")
