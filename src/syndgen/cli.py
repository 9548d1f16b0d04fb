"""The command line: a thin Typer layer over the SDK.

Every :class:`SyndgenError` becomes one ``error: ...`` line on stderr and a non-zero exit; no
traceback for user mistakes.
"""

from __future__ import annotations

import functools
import json
import sqlite3
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar, cast

import typer
import yaml
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

try:  # typer >= 0.26 parses with its own copy of click
    from typer._click import exceptions as cli_errors
except ImportError:  # pragma: no cover - older typer runs on click itself
    from click import exceptions as cli_errors  # type: ignore[no-redef]

from syndgen import cli_audit, cli_critic, cli_distill, cli_prompts, cli_redact, cli_serve, cli_templates
from syndgen.api import default_out, inspect_run
from syndgen.cli_tables import coverage_table, pairs, summary_rows
from syndgen.cli_tabular import register as register_tabular
from syndgen.cli_validate import validate_cmd
from syndgen.config import RunConfig, load_config, parse_set_option
from syndgen.errors import SyndgenError
from syndgen.export.run_export import export_run
from syndgen.records import SeedOutcome
from syndgen.runner.run import RunResult, run_pipeline

EXIT_CODES = (
    "Exit codes: 0 done; 1 other errors (and ingest when a file failed, export with no rows); "
    "2 config, input or usage; 3 backend; 4 unparseable model output; 5 stopped at the attempt cap "
    "before the target (the kept data is written); 6 coverage check failed (the data is written); "
    "130 interrupted (rerun to resume)."
)
ATTEMPT_CAP_EXIT = 5
COVERAGE_EXIT = 6

app = typer.Typer(
    help="syndgen: synthetic training data with reasoning traces, a critic, and SFT/DPO exports.",
    epilog=EXIT_CODES,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

out_console = Console()
err_console = Console(stderr=True)
F = TypeVar("F", bound=Callable[..., Any])


def handle_errors(func: F) -> F:
    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except SyndgenError as exc:
            _error(str(exc))
            raise typer.Exit(exc.exit_code) from None
        except sqlite3.DatabaseError as exc:  # a store damaged while it was being read
            _error(f"the run store is damaged: {exc}")
            raise typer.Exit(2) from None
        except KeyboardInterrupt:
            err_console.print("interrupted: rerun the same command to resume", highlight=False)
            raise typer.Exit(130) from None

    return cast(F, wrapper)


def _error(message: str) -> None:
    err_console.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)


# --------------------------------------------------------------------------- run / demo


