"""The dataset card (README.md): counts, models, config, KPIs, and how to load the files."""

from __future__ import annotations

from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import jinja2
import yaml

from syndgen.seeds.dp_seed import guarantee

DESCRIPTIONS = {
    "sft": "chat `messages` (TRL conversational SFT)",
    "dpo": "`prompt` / `chosen` / `rejected` (TRL conversational preference)",
    "openai": "`messages` (OpenAI chat fine-tuning JSONL)",
    "anthropic": "`system` + `messages` (Anthropic-style message lists)",
    "sft_too_easy": "SFT rows the student already solves (pass rate >= too_easy)",
    "sft_learnable": "SFT rows the student sometimes solves",
    "sft_too_hard": "SFT rows the student never solves (pass rate <= too_hard)",
}


@dataclass(frozen=True)
class ExportedFile:
    kind: str
    to: str
    path: str
    rows: int

    @property
    def description(self) -> str:
        return DESCRIPTIONS.get(self.kind, self.kind)

    @property
    def loader(self) -> str:
        return "json" if self.to == "jsonl" else "parquet"


def _version() -> str:
    try:
        return version("syndgen")
    except PackageNotFoundError:
        return "(source)"


def _fault_rows(faults: dict[str, dict[str, int]]) -> list[dict[str, Any]]:
    """One row per backend that met a fault: requests, faults by kind, retries, gave up."""
    rows = []
    for backend, counts in faults.items():
        kinds = {k: n for k, n in counts.items() if k not in ("requests", "retries", "gave_up") and n}
        if kinds:
            rows.append(
                {
                    "backend": backend,
                    "requests": counts.get("requests", 0),
                    "kinds": ", ".join(f"{k}: {n}" for k, n in sorted(kinds.items())),
                    "retries": counts.get("retries", 0),
                    "gave_up": counts.get("gave_up", 0),
                }
            )
    return rows


def render_card(
    *,
    title: str,
    files: list[ExportedFile],
    config: dict[str, Any],
    config_hash: str,
    kpis: dict[str, Any],
    report: dict[str, Any] | None = None,
    lineage: dict[str, Any] | None = None,
    faults: dict[str, dict[str, int]] | None = None,
    validation: dict[str, Any] | None = None,
    privacy_audit: dict[str, Any] | None = None,
    reviews: dict[str, int] | None = None,
) -> str:
    """The card's markdown (pure). ``faults``: counts per backend, from :func:`syndgen.faults.load`."""
    by_kind: dict[str, ExportedFile] = {}
    for f in files:
        if f.kind not in by_kind or f.to == "parquet":
            by_kind[f.kind] = f
    front = {
        "tags": ["synthetic", "syndgen", "reasoning"],
        "task_categories": ["text-generation"],
        "configs": [
            {"config_name": kind, "data_files": [{"split": "train", "path": f.path}]}
            for kind, f in by_kind.items()
        ],
    }
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(Path(__file__).parent / "templates")),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
    )
    generator = config.get("generator", {})
    critic = config.get("critic") or {**generator, "note": "same as generator"}
    return env.get_template("card.md.jinja").render(
        front_matter=yaml.safe_dump(front, sort_keys=False),
        title=title,
        version=_version(),
        threshold=config.get("quality", {}).get("threshold", "?"),
        files=files,
        primary=list(by_kind.values()),
        generator=f"{generator.get('backend')}: {generator.get('model')}",
        critic=f"{critic.get('backend')}: {critic.get('model')}",
        kpis=kpis,
        report=report or {},
        lineage=lineage or {},
        faults=_fault_rows(faults or {}),
        validation=validation or {},
        reviews=reviews or {},
        config_hash=config_hash,
        privacy=guarantee(config),
        privacy_audit=privacy_audit or {},
        config_yaml=yaml.safe_dump(config, sort_keys=False, allow_unicode=True),
    )
