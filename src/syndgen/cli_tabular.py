"""The ``syndgen tabular`` (DP synthesis) and ``syndgen privacy`` (k-anonymity, budget) commands.

``register`` adds both sub-apps to the main app; the main module passes its error handler, so
every :class:`~syndgen.errors.SyndgenError` here is the same one ``error:`` line and exit code.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

CHECK_FAILED_EXIT = 1

out_console = Console()
err_console = Console(stderr=True)

tabular_app = typer.Typer(
    help="Differentially private synthesis of tables (CSV, Parquet).", no_args_is_help=True
)
privacy_app = typer.Typer(
    help="k-anonymity, l-diversity, re-identification risk, the budget.", no_args_is_help=True
)

LedgerOption = Annotated[
    Path | None,
    typer.Option(
        help="privacy budget ledger (default $SYNDGEN_LEDGER or ~/.local/share/syndgen/privacy-ledger.json)"
    ),
]


def _say(text: str) -> None:
    out_console.print(text, highlight=False, soft_wrap=True, markup=False)


def fit(
    source: Annotated[Path, typer.Argument(help="the real table: .csv or .parquet")],
    epsilon: Annotated[float, typer.Option(help="privacy loss epsilon, 0.1 to 10")],
    out: Annotated[Path, typer.Option(help="model folder to write")],
    delta: Annotated[
        float | None, typer.Option(help="delta (default 1e-6 when a category list must be learnt, else 0)")
    ] = None,
    synthesizer: Annotated[str, typer.Option(help="mst | aim")] = "mst",
    schema: Annotated[Path | None, typer.Option(help="column types (YAML); others are inferred")] = None,
    drop: Annotated[list[str] | None, typer.Option(help="an identifier column to drop (repeatable)")] = None,
    ledger: LedgerOption = None,
    budget_epsilon: Annotated[float | None, typer.Option(help="set this data set's total epsilon")] = None,
    budget_delta: Annotated[float | None, typer.Option(help="set this data set's total delta")] = None,
) -> None:
    """Fit a differentially private synthesizer on a table; the spend goes in the budget ledger."""
    from syndgen.tabular.ledger import Ledger
    from syndgen.tabular.workflow import fit_file

    err_console.print(f"fitting {synthesizer.upper()} at epsilon {epsilon:g} ...", highlight=False)
    result = fit_file(
        source,
        out,
        epsilon=epsilon,
        delta=delta,
        synthesizer=synthesizer,
        schema_file=schema,
        drop=drop or [],
        ledger=Ledger(ledger),
        budget=(budget_epsilon, budget_delta),
    )
    if result.schema.dropped:
        _say(f"dropped identifier columns: {', '.join(result.schema.dropped)}")
    if result.estimated_bounds:
        _say(f"DP-estimated bounds (10% of epsilon): {', '.join(result.estimated_bounds)}")
    _say(
        f"wrote {result.model_dir} in {result.seconds:.1f} s "
        f"(epsilon {result.epsilon:g}, delta {result.delta:g})"
    )
    b = result.balance
    _say(
        f"budget: spent epsilon {b.spent_epsilon:g} of {b.total_epsilon:g}, "
        f"delta {b.spent_delta:g} of {b.total_delta:g} over {b.fits} fits"
    )


def sample(
    model_dir: Annotated[Path, typer.Argument(help="a model folder written by `syndgen tabular fit`")],
    count: Annotated[int, typer.Option(help="rows to draw")],
    out: Annotated[Path, typer.Option(help="file to write: .parquet or .csv")],
    seed: Annotated[int, typer.Option(help="random seed; same seed, same rows")] = 0,
) -> None:
    """Draw synthetic rows from a DP model (post-processing: no budget is spent)."""
    from syndgen.tabular.workflow import sample_file

    path = sample_file(model_dir, count, out, seed=seed)
    _say(f"wrote {path} ({count} rows)")


def _class_table(title: str, report: dict[str, Any], key: str) -> Table:
    table = Table(title=title)
    for name in report["quasi_identifiers"]:
        table.add_column(name)
    table.add_column("rows")
    if key == "below_l":
        table.add_column("distinct sensitive")
    for cls in report[key]:
        cells = [str(cls["values"][n]) for n in report["quasi_identifiers"]] + [str(cls["size"])]
        if key == "below_l":
            cells.append(str(cls["distinct_sensitive"]))
        table.add_row(*cells)
    return table


def _show(report: dict[str, Any], label: str) -> None:
    verdict = "ok" if report["k_ok"] else "BELOW TARGET"
    _say(
        f"{label}: k = {report['k']} (target {report['k_target']}: {verdict}); {report['classes']} classes, "
        f"{report['classes_below_k']} below k holding {report['rows_below_k']} of {report['rows']} rows"
    )
    if report["below_k"]:
        out_console.print(_class_table("classes below k", report, "below_k"))
    if report["l"] is not None:
        verdict = "ok" if report["l_ok"] else "BELOW TARGET"
        _say(
            f"{label}: l = {report['l']} for {report['sensitive']} (target {report['l_target']}: {verdict}); "
            f"{report['classes_below_l']} classes below l"
        )
        if report["below_l"]:
            out_console.print(_class_table("classes below l", report, "below_l"))


def _write_json(path: Path, payload: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    with os.fdopen(handle, "w", encoding="utf-8") as f:
        json.dump(payload, f, indent=2, default=str)
        f.write("\n")
    os.replace(tmp, path)


def check(
    data: Annotated[Path, typer.Argument(help="the table to check: .csv or .parquet")],
    quasi_identifiers: Annotated[str, typer.Option(help="quasi-identifier columns, comma-separated")],
    k: Annotated[int, typer.Option("--k", help="k-anonymity target")] = 5,
    l: Annotated[int | None, typer.Option("--l", help="l-diversity target (needs --sensitive)")] = None,  # noqa: E741
    sensitive: Annotated[str | None, typer.Option(help="the sensitive column for l-diversity")] = None,
    generalise: Annotated[
        bool, typer.Option(help="generalise the quasi-identifiers until k is reached")
    ] = False,
    max_suppression: Annotated[float, typer.Option(help="share of rows generalisation may remove")] = 0.05,
    truncate: Annotated[
        str | None, typer.Option(help="columns to truncate rather than bin, comma-separated")
    ] = None,
    generalised_out: Annotated[Path | None, typer.Option(help="write the generalised table here")] = None,
    real: Annotated[Path | None, typer.Option(help="DATA is synthetic: the real table it was fit on")] = None,
    holdout: Annotated[
        Path | None, typer.Option(help="real rows the synthesizer never saw (DCR baseline)")
    ] = None,
    json_path: Annotated[Path | None, typer.Option("--json", help="write the report as JSON")] = None,
) -> None:
    """k-anonymity and l-diversity of a table; with --real, the synthetic table's match and DCR risk.

    Exits 1 when the table (or, with --generalise, the generalised table) misses k or l."""
    from syndgen.tabular.privacy_check import run_check

    payload = run_check(
        data,
        quasi_identifiers,
        k=k,
        l=l,
        sensitive=sensitive,
        generalise=(generalise, max_suppression, truncate, generalised_out),
        real=real,
        holdout=holdout,
    )
    _show(payload["report"], str(data))
    if "generalised" in payload:
        g = payload["generalised"]
        _say(
            f"generalised: precision loss {g['info_lost']['precision_loss']:.2f}, "
            f"{g['info_lost']['suppressed_rows']} rows suppressed; levels {g['info_lost']['levels']}"
        )
        _show(g["report"], "generalised")
    for key, value in payload.get("risk", {}).items():
        items = value.items() if isinstance(value, dict) else [("", value)]
        for sub, item in items:
            if sub != "columns":
                _say(f"risk: {key}{'.' + sub if sub else ''} = {item}")
    if json_path is not None:
        _write_json(json_path, payload)
        _say(f"wrote {json_path}")
    final = payload["generalised"]["report"] if "generalised" in payload else payload["report"]
    if not (final["k_ok"] and final["l_ok"]):
        raise typer.Exit(CHECK_FAILED_EXIT)


def budget(
    data: Annotated[Path, typer.Argument(help="the source table whose budget to show or set")],
    ledger: LedgerOption = None,
    total_epsilon: Annotated[float | None, typer.Option(help="set the total epsilon")] = None,
    total_delta: Annotated[float | None, typer.Option(help="set the total delta")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """Show (or set) the privacy budget of a data set: total, spent, and every fit."""
    from syndgen.tabular.workflow import budget_info

    info = budget_info(data, ledger, total=(total_epsilon, total_delta))
    if as_json:
        sys.stdout.write(json.dumps(info, indent=2) + "\n")
        return
    _say(
        f"{data}: epsilon {info['spent_epsilon']:g} spent of {info['total_epsilon']:g}, "
        f"delta {info['spent_delta']:g} of {info['total_delta']:g} "
        f"({len(info['fits'])} fits; ledger {info['ledger']})"
    )
    for f in info["fits"]:
        _say(
            f"  epsilon {f['epsilon']:g}, delta {f['delta']:g}, "
            f"{f.get('synthesizer', '')} -> {f.get('model', '')}"
        )


def register(app: typer.Typer, guard: Callable[[Callable[..., Any]], Callable[..., Any]]) -> None:
    """Add ``tabular`` and ``privacy`` to ``app``; ``guard`` turns errors into one line."""
    tabular_app.command("fit")(guard(fit))
    tabular_app.command("sample")(guard(sample))
    privacy_app.command("check")(guard(check))
    privacy_app.command("budget")(guard(budget))
    app.add_typer(tabular_app, name="tabular")
    app.add_typer(privacy_app, name="privacy")
