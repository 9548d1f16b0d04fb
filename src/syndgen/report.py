"""The run's quality report: coverage of the plan by the kept samples, and their diversity.

Computed from the store when a run ends (and on demand by ``syndgen inspect``), stored in the
run's meta table, shown by ``inspect`` and written into the dataset card. Coverage counts the
final kept samples against the quotas of the plan for ``count`` records; the check fails when
an axis has a value outside one of its quota *and* a max/min count ratio above
``coverage.max_skew`` (or a planned value with no sample), see :mod:`syndgen.coverage`.
Diversity is the mean pairwise cosine distance of the kept records' embeddings (a fixed sample
of 500 for large runs) and distinct-n over their words.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from syndgen.config import RunConfig
from syndgen.coverage import axis_ok, coverage_ok, coverage_skew, coverage_table, outside_band
from syndgen.diversity import DiversityStream
from syndgen.runner.settle import record_text
from syndgen.seeds.quota import TOPIC, QuotaPlanner
from syndgen.store import RunStore

TOPICS_META = "topics"
REPORT_META = "report"


def stored_topics(store: RunStore) -> list[str] | None:
    raw = store.get_meta(TOPICS_META)
    return list(json.loads(raw)) if raw else None


def planned_quotas(config: RunConfig, topics: list[str]) -> dict[str, dict[str, int]]:
    planner = QuotaPlanner(topics, config.task.axes, config.count, config.seed, window=1)
    keep = {TOPIC, *(a.name for a in config.task.axes)}
    return {axis: dict(q) for axis, q in planner.quotas.items() if axis in keep}


def build_report(store: RunStore, config: RunConfig, *, embed_diversity: bool = True) -> dict[str, Any]:
    """The report, from one pass over the store: it holds the diversity sample and the distinct
    n-grams, never the run's records, so its memory does not grow with the run."""
    topics = stored_topics(store) or []
    planned_axes = {a.name for a in config.task.axes}
    n = store.count("samples")
    texts = DiversityStream(n, sample=500, seed=config.seed)

    def rows() -> Iterator[tuple[str, dict[str, Any]]]:
        for o in store.outcomes():
            if o.sample is not None:
                texts.add(record_text(o))
                yield o.seed.topic, {k: v for k, v in o.seed.attributes.items() if k in planned_axes}

    table = coverage_table(rows(), planned_quotas(config, topics) if topics else {})
    embed = None
    if embed_diversity and texts.seen:
        from syndgen.embed import get_embedder

        embed = get_embedder(config.dedup.embedder).encode
    stats = texts.result(embed)
    skew = coverage_skew(table)
    return {
        "coverage": table,
        "coverage_skew": {axis: (round(v, 4) if v is not None else None) for axis, v in skew.items()},
        "coverage_ok": coverage_ok(table, config.coverage.max_skew),
        "max_skew": config.coverage.max_skew,
        "diversity": {
            "mean_cosine_distance": _round(stats["mean_cosine_distance"]),
            "distinct_1": _round(stats["distinct_1"]),
            "distinct_2": _round(stats["distinct_2"]),
            "n": stats["n"],
        },
    }


def _round(value: Any) -> Any:
    return round(float(value), 4) if value is not None else None


def save_report(store: RunStore, report: dict[str, Any]) -> None:
    store.set_meta(REPORT_META, json.dumps(report, sort_keys=True))


def load_report(store: RunStore) -> dict[str, Any] | None:
    """The stored report; its verdict is recomputed from its table, so a report stored by an
    older syndgen is judged by today's rule."""
    raw = store.get_meta(REPORT_META)
    if not raw:
        return None
    report: dict[str, Any] = json.loads(raw)
    if isinstance(report.get("coverage"), dict) and "max_skew" in report:
        report["coverage_ok"] = coverage_ok(report["coverage"], report["max_skew"])
    return report


def coverage_failures(report: dict[str, Any]) -> list[str]:
    """One line per axis that fails the coverage check (empty when it passes)."""
    lines = []
    for axis, skew in report["coverage_skew"].items():
        cells = report["coverage"][axis]
        if axis_ok(cells, skew, report["max_skew"]):
            continue
        if skew is None:
            empty = [v for v, c in cells.items() if c["count"] == 0 and c["quota"] > 0]
            lines.append(f"{axis}: no kept sample for {', '.join(empty[:5])}")
        else:
            value, count, quota = outside_band(cells)[0]
            lines.append(
                f"{axis}: skew {skew:.2f} > {report['max_skew']}, and {value} has {count} of quota {quota}"
            )
    return lines
