"""``syndgen redact``: PII redaction of a JSONL, CSV or Parquet file (see :mod:`syndgen.privacy`),
and the redactor ``syndgen ingest --config`` runs over documents."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from syndgen.config import RunConfig
from syndgen.config_privacy import PiiConfig
from syndgen.errors import ConfigError, InputError
from syndgen.extras import require
from syndgen.privacy.entities import check_entities

Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]
MODES = ("mask", "pseudonymise", "drop", "report")


def counts_line(mode: str, counts: Mapping[str, int]) -> str:
    total = sum(counts.values())
    found = ", ".join(f"{entity} {n}" for entity, n in sorted(counts.items())) or "none"
    return f"PII ({mode}): {total} found: {found}"


def ingest_redactor(config: RunConfig) -> Any:
    """The document redactor a run config's ``privacy.pii`` section describes."""
    pii = config.privacy.pii
    if not (pii.enabled and pii.apply.documents):
        raise ConfigError(
            "the config does not redact documents (privacy.pii.enabled and apply.documents are needed)",
            hint="set privacy.pii.enabled: true, or ingest without --config",
        )
    require("privacy", "PII redaction")
    from syndgen.privacy.documents import document_redactor

    return document_redactor(pii)


def pii_options(mode: str, entities: str | None, threshold: float, key_file: Path | None) -> PiiConfig:
    if mode not in MODES:
        raise ConfigError(f"unknown --mode '{mode}' (choose one of {', '.join(MODES)})")
    try:
        chosen = check_entities(entities.split(",")) if entities else None
        return PiiConfig(
            enabled=True,
            mode=mode,
            score_threshold=threshold,
            key_file=str(key_file) if key_file else None,
            **({"entities": chosen} if chosen else {}),
        )
    except ValueError as exc:  # pydantic's ValidationError is a ValueError
        if not isinstance(exc, ValidationError):
            raise ConfigError(str(exc)) from None
        error = exc.errors()[0]
        option = {"score_threshold": "--threshold"}.get(str(error["loc"][0]) if error["loc"] else "", "")
        raise ConfigError(f"{option}: {error['msg']}" if option else str(error["msg"])) from None


def redact_file(
    source: Path,
    out: Path | None,
    pii: PiiConfig,
    fields: list[str] | None,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[Counter[str], int, int]:
    """Redact ``source`` into ``out``: ``(found by type, rows read, rows written)``."""
    from syndgen.privacy.files import file_kind, read_records, write_records
    from syndgen.privacy.stage import make_redactor

    if out is not None:
        file_kind(out)
        if out.resolve() == source.resolve():
            raise InputError(f"--out {out} is the input file", hint="write the redacted copy elsewhere")
    rows = read_records(source)
    require("privacy", "syndgen redact")
    redactor = make_redactor(pii)
    kept = []
    for done, row in enumerate(rows, 1):
        new, found = redactor.record(row, fields)
        if not (found and pii.mode == "drop"):
            kept.append(new)
        if progress is not None:
            progress(done, len(rows))
    if out is not None and pii.mode != "report":
        write_records(out, kept)
    return Counter(redactor.counts), len(rows), len(kept)


def _table(counts: Counter[str]) -> Table:
    table = Table("entity type", "found")
    for entity, n in sorted(counts.items()):
        table.add_row(entity, str(n))
    return table


def register(app: typer.Typer, handle_errors: Decorator, out_console: Console, err_console: Console) -> None:
    @app.command("redact")
    @handle_errors
    def redact(
        source: Annotated[Path, typer.Argument(metavar="IN", help="a JSONL, CSV or Parquet file")],
        out: Annotated[
            Path | None, typer.Option(help="the redacted copy (its suffix picks the format)")
        ] = None,
        fields: Annotated[
            str | None, typer.Option(help="comma-separated fields (default: every string field)")
        ] = None,
        mode: Annotated[str, typer.Option(help="mask | pseudonymise | drop | report")] = "mask",
        entities: Annotated[
            str | None, typer.Option(help="comma-separated entity types (default: all)")
        ] = None,
        threshold: Annotated[float, typer.Option(help="the lowest score that counts as PII")] = 0.5,
        key_file: Annotated[Path | None, typer.Option(help="pseudonymise: the secret key file")] = None,
    ) -> None:
        """Find PII in every string field (chat messages too); mask, pseudonymise, drop or count it."""
        pii = pii_options(mode, entities, threshold, key_file)
        if out is None and mode != "report":
            raise InputError("--out is needed (only --mode report writes nothing)")
        chosen = [f.strip() for f in fields.split(",") if f.strip()] if fields else None
        with Progress(
            TextColumn("[bold]redacting"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err_console,
        ) as bar:
            task = bar.add_task("rows", total=None)
            counts, read, written = redact_file(
                source, out, pii, chosen, lambda done, total: bar.update(task, completed=done, total=total)
            )
        out_console.print(_table(counts))
        where = f"; {written} rows written to {out}" if out is not None and mode != "report" else ""
        out_console.print(f"{counts_line(mode, counts)}; {read} rows read{where}", highlight=False)
