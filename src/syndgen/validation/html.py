"""The self-contained HTML report: verdict, scores, every figure, plots as inline SVG.

The page loads nothing: no script, no stylesheet, no font or image from elsewhere, so it opens
offline and can be attached to a review as one file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2

from syndgen.validation import plots as plot_lib


def figures(metrics: dict[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    """Every scalar figure of the metrics as ``(dotted.name, value)``; lists (examples) are left out."""
    found: list[tuple[str, Any]] = []
    for key, value in metrics.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            found.extend(figures(value, f"{name}."))
        elif isinstance(value, (int, float, bool)) or value is None:
            found.append((name, value))
    return found


def fmt(value: Any) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def render(report: dict[str, Any], plot_data: dict[str, Any]) -> str:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(Path(__file__).parent / "templates")),
        undefined=jinja2.StrictUndefined,
        autoescape=True,
    )
    drawn = plot_lib.text_plots(plot_data) if report["kind"] == "text" else plot_lib.table_plots(plot_data)
    per_cluster = report["metrics"].get("coverage", {}).get("per_cluster", [])
    return env.get_template("report.html.jinja").render(
        report=report,
        fmt=fmt,
        figures=figures(report["metrics"]),
        missed=[row for row in per_cluster if not row["reached"]],
        plots=drawn,
    )


def write_html(report: dict[str, Any], plot_data: dict[str, Any], path: Path) -> None:
    from syndgen.rundir import atomic_write_text

    atomic_write_text(path, render(report, plot_data))
