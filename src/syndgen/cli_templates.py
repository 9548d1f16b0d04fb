"""``syndgen templates list|show|new`` and ``syndgen generate`` (a template run in the platform's
words): a thin layer over :mod:`syndgen.templates_lib`."""

from __future__ import annotations

import math
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

try:  # typer >= 0.26 parses with its own copy of click
    from typer._click import exceptions as cli_errors
except ImportError:  # pragma: no cover - older typer runs on click itself
    from click import exceptions as cli_errors  # type: ignore[no-redef]
from rich.table import Table

from syndgen.config import parse_set_option
from syndgen.errors import InputError
from syndgen.templates_lib import (
    Template,
    all_templates,
    get_template,
    read_template,
    template_config,
    user_folders,
)

Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]
Execute = Callable[[Any, str, dict[str, Any], "Path | None", bool], None]
"""``(config path or RunConfig, name, overrides, out, overwrite)``: runs into a run folder and
prints the summary (``cli._execute``)."""

DirOption = Annotated[
    list[Path] | None, typer.Option("--dir", help="a folder of user templates (DOMAIN/TASK.yaml); repeatable")
]
QUALITY_HELP = (
    "keep a record only when its critic score s (1-5) has (s-1)/4 >= Q, i.e. quality.threshold = "
    "ceil(1 + 4Q): 0.85 -> 5, 0.75 -> 4, 0.5 -> 3. Verifiers (the domain validators, tests) are "
    "pass/fail at any Q: a failed one always rejects"
)


def critic_threshold(quality: float) -> int:
    """The lowest critic score (1-5) a 0-1 quality bar keeps: ceil(1 + 4q) (pure)."""
    if not 0 <= quality <= 1:
        raise typer.BadParameter("--quality-threshold must be between 0 and 1")
    return max(1, min(5, math.ceil(round(1 + 4 * quality, 9))))


def template_overrides(count: int | None, seed: int | None, set_: list[str] | None) -> dict[str, Any]:
    """``--set`` items, then the flags given (a flag wins over ``--set``)."""
    overrides: dict[str, Any] = dict(parse_set_option(item) for item in set_ or [])
    overrides.update({k: v for k, v in {"count": count, "seed": seed}.items() if v is not None})
    return overrides


def run_template(
    execute: Execute,
    name: str,
    overrides: dict[str, Any],
    out: Path | None,
    overwrite: bool,
    dirs: list[Path] | None = None,
) -> None:
    template = get_template(name, dirs or [])
    config = template_config(template, overrides)
    execute(config, f"{template.domain}-{template.task}", {}, out, overwrite)


def run_config_or_template(
    execute: Execute,
    config: Path | None,
    template: str | None,
    overrides: dict[str, Any],
    out: Path | None,
    overwrite: bool,
) -> None:
    """``syndgen run``: a config file, or ``--template`` (exactly one of them)."""
    if config is None and template is None:
        raise cli_errors.UsageError("Missing argument 'CONFIG' (or --template DOMAIN/TASK)")
    if config is not None and template is not None:
        raise cli_errors.UsageError("give a config file or --template DOMAIN/TASK, not both")
    if template is not None:
        run_template(execute, template, overrides, out, overwrite)
    elif config is not None:
        execute(config, config.stem, overrides, out, overwrite)


def create_template(
    name: str,
    examples: Path | None,
    domain: str | None,
    base: str | None,
    to: Path | None,
    overwrite: bool,
) -> tuple[Path, Template]:
    """Write a user template (inferred from ``examples``, or copied from template ``base``) and
    load it back; one that would not run is refused."""
    from syndgen.templates_lib import infer

    dom, task = infer.split_name(name, domain)
    rows = infer.read_examples(examples) if examples is not None else None
    if base is not None:
        data = infer.from_template(get_template(base).data, dom, task, rows)
    elif rows is not None:
        data = infer.infer_template(rows, dom, task)
    else:
        raise InputError("give --from EXAMPLES.jsonl, --from-template NAME, or both")
    folder = to or next(iter(user_folders()), Path("templates"))
    path = infer.write_template(data, folder, overwrite=overwrite)
    template = read_template(path)
    template_config(template)
    return path, template