def _execute(
    source: Path | RunConfig | None, name: str, overrides: dict[str, Any], out: Path | None, overwrite: bool
) -> None:
    config = source if isinstance(source, RunConfig) else load_config(source, overrides)
    run_dir = out or default_out(name, config.seed)
    progress = Progress(
        TextColumn("[bold]generating"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("samples · {task.fields[attempts]} attempts · {task.fields[rejected]} rejected"),
        TimeElapsedColumn(),
        console=err_console,
        transient=False,
    )
    task_id = progress.add_task("run", total=config.count, attempts=0, rejected=0)

    def on_start(done: int, target: int, seeds: int) -> None:
        if seeds:
            plural = "seed" if seeds == 1 else "seeds"
            err_console.print(
                f"resuming {run_dir}: {done}/{target} samples already kept from {seeds} {plural}"
            )
        progress.update(task_id, completed=done)
        progress.start()  # only once the run folder and the models are known to be good

    def on_outcome(outcome: SeedOutcome, samples: int, attempts: int) -> None:
        progress.update(
            task_id, completed=min(samples, config.count), attempts=attempts, rejected=attempts - samples
        )

    try:
        result = run_pipeline(config, run_dir, overwrite=overwrite, on_outcome=on_outcome, on_start=on_start)
    finally:
        progress.stop()
    files = export_run(run_dir)
    _print_summary(result, [f.path for f in files])
    if not result.complete:
        _error(
            f"stopped at the attempt cap ({result.attempt_cap} attempts) with "
            f"{result.samples}/{result.target} samples; the kept data is written "
            f"(rerun with --set max_attempts=N above {result.attempt_cap} to go on, or use a stronger model)"
        )
        raise typer.Exit(ATTEMPT_CAP_EXIT)
    _check_coverage(result.run_dir)


def _check_coverage(run_dir: Path) -> None:
    """A run whose kept data misses the plan's coverage bar says so and exits non-zero."""
    info = inspect_run(run_dir)
    if info.get("coverage_ok") is False:
        from syndgen.report import coverage_failures

        failures = "; ".join(coverage_failures(info))
        err_console.print(f"[bold red]coverage check failed:[/] {failures}", highlight=False)
        raise typer.Exit(COVERAGE_EXIT)


def _print_summary(result: RunResult, files: list[str]) -> None:
    info = inspect_run(result.run_dir)
    table = Table(title=f"run {result.run_dir}", show_header=False)
    for key, value in summary_rows(info, result.target):
        table.add_row(key, value)
    out_console.print(table)
    for path in files:
        out_console.print(f"wrote {result.run_dir / path}", highlight=False, soft_wrap=True)
    out_console.print(f"card  {result.run_dir / 'README.md'}", highlight=False, soft_wrap=True)


@app.command()
@handle_errors
def demo(
    count: Annotated[int, typer.Option(help="accepted samples wanted")] = 10,
    out: Annotated[Path | None, typer.Option(help="run folder (default runs/demo-seed<S>)")] = None,
    seed: Annotated[int, typer.Option(help="random seed; same seed, same dataset")] = 0,
    task: Annotated[
        str,
        typer.Option(help="qa: critic-judged Q&A; math/code: program-verified answers, student-gated"),
    ] = "qa",
    overwrite: Annotated[bool, typer.Option(help="start over if --out holds another run")] = False,
) -> None:
    """Generate records with reasoning on the embedded model: no server, no key, no config."""
    from syndgen.presets import demo_preset

    preset = demo_preset(task)
    name = "demo" if task == "qa" else f"demo-{task}"
    _execute(preset, name, {"count": count, "seed": seed}, out, overwrite)


@app.command()
@handle_errors
def run(
    config: Annotated[Path | None, typer.Argument(help="run config (YAML)")] = None,
    template: Annotated[
        str | None, typer.Option(help="run a template instead: DOMAIN/TASK (see: syndgen templates list)")
    ] = None,
    count: Annotated[int | None, typer.Option(help="accepted samples wanted")] = None,
    seed: Annotated[int | None, typer.Option(help="random seed")] = None,
    out: Annotated[Path | None, typer.Option(help="run folder (default runs/<config>-seed<S>)")] = None,
    workers: Annotated[int | None, typer.Option(help="seeds processed concurrently")] = None,
    overwrite: Annotated[bool, typer.Option(help="start over if --out holds another run")] = False,
    index: Annotated[
        Path | None, typer.Option(help="grounded runs: the index built by `syndgen ingest`")
    ] = None,
    set_: Annotated[list[str] | None, typer.Option("--set", help="override a key: KEY=VALUE")] = None,
    executor: Annotated[
        Literal["local", "ray"] | None, typer.Option(help="where seeds run: this process or a Ray cluster")
    ] = None,
    ray_address: Annotated[
        str | None,
        typer.Option(help="Ray: auto | HOST:PORT | ray://HOST:PORT (default: a cluster on 127.0.0.1)"),
    ] = None,
    workers_per_node: Annotated[int | None, typer.Option(help="Ray: actors on each node")] = None,
) -> None:
    """Run a generation from a config file or a template; rerun the same command to resume."""
    overrides: dict[str, Any] = dict(parse_set_option(item) for item in set_ or [])
    # A flag given on the command line wins over --set; one not given leaves --set alone.
    flags = {
        "count": count,
        "seed": seed,
        "workers": workers,
        "executor.kind": executor,
        "executor.address": ray_address,
        "executor.workers_per_node": workers_per_node,
    }
    overrides.update({key: value for key, value in flags.items() if value is not None})
    if index is not None:
        overrides["grounding.index"] = str(index)
    cli_templates.run_config_or_template(_execute, config, template, overrides, out, overwrite)


@app.command("export")
@handle_errors
def export_cmd(
    run_dir: Annotated[Path, typer.Argument(help="run folder")],
    format: Annotated[
        str,
        typer.Option(
            "--format",
            help="sft | dpo (TRL), openai | anthropic, table (one column per field), or a plugin's",
        ),
    ] = "sft",
    to: Annotated[Literal["jsonl", "parquet", "csv"], typer.Option(help="file format")] = "jsonl",
    output: Annotated[
        Path | None,
        typer.Option(
            help="file to write, outside the run folder or under RUN/data/ (default RUN/data/FORMAT.EXT)"
        ),
    ] = None,
    reasoning: Annotated[
        Literal["inline", "strip", "field"] | None,
        typer.Option(help="keep the trace inline in <think>, strip it, or put it in its own column"),
    ] = None,
    force: Annotated[
        bool, typer.Option(help="replace an existing --output file that syndgen did not write")
    ] = False,
) -> None:
    """Export a run as SFT chat messages or DPO preference pairs."""
    files = export_run(run_dir, formats=[format], to=[to], reasoning=reasoning, output=output, force=force)
    if not files:
        why = " (DPO needs a seed with a rejected attempt and an accepted one)" if format == "dpo" else ""
        err_console.print(f"[yellow]warning:[/] no {format} rows in {run_dir}{why}", highlight=False)
        raise typer.Exit(1)
    for f in files:
        target = output or run_dir / f.path
        out_console.print(f"wrote {target} ({f.rows} rows)", highlight=False, soft_wrap=True)


@app.command("inspect")
@handle_errors
def inspect_cmd(
    run_dir: Annotated[Path, typer.Argument(help="run folder")],
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """Show a run's counts and KPIs."""
    info = inspect_run(run_dir)
    if as_json:
        sys.stdout.write(json.dumps(info, indent=2) + "\n")
        return
    table = Table(title=f"run {run_dir}", show_header=False)
    for key, value in info.items():
        if key in ("coverage", "coverage_skew", "diversity", "leakage"):
            continue
        table.add_row(key, pairs(value) if isinstance(value, dict) else str(value))
    out_console.print(table)
    if info.get("diversity"):
        out_console.print(f"diversity: {pairs(info['diversity'])}", highlight=False)
    cli_audit.print_run_leakage(info.get("leakage"), out_console)
    if info.get("coverage"):
        table, verdict = coverage_table(info)
        out_console.print(table)
        out_console.print(verdict, highlight=False)


@app.command()
@handle_errors
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="files or folders: PDF, Markdown, text, HTML, DOCX")],
    index: Annotated[Path, typer.Option(help="index folder to build or update")],
    config: Annotated[
        Path | None, typer.Option(help="a run config: its privacy.pii redacts PII before indexing")
    ] = None,
) -> None:
    """Build or update a document index for grounded generation (unchanged files are skipped)."""
    from syndgen.embed import get_embedder
    from syndgen.grounding.index import ingest as ingest_paths

    redactor = cli_redact.ingest_redactor(load_config(config)) if config is not None else None

    with Progress(
        TextColumn("[bold]ingesting"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=err_console,
    ) as progress:
        files_id = progress.add_task("files", total=None)
        step_id = progress.add_task("", total=None, visible=False)

        def on_file(done: int, total: int, source: str) -> None:
            progress.update(files_id, completed=done, total=total, description=source)
            progress.update(step_id, visible=False)

        def on_step(done: int, total: int, what: str) -> None:
            progress.update(step_id, completed=done, total=total, description=what, visible=True)

        report = ingest_paths(
            paths, index, embedder=get_embedder(), progress=on_file, step=on_step, redactor=redactor
        )
    for label, items in (("added", report.added), ("updated", report.updated), ("removed", report.removed)):
        for source in items:
            out_console.print(f"{label:9} {source}", highlight=False, soft_wrap=True)
    for source, why in report.duplicates:
        out_console.print(f"duplicate {source}: {why}", highlight=False)
    out_console.print(
        f"index {index}: version {report.index_version}, {report.chunks_total} chunks; "
        f"{len(report.added)} added, {len(report.updated)} updated, {len(report.unchanged)} unchanged, "
        f"{len(report.failed)} failed",
        highlight=False,
    )
    if redactor is not None:
        out_console.print(cli_redact.counts_line(redactor.info["mode"], report.redacted), highlight=False)
    for source, why in report.failed:
        err_console.print(f"[bold red]failed:[/] {escape(source)}: {escape(why)}", highlight=False)
    if report.failed:
        raise typer.Exit(1)


@app.command("config")
@handle_errors
def config_cmd(
    config: Annotated[Path | None, typer.Argument(help="run config (YAML); none: the defaults")] = None,
    schema: Annotated[
        bool, typer.Option(help="print the config's JSON schema, with every description")
    ] = False,
) -> None:
    """Validate a config and print it with every default filled in (or the JSON schema)."""
    if schema:
        from syndgen.config_reference import json_schema

        sys.stdout.write(json.dumps(json_schema(), indent=2) + "\n")
        return
    resolved = load_config(config)
    sys.stdout.write(yaml.safe_dump(resolved.public_dict(), sort_keys=False, allow_unicode=True))


app.command("validate")(handle_errors(validate_cmd))


cli_prompts.register(app, handle_errors, out_console)
cli_critic.register(app, handle_errors, out_console, err_console)
cli_templates.register(app, handle_errors, out_console, err_console, _execute)
cli_distill.register(app, handle_errors, out_console, err_console)
cli_serve.register(app, handle_errors, out_console, err_console)
cli_redact.register(app, handle_errors, out_console, err_console)
cli_audit.register(app, handle_errors, out_console, err_console)
register_tabular(app, handle_errors)


def main(argv: list[str] | None = None) -> None:
    """The ``syndgen`` entry point. A bad flag or argument is one ``error:`` line and exit 2,
    not Click's usage box."""
    command = typer.main.get_command(app)
    try:
        code = command.main(args=argv, prog_name="syndgen", standalone_mode=False)
    except cli_errors.NoArgsIsHelpError as exc:
        sys.stderr.write(exc.format_message() + "\n")
        code = exc.exit_code
    except cli_errors.UsageError as exc:
        where = exc.ctx.command_path if exc.ctx is not None else "syndgen"
        message = exc.format_message().replace("Value error, ", "")
        _error(f"{message} (see {where} --help)")
        code = exc.exit_code
    except cli_errors.ClickException as exc:
        _error(exc.format_message())
        code = exc.exit_code
    except typer.Abort:
        err_console.print("interrupted: rerun the same command to resume", highlight=False)
        code = 130
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":
    main()
