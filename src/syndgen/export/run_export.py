"""Export a run folder: read outcomes from the store (read-only), apply the reviewers' decisions
(:mod:`syndgen.review`), adapt, write, and refresh the card."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from syndgen.errors import InputError
from syndgen.export.card import ExportedFile, render_card
from syndgen.export.formats import ReasoningMode
from syndgen.export.ledger import remember_export, wrote_export
from syndgen.export.registry import exporter_names, get_exporter
from syndgen.export.writers import FileFormat, write_rows
from syndgen.faults import load as load_faults
from syndgen.kpis import compute_kpis
from syndgen.privacy.run_audit import card_privacy, export_payload, log_exports
from syndgen.report import build_report, load_report
from syndgen.review import apply_reviews, load_reviews, review_counts
from syndgen.rundir import CARD_NAME, DATA_DIR, atomic_write_text, load_run_config
from syndgen.store import RunStore
from syndgen.validation.card import card_validation

SUFFIX = {"jsonl": ".jsonl", "parquet": ".parquet", "csv": ".csv"}


def export_run(
    run_dir: Path,
    *,
    formats: list[str] | None = None,
    to: list[FileFormat] | None = None,
    reasoning: ReasoningMode | None = None,
    output: Path | None = None,
    force: bool = False,
) -> list[ExportedFile]:
    """Write the run's data files and its card. Returns what was written (empty sets skipped).

    The store is opened read-only. ``output`` (one file) may be outside the run folder or under
    its ``data/``; an existing file there is replaced only when syndgen wrote it (see
    :mod:`syndgen.export.ledger`) or with ``force``.
    """
    store = RunStore.open_existing(run_dir)
    try:
        config = load_run_config(store)
        formats = formats or list(config.export.formats)
        to = to or list(config.export.to)
        mode: ReasoningMode = reasoning or config.export.reasoning
        if output is not None and (len(formats) != 1 or len(to) != 1):
            raise InputError("--output names one file: give exactly one --format and one --to")
        target = check_output(run_dir, output, force=force) if output is not None else None
        outcomes = apply_reviews(store.outcomes(), load_reviews(store))
        with_context = config.grounding.context == "include"
        written: list[ExportedFile] = []
        logged: list[dict[str, Any]] = []
        for kind in formats:
            rows = get_exporter(kind)(outcomes, mode, config.export.system_prompt, with_context)
            if not rows:
                continue
            if kind in ("sft", "dpo") and config.task.kind == "grounded":
                stamp = {"config_hash": store.get_meta("config_hash"), **_lineage(store)}
                rows = [{**row, **stamp} for row in rows]
            for name, subset in _difficulty_sets(kind, rows, output is None):
                for fmt in to:
                    path = target or run_dir / DATA_DIR / f"{name}{SUFFIX[fmt]}"
                    _write(subset, path, fmt)
                    if target is not None:
                        remember_export(run_dir, target)
                    shown = path.relative_to(run_dir) if path.is_relative_to(run_dir) else path
                    written.append(ExportedFile(kind=name, to=fmt, path=str(shown), rows=len(subset)))
                    logged.append(export_payload(path, str(shown), len(subset)))
        log_exports(store.path, logged)
        if target is None or target.is_relative_to(run_dir.resolve()):
            _write_card(run_dir, store, written)
        return written
    finally:
        store.close()


def _write(rows: list[dict[str, Any]], path: Path, fmt: FileFormat) -> None:
    try:
        write_rows(rows, path, fmt)
    except OSError as exc:
        raise InputError(f"cannot write {path}: {exc.strerror or exc}") from None


def check_output(run_dir: Path, output: Path, *, force: bool = False) -> Path:
    """The resolved file ``--output`` names, once it is known to be safe to write; else one error.

    Refused: a path inside the run folder but outside its ``data/`` (the store, the config, the
    card), a folder, something that is not a regular file, a path whose parent is a file or not
    writable, and an existing file syndgen did not write (unless ``force``).
    """
    target = output.expanduser().resolve()
    root = run_dir.resolve()
    data = root / DATA_DIR
    if target.is_relative_to(root) and not (target.is_relative_to(data) and target != data):
        raise InputError(
            f"--output {output} is inside the run folder {run_dir}",
            hint=f"write it under {run_dir / DATA_DIR}/ or outside the run folder",
        )
    if target.is_dir():
        raise InputError(f"--output {output} is a folder", hint=f"name a file, e.g. {output / 'train.jsonl'}")
    if target.exists() and not target.is_file():
        raise InputError(f"--output {output} is not a regular file", hint="name a file to write")
    existing = target.parent
    while not existing.exists() and existing.parent != existing:
        existing = existing.parent
    if not existing.is_dir():
        raise InputError(f"cannot write --output {output}: {existing} is a file, not a folder")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise InputError(f"cannot write --output {output}: no permission to write in {existing}")
    if (
        target.exists()
        and not force
        and not target.is_relative_to(data)
        and not wrote_export(run_dir, target)
    ):
        raise InputError(
            f"--output {output} already exists and was not written by this run's exports",
            hint="rerun with --force to replace it, or choose another file",
        )
    return target


DIFFICULTIES = ("too_easy", "learnable", "too_hard")


def _difficulty_sets(
    kind: str, rows: list[dict[str, Any]], split: bool
) -> list[tuple[str, list[dict[str, Any]]]]:
    """The combined set, plus one set per difficulty when the student gate rated the rows."""
    sets = [(kind, rows)]
    if split and kind == "sft" and any("difficulty" in r for r in rows):
        for level in DIFFICULTIES:
            subset = [r for r in rows if r.get("difficulty") == level]
            sets.append((f"{kind}_{level}", subset))
    return sets


def _write_card(run_dir: Path, store: RunStore, written: list[ExportedFile]) -> None:
    present = {(f.kind, f.to): f for f in written}
    data_dir = run_dir / DATA_DIR
    for path in sorted(data_dir.glob("*")) if data_dir.is_dir() else []:
        kind, suffix = path.stem, path.suffix.lstrip(".")
        known = kind in exporter_names() or kind.startswith("sft_")
        if known and suffix in SUFFIX and (kind, suffix) not in present:
            rows = _count_rows(path, suffix)
            present[(kind, suffix)] = ExportedFile(kind, suffix, str(path.relative_to(run_dir)), rows)
    config = load_run_config(store)
    # A run killed before its first session ended has no stored report yet: compute one (not
    # stored: the store is read-only here), without embeddings, so the card still has coverage.
    report = load_report(store) or build_report(store, config, embed_diversity=False)
    card = render_card(
        title=f"syndgen dataset: {run_dir.resolve().name}",
        files=sorted(present.values(), key=lambda f: (f.kind, f.to)),
        config=config.public_dict(),
        config_hash=store.get_meta("config_hash") or "",
        kpis=compute_kpis(store),
        report=report,
        lineage=_lineage(store),
        faults=load_faults(store),
        validation=card_validation(run_dir, config),
        privacy_audit=card_privacy(store, report),
        reviews=review_counts(load_reviews(store)),
    )
    try:
        atomic_write_text(run_dir / CARD_NAME, card)
    except OSError as exc:
        raise InputError(f"cannot write {run_dir / CARD_NAME}: {exc.strerror or exc}") from None


def _lineage(store: RunStore) -> dict[str, Any]:
    """Where the data came from beyond the config: the document index a grounded run used, and
    what a ``task.dp_seed`` fit spent."""
    found: dict[str, Any] = {}
    for key in ("index_version", "index_path", "dp_seed_spent"):
        value = store.get_meta(key)
        if value is not None:
            found[key] = value
    return found


def _count_rows(path: Path, suffix: str) -> int:
    if suffix == "csv":
        import csv

        with path.open(encoding="utf-8", newline="") as fh:
            return max(0, sum(1 for _ in csv.reader(fh)) - 1)
    if suffix == "jsonl":
        with path.open(encoding="utf-8") as fh:
            return sum(1 for line in fh if line.strip())
    import pyarrow.parquet as pq

    return int(pq.ParquetFile(path).metadata.num_rows)