def register(
    app: typer.Typer, handle_errors: Decorator, out_console: Console, err_console: Console, execute: Execute
) -> None:
    templates_app = typer.Typer(
        help="The template library: ready-to-run configs per domain and task.", no_args_is_help=True
    )
    app.add_typer(templates_app, name="templates")

    @templates_app.command("list")
    @handle_errors
    def list_cmd(dirs: DirOption = None) -> None:
        """List the templates: shipped ones, user folders (--dir, SYNDGEN_TEMPLATES), plugins."""
        table = Table(title="syndgen templates")
        for column in ("name", "kind", "axes", "origin", "description"):
            table.add_column(column, overflow="fold")
        for t in all_templates(dirs or []):
            table.add_row(t.name, t.kind, ", ".join(t.axes) or "-", t.origin, t.description)
        out_console.print(table)

    @templates_app.command("show")
    @handle_errors
    def show_cmd(
        name: Annotated[str, typer.Argument(help="DOMAIN/TASK (see: syndgen templates list)")],
        dirs: DirOption = None,
    ) -> None:
        """Print a template's full run config and every prompt its kind sends, rendered."""
        from syndgen.templates_lib.show import config_yaml, rendered_prompts

        template = get_template(name, dirs or [])
        sys.stdout.write(f"# {template.name} ({template.origin}: {template.path})\n")
        sys.stdout.write(config_yaml(template, template_config(template)))
        for prompt, messages in rendered_prompts(template):
            out_console.rule(f"[bold]prompt {prompt}")
            for message in messages:
                out_console.print(f"<<{message.role}>>", markup=False, highlight=False)
                out_console.print(message.content, markup=False, highlight=False)

    @templates_app.command("new")
    @handle_errors
    def new_cmd(
        name: Annotated[str, typer.Argument(help="DOMAIN/TASK, or TASK with --domain")],
        from_: Annotated[
            Path | None,
            typer.Option("--from", help="example records (JSONL): schema, axes and few-shot seeds"),
        ] = None,
        domain: Annotated[str | None, typer.Option(help="the domain, when NAME is only the task")] = None,
        from_template: Annotated[
            str | None, typer.Option(help="start from this template (DOMAIN/TASK)")
        ] = None,
        to: Annotated[
            Path | None,
            typer.Option(
                help="folder to write in (default: first SYNDGEN_TEMPLATES folder, else ./templates)"
            ),
        ] = None,
        overwrite: Annotated[bool, typer.Option(help="replace an existing template file")] = False,
    ) -> None:
        """Create a user template from example records (--from) and/or a template (--from-template)."""
        path, template = create_template(name, from_, domain, from_template, to, overwrite)
        folder = path.parent.parent
        out_console.print(
            f"wrote {path} (kind {template.kind}, axes: {', '.join(template.axes) or '-'})", highlight=False
        )
        out_console.print(
            f"run it: syndgen run --template {path}   or list it: syndgen templates list --dir {folder}",
            highlight=False,
            soft_wrap=True,
        )

    @app.command("generate")
    @handle_errors
    def generate_cmd(
        domain: Annotated[str, typer.Option(help="the template's domain (see: syndgen templates list)")],
        task: Annotated[str, typer.Option(help="the template's task, e.g. clinical-notes")],
        count: Annotated[int | None, typer.Option(help="accepted records wanted")] = None,
        quality_threshold: Annotated[float | None, typer.Option(help=QUALITY_HELP)] = None,
        seed: Annotated[int | None, typer.Option(help="random seed")] = None,
        out: Annotated[
            Path | None, typer.Option(help="run folder (default runs/DOMAIN-TASK-seed<S>)")
        ] = None,
        overwrite: Annotated[bool, typer.Option(help="start over if --out holds another run")] = False,
        set_: Annotated[list[str] | None, typer.Option("--set", help="override a key: KEY=VALUE")] = None,
        dirs: DirOption = None,
    ) -> None:
        """Run the template DOMAIN/TASK: the same as `syndgen run --template DOMAIN/TASK`."""
        overrides = template_overrides(count, seed, set_)
        if quality_threshold is not None:
            overrides["quality.threshold"] = critic_threshold(quality_threshold)
        run_template(execute, f"{domain}/{task}", overrides, out, overwrite, dirs)
