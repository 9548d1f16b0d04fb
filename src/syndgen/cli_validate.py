"""``syndgen validate``: the command and its terminal table (registered in :mod:`syndgen.cli`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from syndgen.errors import InputError

out_console = Console()
err_console = Console(stderr=True)


def _fmt(value: Any) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, list):
        return ", ".join(map(str, value)) or "none"
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


KEY_FIGURES: dict[str, tuple[str, ...]] = {
    "similarity": ("mauve", "frechet_distance", "precision", "recall", "length.total_variation"),
    "coverage": ("share", "clusters", "missed"),
    "diversity": ("synthetic.distinct_2", "reference.distinct_2", "synthetic.self_similarity",
                  "reference.self_similarity", "synthetic.near_duplicate_rate"),
    "utility": ("tstr.accuracy", "trtr.accuracy", "ratio"),
    "privacy": ("dcr_ratio", "dcr_baseline_protection", "exact_copies", "near_copies"),
    "bias": ("score", "flagged"),
    "quality": ("score", "properties.Column Shapes", "properties.Column Pair Trends"),
    "diagnostic": ("score",),
}  # fmt: skip


def _get(tree: dict[str, Any], dotted: str) -> Any:
    node: Any = tree
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def report_table(report: dict[str, Any]) -> Table:
    """The terminal summary: each family's score and its key figures."""
    table = Table(
        title=f"validation of {report['synthetic']['source']} against {report['reference']['source']}"
    )
    table.add_column("family")
    table.add_column("score", justify="right")
    table.add_column("figures")
    for family, figures in KEY_FIGURES.items():
        metrics = report["metrics"].get(family)
        if metrics is None:
            continue
        shown = []
        for name in figures:
            value = _get(metrics, name)
            if value is not None:
                shown.append(f"{name} {_fmt(value)}")
        part = "similarity" if family == "quality" else family
        table.add_row(
            family, _fmt(report["scores"].get(part)) if family != "diagnostic" else "", "; ".join(shown)
        )
    return table


def _check_output(path: Path | None, flag: str) -> None:
    if path is not None and path.is_dir():
        raise InputError(f"{flag} {path} is a folder", hint="name a file to write")


def validate_cmd(
    synthetic: Annotated[
        Path, typer.Argument(help="synthetic set: JSONL, CSV, Parquet, a run folder or a datasets folder")
    ],
    reference: Annotated[Path, typer.Option(help="the real data: JSONL, CSV, Parquet or a run folder")],
    metrics: Annotated[
        str | None,
        typer.Option(
            help="comma-separated: similarity,coverage,diversity,utility,privacy,bias (default all)"
        ),
    ] = None,
    text_field: Annotated[str | None, typer.Option(help="the field holding the text (default: text)")] = None,
    messages: Annotated[bool, typer.Option(help="the text is the rows' chat messages")] = False,
    label_field: Annotated[
        str | None, typer.Option(help="a label field: label shares, utility (TSTR) and bias per group")
    ] = None,
    json_path: Annotated[Path | None, typer.Option("--json", help="write the JSON report here")] = None,
    html_path: Annotated[Path | None, typer.Option("--html", help="write the HTML report here")] = None,
    clusters: Annotated[
        int | None, typer.Option(help="reference clusters for coverage (default n/10, 2-20)")
    ] = None,
    bias_terms: Annotated[Path | None, typer.Option(help="YAML term lists: axis -> group -> words")] = None,
    seed: Annotated[int, typer.Option(help="random seed for splits, clustering and sampling")] = 0,
) -> None:
    """Measure how close, varied, useful, private and unbiased a synthetic set is against real data."""
    from syndgen.api import validate

    _check_output(json_path, "--json")
    _check_output(html_path, "--html")
    with err_console.status("validating (embedding and measuring)"):
        report = validate(
            synthetic,
            reference,
            metrics=metrics,
            text_field=text_field,
            messages=messages,
            label_field=label_field,
            clusters=clusters,
            bias_terms=bias_terms,
            seed=seed,
            json_path=json_path,
            html_path=html_path,
        )
    out_console.print(report_table(report))
    verdict = report["verdict"]
    colour = "green" if verdict["passed"] else "red"
    out_console.print(
        f"overall {_fmt(report['overall'])}: [{colour}]{verdict['summary']}[/]", highlight=False
    )
    for note in report["notes"]:
        out_console.print(f"note: {note}", highlight=False)
    for flag, path in (("json", json_path), ("html", html_path)):
        if path is not None:
            out_console.print(f"wrote {path} ({flag})", highlight=False, soft_wrap=True)
