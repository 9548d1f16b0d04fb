"""``syndgen leakage`` (a run's kept records against its sources and more files) and ``syndgen
audit`` (the run's hash-chained audit log, printed and verified)."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]
BROKEN_EXIT = 1
_HEAD = re.compile(r"head hash `([0-9a-f]{64})`")
LEAK_EXIT = 1


def published_head(run_dir: Path) -> str | None:
    """The audit head hash the run's dataset card published, if it has one."""
    from syndgen.rundir import CARD_NAME

    try:
        card = (run_dir / CARD_NAME).read_text(encoding="utf-8")
    except OSError:
        return None
    found = _HEAD.search(card)
    return found.group(1) if found else None


def audit_report(run_dir: Path) -> dict[str, Any]:
    """The run's audit log and its verification, as plain data (the store is opened read-only)."""
    from syndgen.privacy.audit import entries, head_hash, verify_chain
    from syndgen.store import RunStore

    store = RunStore.open_existing(run_dir)
    try:
        checked, broken, why = verify_chain(store.db)
        rows = entries(store.db)
        head = head_hash(store.db)
    finally:
        store.close()
    failed = next((e for e in rows if e.seq == broken), None)
    card_head = published_head(run_dir)
    if broken is None and card_head is not None and card_head not in {e.hash for e in rows}:
        broken, why = (
            len(rows) + 1,
            f"the dataset card's head hash {card_head[:16]} is not in the log (entries removed)",
        )
    return {
        "run_dir": str(run_dir),
        "entries": [
            {"seq": e.seq, "at": e.at, "kind": e.kind, "payload": e.payload, "hash": e.hash} for e in rows
        ],
        "checked": checked,
        "intact": broken is None and bool(rows),
        "broken_at": broken,
        "broken_kind": failed.kind if failed else None,
        "why": why,
        "head": head,
    }


def _summary(kind: str, payload: dict[str, Any]) -> str:
    if kind == "run":
        models = ", ".join(
            f"{role} {m.get('backend')}:{m.get('model')}"
            + (f" sha256 {m['file_sha256'][:12]}" if m.get("file_sha256") else "")
            for role, m in payload.get("models", {}).items()
        )
        event, config_hash = payload.get("event"), payload.get("config_hash")
        return f"{event} config {config_hash} syndgen {payload.get('code_version')}; {models}"
    if kind == "export":
        return f"{payload.get('path')}: {payload.get('rows')} rows, sha256 {str(payload.get('sha256'))[:16]}"
    if kind == "leakage":
        span = payload.get("span")
        where = f", {span[2]} tokens" if span else ""
        return (
            f"seed {payload.get('seed_index')} attempt {payload.get('attempt_no')} {payload.get('action')} "
            f"{payload.get('reason')}: copies {payload.get('source')} "
            f"({payload.get('measure')} {payload.get('value')}{where})"
        )
    return json.dumps(payload, sort_keys=True)[:160]


def _print_audit(report: dict[str, Any], console: Console) -> None:
    table = Table(title=f"audit log of {report['run_dir']}")
    for column in ("#", "at", "kind", "what"):
        table.add_column(column)
    for e in report["entries"]:
        table.add_row(str(e["seq"]), e["at"][:19], e["kind"], escape(_summary(e["kind"], e["payload"])))
    console.print(table)
    if report["broken_at"] is None:
        console.print(f"chain intact: {report['checked']} entries, head {report['head']}", highlight=False)


def _print_leakage(report: dict[str, Any], console: Console) -> None:
    console.print(
        f"{report['records']} records against {report['sources']} source texts and {report['eval_items']} "
        f"evaluation items: {report['leaks']} leak, {report['contaminated']} contaminated "
        f"(leak rate {report['leak_rate']:.2%})",
        highlight=False,
    )
    table = Table(title="distribution over the records")
    for column in ("measure", "min", "p5", "median", "p95", "max"):
        table.add_column(column)
    for name in (
        "span_tokens",
        "ngram_overlap",
        "minhash_jaccard",
        "embedding_distance",
        "baseline_distance",
    ):
        d = report.get(name)
        if d and d.get("n"):
            table.add_row(name, *(str(d[k]) for k in ("min", "p5", "p50", "p95", "max")))
    console.print(table)
    if report.get("closer_than_baseline_p5") is not None:
        console.print(
            "records closer to a source than the baseline's 5th percentile: "
            f"{report['closer_than_baseline_p5']:.2%}",
            highlight=False,
        )
    for copy in report["copies"]:
        console.print(f"{copy['record']}: {copy['reason']}: {escape(copy['detail'])}", highlight=False)


