"""``syndgen critic-check``: measure the configured critic on labelled rows before trusting it."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from syndgen.backends.registry import create_backend
from syndgen.config import load_config, parse_set_option
from syndgen.critic_check import LabelledRow, Report, evaluate, read_labelled, score_rows
from syndgen.errors import ConfigError
from syndgen.prompts import PromptSet
from syndgen.reasoning import join_reasoning
from syndgen.records import Attempt, Usage
from syndgen.steps.critic import judge


def critic_overrides(spec: str | None) -> dict[str, Any]:
    """``BACKEND:MODEL`` (``llamacpp:smollm2``, ``ollama:deepseek-r1:1.5b``) as config overrides."""
    if spec is None:
        return {}
    backend, sep, model = spec.partition(":")
    if not sep or not backend or not model:
        raise ConfigError(
            f"--critic {spec!r}: expected BACKEND:MODEL", hint="e.g. --critic ollama:qwen2.5:7b"
        )
    return {"critic.backend": backend, "critic.model": model}


def _table(report: Report) -> Table:
    table = Table(title=f"critic on {report.rows} labelled rows (kept when score >= {report.threshold})")
    table.add_column("figure")
    table.add_column("value", justify="right")
    table.add_row("accuracy", f"{report.accuracy:.3f}")
    table.add_row("ROC AUC", f"{report.auc:.3f}")
    table.add_row("verdicts that did not parse", str(report.unparsed))
    for key, value in report.confusion.items():
        table.add_row(key.replace("_", " "), str(value))
    for score, cell in report.per_score.items():
        table.add_row(f"score {score}", f"{cell['rows']:.0f} rows, {cell['labelled_good']:.0%} labelled good")
    for kind, cell in report.per_kind.items():
        table.add_row(f"kind {kind}", f"{cell['accuracy']:.3f} of {cell['rows']:.0f}")
    if report.exact_score_agreement is not None:
        table.add_row("exact score agreement", f"{report.exact_score_agreement:.3f}")
    return table


def _write_json(path: Path, data: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(data, fh, indent=2)
    os.replace(tmp, path)


def run_critic_check(
    labelled: Path, config: Path | None, overrides: dict[str, Any], threshold: int | None, console: Console
) -> Report:
    """Score every labelled row with the configured critic and compare with the labels."""
    cfg = load_config(config, overrides)
    bar = threshold or cfg.quality.threshold
    rows = read_labelled(labelled, bar)
    settings = cfg.critic_model
    prompts = PromptSet(cfg.prompts)
    backend = create_backend(settings)

    def one(index: int, row: LabelledRow) -> int | None:
        attempt = Attempt(
            seed_index=index,
            attempt_no=1,
            messages=(),
            raw_text=join_reasoning(row.reasoning, row.answer),
            reasoning=row.reasoning,
            answer=row.answer,
            usage=Usage(),
            latency_s=0.0,
            model="labelled",
        )
        verdict = judge(
            attempt, row.question, prompts=prompts, backend=backend, settings=settings, run_seed=cfg.seed
        )
        return verdict.score

    progress = Progress(
        TextColumn("[bold]judging"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=console
    )
    try:
        with progress:
            task = progress.add_task("judging", total=len(rows))
            scores = score_rows(
                rows, one, lambda: progress.advance(task), workers=backend.capabilities.parallel
            )
    finally:
        backend.close()
    return evaluate(rows, scores, bar)


Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]


def register(app: typer.Typer, handle_errors: Decorator, out_console: Console, err_console: Console) -> None:
    @app.command("critic-check")
    @handle_errors
    def critic_check(
        labelled: Annotated[
            Path, typer.Argument(help="JSONL rows: question, answer, reasoning, label or score")
        ],
        critic: Annotated[
            str | None, typer.Option(help="critic as BACKEND:MODEL (default: the config's critic)")
        ] = None,
        config: Annotated[Path | None, typer.Option(help="run config whose critic to check")] = None,
        threshold: Annotated[
            int | None,
            typer.Option(
                min=1, max=5, help="score a row needs to count as kept (default: quality.threshold)"
            ),
        ] = None,
        set_: Annotated[list[str] | None, typer.Option("--set", help="config override KEY=VALUE")] = None,
        json_out: Annotated[
            Path | None, typer.Option("--json", help="also write the figures as JSON")
        ] = None,
    ) -> None:
        """Measure the critic on labelled rows: accuracy, AUC, confusion table, figures per score."""
        overrides = dict(parse_set_option(item) for item in set_ or [])
        overrides.update(critic_overrides(critic))
        report = run_critic_check(labelled, config, overrides, threshold, err_console)
        out_console.print(_table(report))
        if json_out is not None:
            _write_json(json_out, report.as_dict())
