"""What the command line shows of a run, as rows and tables (no printing here)."""

from __future__ import annotations

from typing import Any

from rich.table import Table


def pairs(mapping: dict[str, Any]) -> str:
    return ", ".join(f"{k}: {v}" for k, v in mapping.items()) or "none"


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def summary_rows(info: dict[str, Any], target: int) -> list[tuple[str, str]]:
    """The end-of-run summary: samples, attempts, rejections and costs."""
    return [
        ("samples kept", f"{info['samples']} / {target}"),
        ("attempts", str(info["attempts"])),
        ("rejection rate", f"{info['rejection_rate']:.1%}"),
        ("rejections by reason", pairs(info["rejections_by_reason"])),
        ("seconds per valid record", _fmt(info["seconds_per_valid_record"])),
        ("tokens per valid record", _fmt(info["tokens_per_valid_record"])),
    ]


def coverage_table(info: dict[str, Any]) -> tuple[Table, str]:
    """Kept count / quota per axis value, the skew per axis, and the check's verdict line."""
    table = Table(title="coverage of kept samples (count / quota)")
    table.add_column("axis")
    table.add_column("values")
    table.add_column("max/min skew")
    for axis, cells in info["coverage"].items():
        values = ", ".join(f"{v}: {c['count']}/{c['quota']}" for v, c in cells.items())
        skew = info["coverage_skew"].get(axis)
        table.add_row(axis, values, "n/a (an empty value)" if skew is None else f"{skew:.2f}")
    verdict = "passed" if info.get("coverage_ok") else "FAILED"
    return table, f"coverage check (max skew {info.get('max_skew')}): {verdict}"