def print_run_leakage(leakage: dict[str, Any] | None, console: Console) -> None:
    """``syndgen inspect``'s leakage lines: the counts and rate, the kept records' spans."""
    if not leakage:
        return
    console.print(
        f"leakage ({leakage['action']}): {leakage['checked']} checked, {leakage['rejected_leak']} leak, "
        f"{leakage['rejected_contaminated']} contaminated, {leakage['flagged']} flagged, "
        f"{leakage['withheld_attempts']} attempts withheld; leak rate {leakage['leak_rate']:.2%}",
        highlight=False,
    )
    for name, d in leakage["kept"].items():
        if d and d.get("n"):
            console.print(
                f"  kept {name}: median {d['p50']}, p95 {d['p95']}, max {d['max']}", highlight=False
            )
    for copy in leakage["copies"][:20]:
        span = f", {copy['span'][2]} tokens" if copy.get("span") else ""
        console.print(
            f"  seed {copy['seed_index']} {copy['action']} {copy['reason']}: {escape(str(copy['source']))}"
            f" ({copy['measure']} {copy['value']}{span})",
            highlight=False,
        )


def register(app: typer.Typer, handle_errors: Decorator, out_console: Console, err_console: Console) -> None:
    @app.command("leakage")
    @handle_errors
    def leakage_cmd(
        run_dir: Annotated[Path, typer.Argument(help="run folder")],
        against: Annotated[
            list[Path] | None,
            typer.Option(
                "--against", help="a reference or benchmark file (JSONL, CSV, Parquet, .txt/.md); repeat"
            ),
        ] = None,
        as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
        embed: Annotated[
            bool, typer.Option(help="measure embedding distances (MiniLM) and the baseline")
        ] = True,
        span_tokens: Annotated[int | None, typer.Option(help="leaks from this shared token span on")] = None,
        ngram_overlap: Annotated[float | None, typer.Option(help="leaks from this n-gram share on")] = None,
        minhash_jaccard: Annotated[
            float | None, typer.Option(help="leaks from this 5-gram Jaccard on")
        ] = None,
        embedding_distance: Annotated[float | None, typer.Option(help="leaks below this distance")] = None,
        fail_on_leak: Annotated[
            bool, typer.Option(help="exit 1 when a record leaks or is contaminated")
        ] = False,
    ) -> None:
        """Compare a run's kept records with its seed examples, documents and the files named."""
        from syndgen.privacy.run_leakage import check_run, log_check

        given = {
            "span_tokens": span_tokens,
            "ngram_overlap": ngram_overlap,
            "minhash_jaccard": minhash_jaccard,
            "embedding_distance": embedding_distance,
        }
        thresholds = {k: v for k, v in given.items() if v is not None}
        report = check_run(run_dir, list(against or []), embed=embed, thresholds=thresholds)
        log_check(run_dir, report)
        if as_json:
            sys.stdout.write(json.dumps(report, indent=2) + "\n")
        else:
            _print_leakage(report, out_console)
        if fail_on_leak and (report["leaks"] or report["contaminated"]):
            raise typer.Exit(LEAK_EXIT)

    @app.command("audit")
    @handle_errors
    def audit_cmd(
        run_dir: Annotated[Path, typer.Argument(help="run folder")],
        as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
        verify: Annotated[
            bool, typer.Option("--verify", help="exit 1 naming the first broken entry")
        ] = False,
    ) -> None:
        """Print a run's audit log (starts, resumes, redactions, leakage decisions, exports)."""
        report = audit_report(run_dir)
        if as_json:
            sys.stdout.write(json.dumps(report, indent=2) + "\n")
        else:
            _print_audit(report, out_console)
        if report["broken_at"] is not None:
            err_console.print(
                f"[bold red]error:[/] the audit log is broken at entry {report['broken_at']} "
                f"({report['broken_kind'] or 'missing'}): {escape(report['why'])}",
                highlight=False,
                soft_wrap=True,
            )
            if verify:
                raise typer.Exit(BROKEN_EXIT)
        elif verify and not report["entries"]:
            err_console.print("[bold red]error:[/] the run has no audit log to verify", highlight=False)
            raise typer.Exit(BROKEN_EXIT)
