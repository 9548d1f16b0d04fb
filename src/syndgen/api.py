"""The SDK: plain functions over the building blocks, used by the CLI and by Python callers."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from syndgen.config import RunConfig, load_config
from syndgen.export.card import ExportedFile
from syndgen.export.run_export import export_run
from syndgen.faults import load as load_faults
from syndgen.kpis import compute_kpis
from syndgen.report import load_report
from syndgen.runner.run import RunResult, run_pipeline
from syndgen.runner.scheduler import ProgressCallback
from syndgen.store import RunStore
from syndgen.tabular.privacy_check import run_check as privacy_check
from syndgen.tabular.workflow import fit_file as tabular_fit
from syndgen.tabular.workflow import sample_file as tabular_sample


def default_out(name: str, seed: int) -> Path:
    return Path("runs") / f"{name}-seed{seed}"


def generate(
    config: RunConfig | str | Path | None = None,
    out: str | Path | None = None,
    *,
    overwrite: bool = False,
    export: bool = True,
    on_outcome: ProgressCallback | None = None,
) -> RunResult:
    """Run (or resume) a generation and export its data; returns the run's result."""
    if not isinstance(config, RunConfig):
        path = Path(config) if config is not None else None
        name = path.stem if path else "run"
        config = load_config(path)
    else:
        name = "run"
    run_dir = Path(out) if out is not None else default_out(name, config.seed)
    result = run_pipeline(config, run_dir, overwrite=overwrite, on_outcome=on_outcome)
    if export:
        export_run(run_dir)
    return result


def inspect_run(run_dir: str | Path) -> dict[str, Any]:
    """The run's KPIs, coverage and diversity, and its identity, as plain data."""
    store = RunStore.open_existing(Path(run_dir))
    try:
        kpis = compute_kpis(store)
        config = store.config()
        report = load_report(store) or {}

        return {
            "run_dir": str(run_dir),
            "config_hash": store.get_meta("config_hash"),
            "target": config.get("count"),
            "task": config.get("task", {}).get("kind"),
            "generator": config.get("generator", {}).get("model"),
            "critic": (config.get("critic") or config.get("generator", {})).get("model"),
            **kpis,
            **report,
            "faults": load_faults(store),
        }
    finally:
        store.close()


def ingest_documents(
    paths: list[Path] | list[str],
    index: str | Path,
    *,
    progress: Callable[[int, int, str], None] | None = None,
) -> Any:
    """Build or update the document index at ``index``; returns what changed and what failed."""
    from syndgen.embed import get_embedder
    from syndgen.extras import require
    from syndgen.grounding.index import ingest

    require("docs", "syndgen ingest")
    return ingest([Path(p) for p in paths], Path(index), embedder=get_embedder(), progress=progress)


def validate(
    synthetic: str | Path,
    reference: str | Path,
    *,
    metrics: str | list[str] | None = None,
    text_field: str | None = None,
    messages: bool = False,
    label_field: str | None = None,
    clusters: int | None = None,
    bias_terms: str | Path | None = None,
    seed: int = 0,
    json_path: str | Path | None = None,
    html_path: str | Path | None = None,
) -> dict[str, Any]:
    """Measure a synthetic set against real data; returns the report (see ``syndgen validate``).

    ``json_path`` / ``html_path``: also write the JSON and the self-contained HTML report.
    """
    from syndgen.validation.html import write_html
    from syndgen.validation.report import write_json
    from syndgen.validation.run import Options, parse_metrics, validate_sets

    options = Options(
        metrics=parse_metrics(metrics),
        text_field=text_field,
        messages=messages,
        label_field=label_field,
        clusters=clusters,
        seed=seed,
        bias_terms=Path(bias_terms) if bias_terms is not None else None,
    )
    result = validate_sets(synthetic, reference, options)
    if json_path is not None:
        write_json(result.report, Path(json_path))
    if html_path is not None:
        write_html(result.report, result.plots, Path(html_path))
    return result.report


__all__ = [
    "ExportedFile",
    "default_out",
    "export_run",
    "generate",
    "ingest_documents",
    "inspect_run",
    "privacy_check",
    "tabular_fit",
    "tabular_sample",
    "validate",
]
