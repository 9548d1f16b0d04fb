"""``syndgen train``, ``syndgen eval`` and ``syndgen push``: the student side of the data."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]


def _progress(console: Console, what: str) -> Progress:
    return Progress(
        TextColumn(f"[bold]{what}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[info]}"),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        console=console,
    )


def _advance(bar: Progress, task: TaskID) -> Callable[[], None]:
    return lambda: bar.advance(task)


def _eval_table(report: Any) -> Table:
    table = Table(title=f"held-out eval (seed {report.seed})")
    for column in ("model", "task", "problems", "pass@1", "95% CI", "pass@k", "95% CI (k)"):
        table.add_column(column, justify="right" if column not in ("model", "task") else "left")
    for s in report.scores:
        table.add_row(
            s.model,
            s.task,
            str(s.problems),
            f"{s.pass_at_1:.3f}",
            f"{s.pass_at_1_ci.low:.3f}-{s.pass_at_1_ci.high:.3f}",
            f"{s.pass_at_k:.3f} (k={s.k})",
            f"{s.pass_at_k_ci.low:.3f}-{s.pass_at_k_ci.high:.3f}",
        )
    return table


def register(app: typer.Typer, handle_errors: Decorator, out_console: Console, err_console: Console) -> None:
    _register_train(app, handle_errors, out_console, err_console)
    _register_eval(app, handle_errors, out_console, err_console)
    _register_push(app, handle_errors, out_console)
    _register_loop(app, handle_errors, out_console, err_console)


def _register_train(
    app: typer.Typer, handle_errors: Decorator, out_console: Console, err_console: Console
) -> None:
    @app.command("train")
    @handle_errors
    def train_cmd(
        data: Annotated[list[Path], typer.Argument(help="run folders or JSONL exports")],
        student: Annotated[str, typer.Option(help="smollm2, a .gguf file or a Hugging Face model folder")],
        out: Annotated[Path, typer.Option(help="output folder (rerun to resume)")],
        method: Annotated[str, typer.Option(help="lora or full")] = "lora",
        objective: Annotated[str, typer.Option(help="sft (the sft export) or dpo (the dpo export)")] = "sft",
        epochs: Annotated[float, typer.Option()] = 1.0,
        max_steps: Annotated[int, typer.Option(help="-1: as many as the epochs take")] = -1,
        lr: Annotated[float, typer.Option()] = 2e-4,
        rank: Annotated[int, typer.Option(help="LoRA rank")] = 16,
        alpha: Annotated[int, typer.Option(help="LoRA alpha")] = 32,
        max_seq_len: Annotated[int, typer.Option()] = 512,
        batch_size: Annotated[int, typer.Option()] = 4,
        eval_split: Annotated[float, typer.Option(help="share of rows held out for eval loss")] = 0.1,
        save_steps: Annotated[int, typer.Option(help="checkpoint every N steps")] = 50,
        mix: Annotated[str | None, typer.Option(help="e.g. learnable=0.7,too_hard=0.3")] = None,
        dtype: Annotated[str, typer.Option(help="auto (bf16 where supported), bf16 or fp32")] = "auto",
        tracking_uri: Annotated[str | None, typer.Option(help="MLflow URI (default: OUT/mlruns)")] = None,
        seed: Annotated[int, typer.Option()] = 0,
        no_gguf: Annotated[bool, typer.Option("--no-gguf", help="skip the GGUF conversion")] = False,
    ) -> None:
        """Fine-tune a student (LoRA or full, SFT or DPO) on syndgen exports with TRL."""
        from pydantic import ValidationError

        from syndgen.distill.data import parse_mix
        from syndgen.distill.settings import TrainSettings
        from syndgen.distill.train import train
        from syndgen.errors import ConfigError

        try:
            settings = TrainSettings.model_validate(
                {
                    "data": [str(d) for d in data],
                    "student": student,
                    "out": str(out),
                    "method": method,
                    "objective": objective,
                    "epochs": epochs,
                    "max_steps": max_steps,
                    "lr": lr,
                    "rank": rank,
                    "alpha": alpha,
                    "max_seq_len": max_seq_len,
                    "batch_size": batch_size,
                    "eval_split": eval_split,
                    "save_steps": save_steps,
                    "mix": parse_mix(mix),
                    "dtype": dtype,
                    "tracking_uri": tracking_uri,
                    "seed": seed,
                    "gguf": not no_gguf,
                }
            )
        except ValidationError as exc:
            first = exc.errors()[0]
            raise ConfigError(
                f"--{'-'.join(map(str, first['loc'])).replace('_', '-')}: {first['msg']}"
            ) from None
        with _progress(err_console, "training") as bar:
            task = bar.add_task("train", total=None, info="loading")

            def on_progress(step: int, total: int, logs: dict[str, float]) -> None:
                bar.update(task, completed=step, total=total or None)
                if "loss" in logs:
                    bar.update(task, info=f"loss {logs['loss']:.4f}")

            summary = train(settings, on_progress)
        for key in ("steps", "first_loss", "final_loss", "eval_loss", "dtype", "seconds", "resumed_from"):
            out_console.print(f"{key:13} {summary.get(key)}", highlight=False)
        out_console.print(f"wrote {out}: {', '.join(summary['files'])}", highlight=False, soft_wrap=True)


def _register_eval(
    app: typer.Typer, handle_errors: Decorator, out_console: Console, err_console: Console
) -> None:
    @app.command("eval")
    @handle_errors
    def eval_cmd(
        models: Annotated[
            str, typer.Option(help="NAME=SPEC,...: base=smollm2,student=OUT,teacher=ollama:NAME")
        ],
        tasks: Annotated[str, typer.Option(help="math, code and/or FILE.jsonl, comma-separated")] = "math",
        n: Annotated[int, typer.Option(min=1, help="problems per task")] = 50,
        seed: Annotated[int, typer.Option(help="eval seed; keep it apart from the training run's")] = 1000,
        samples: Annotated[int, typer.Option(min=1, help="samples per problem (pass@k)")] = 1,
        k: Annotated[int, typer.Option(min=1)] = 1,
        max_tokens: Annotated[int, typer.Option(min=1)] = 256,
        temperature: Annotated[float, typer.Option(help="for samples > 1")] = 0.7,
        json_out: Annotated[Path | None, typer.Option("--json", help="write the scores as JSON")] = None,
        plot_out: Annotated[Path | None, typer.Option("--plot", help="write a PNG bar chart")] = None,
    ) -> None:
        """Score models on held-out verifiable problems: pass@1 / pass@k with 95% Wilson intervals."""
        from syndgen.distill.evaluate import answer_all, build_report, model_config, parse_models, plot
        from syndgen.distill.tasks import build_items

        items = build_items([t.strip() for t in tasks.split(",") if t.strip()], n, seed)
        specs = parse_models(models)
        settings = {"max_tokens": max_tokens, "temperature": temperature, "n_ctx": 2048}
        configs = {name: model_config(spec, settings) for name, spec in specs.items()}
        outcomes: dict[str, list[list[bool]]] = {}
        with _progress(err_console, "answering") as bar:
            for name, config in configs.items():
                task = bar.add_task(name, total=len(items) * samples, info=name)
                outcomes[name] = answer_all(config, items, samples, seed, _advance(bar, task))
        report = build_report(seed, outcomes, items, k)
        out_console.print(_eval_table(report))
        for task_name, value in report.ratios.items():
            shown = "n/a (teacher scored 0)" if value is None else f"{value:.3f}"
            out_console.print(f"student/teacher pass@1 on {task_name}: {shown}", highlight=False)
        if json_out is not None:
            json_out.parent.mkdir(parents=True, exist_ok=True)
            data = {"models": specs, **report.model_dump()}
            json_out.write_text(json.dumps(data, indent=2))
            out_console.print(f"wrote {json_out}", highlight=False, soft_wrap=True)
        if plot_out is not None:
            plot(report, plot_out)
            out_console.print(f"wrote {plot_out}", highlight=False, soft_wrap=True)


def _register_push(app: typer.Typer, handle_errors: Decorator, out_console: Console) -> None:
    @app.command("push")
    @handle_errors
    def push_cmd(
        folder: Annotated[Path, typer.Argument(help="a run folder (dataset) or a train output (model)")],
        repo: Annotated[str, typer.Option(help="ORG/NAME")],
        endpoint: Annotated[str | None, typer.Option(help="Hub URL (default: huggingface.co)")] = None,
        private: Annotated[bool, typer.Option("--private")] = False,
        token: Annotated[str | None, typer.Option(envvar="HF_TOKEN", help="default: $HF_TOKEN")] = None,
    ) -> None:
        """Upload a dataset or a student to a Hugging Face Hub, with its card."""
        from syndgen.distill.hub import push

        url = push(folder, repo, endpoint, private, token)
        out_console.print(f"pushed {folder} to {repo}: {url}", highlight=False, soft_wrap=True)


def _real_steps(items: list[Any], seed: int, train_options: dict[str, Any], console: Console) -> Any:
    from syndgen.config import load_config
    from syndgen.distill.evaluate import answer_all, build_report, model_config
    from syndgen.distill.loop import Steps
    from syndgen.distill.settings import TrainSettings
    from syndgen.distill.train import train
    from syndgen.export.run_export import export_run
    from syndgen.runner.run import run_pipeline

    def generate(config: Path, overrides: dict[str, Any], run_dir: Path) -> None:
        console.print(f"generating {run_dir}", highlight=False)
        run_pipeline(load_config(config, overrides), run_dir)
        export_run(run_dir)

    def train_step(runs: list[Path], student_dir: Path) -> None:
        console.print(f"training {student_dir}", highlight=False)
        settings = {**train_options, "data": [str(r) for r in runs], "out": str(student_dir)}
        train(TrainSettings.model_validate(settings), lambda step, total, logs: None)

    def evaluate(models: dict[str, str]) -> tuple[Any, dict[str, list[list[bool]]]]:
        settings = {"max_tokens": 256, "n_ctx": 2048}
        outcomes = {
            name: answer_all(model_config(spec, settings), items, 1, seed) for name, spec in models.items()
        }
        return build_report(seed, outcomes, items, 1), outcomes

    return Steps(generate=generate, train=train_step, evaluate=evaluate)


def _register_loop(
    app: typer.Typer, handle_errors: Decorator, out_console: Console, err_console: Console
) -> None:
    @app.command("loop")
    @handle_errors
    def loop_cmd(
        config: Annotated[Path, typer.Argument(help="run config (a math or code kind)")],
        out: Annotated[Path, typer.Option(help="output folder: round-N/run and round-N/student")],
        rounds: Annotated[int, typer.Option(min=1)] = 2,
        student: Annotated[str, typer.Option(help="the base student")] = "smollm2",
        seed: Annotated[int, typer.Option(help="the first round's generation seed")] = 1,
        tasks: Annotated[str, typer.Option(help="eval tasks")] = "math",
        n: Annotated[int, typer.Option(min=1, help="held-out problems per task")] = 50,
        eval_seed: Annotated[int, typer.Option()] = 1000,
        max_steps: Annotated[int, typer.Option()] = -1,
        epochs: Annotated[float, typer.Option()] = 1.0,
    ) -> None:
        """Generate, train, evaluate, and generate again aimed at the topics the student fails."""
        from syndgen.distill.loop import run_loop
        from syndgen.distill.tasks import build_items

        items = build_items([t.strip() for t in tasks.split(",") if t.strip()], n, eval_seed)
        options = {"student": student, "max_steps": max_steps, "epochs": epochs, "eval_split": 0.0}
        steps = _real_steps(items, eval_seed, options, err_console)

        def show(result: Any) -> None:
            aimed = ", ".join(result.topics) or "the config's topics"
            out_console.print(f"round {result.round} (aimed at {aimed})", highlight=False)
            out_console.print(_eval_table(result.report))

        run_loop(config, rounds, seed, student, out, items, steps, show)
