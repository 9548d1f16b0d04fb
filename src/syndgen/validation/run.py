"""Validate a synthetic set against a reference: read both, measure, score, report.

:func:`validate_sets` returns a :class:`Validation`: the JSON-safe ``report`` (every figure, its
definition, the component scores, ``overall`` and the verdict) and the ``plots`` data the HTML
report draws. Texts are embedded with syndgen's sentence embedder (MiniLM by default). Sets
larger than ``max_rows`` are sampled (fixed seed) and the report says so.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from syndgen.errors import InputError
from syndgen.extras import require
from syndgen.validation import load, score
from syndgen.validation.report import assemble

METRICS = ("similarity", "coverage", "diversity", "utility", "privacy", "bias")
TABLE_METRICS = frozenset({"similarity", "coverage", "utility", "privacy"})
MIN_ROWS = 10
MAX_ROWS = 5000
MAP_POINTS = 1000


@dataclass(frozen=True)
class Options:
    metrics: tuple[str, ...] | None = None
    """None: every metric that applies (utility only with a label field)."""
    text_field: str | None = None
    messages: bool = False
    label_field: str | None = None
    clusters: int | None = None
    seed: int = 0
    embedder: str = "minilm"
    bias_terms: Path | None = None
    max_rows: int = MAX_ROWS


@dataclass(frozen=True)
class Validation:
    report: dict[str, Any]
    plots: dict[str, Any] = field(default_factory=dict)


def parse_metrics(value: str | Sequence[str] | None) -> tuple[str, ...] | None:
    """``"similarity,privacy"`` (or a list) checked against the known names; None for all."""
    if value is None:
        return None
    names = [n.strip() for n in (value.split(",") if isinstance(value, str) else value) if n.strip()]
    unknown = [n for n in names if n not in METRICS]
    if unknown or not names:
        raise InputError(
            f"unknown metric {unknown[0]!r}" if unknown else "--metrics names no metric",
            hint=f"choose from {','.join(METRICS)}",
        )
    return tuple(dict.fromkeys(names))


def _sample(rows: list[dict[str, Any]], limit: int, seed: int) -> list[dict[str, Any]]:
    if len(rows) <= limit:
        return rows
    return [rows[i] for i in sorted(random.Random(seed).sample(range(len(rows)), limit))]


def validate_sets(synthetic: str | Path, reference: str | Path, options: Options | None = None) -> Validation:
    """Measure ``synthetic`` against ``reference`` (paths); see the module docstring."""
    options = options or Options()
    require("validate", "syndgen validate")
    synth_path, ref_path = Path(synthetic), Path(reference)
    synth_all = load.read_rows(synth_path)
    ref_all = load.read_rows(ref_path, allow_hf=False)
    synth_rows = _sample(synth_all, options.max_rows, options.seed)
    ref_rows = _sample(ref_all, options.max_rows, options.seed)
    notes = [
        f"{name} sampled: {len(rows)} of {len(full)} rows"
        for name, rows, full in (("synthetic", synth_rows, synth_all), ("reference", ref_rows, ref_all))
        if len(rows) < len(full)
    ]
    text_s = load.is_text(synth_rows, options.text_field, options.messages)
    text_r = load.is_text(ref_rows, options.text_field, options.messages)
    if text_s != text_r:
        which, other = (synth_path, ref_path) if text_r else (ref_path, synth_path)
        raise InputError(
            f"{other} holds texts but {which} reads as a table",
            hint="name the text field with --text-field F (or --messages) so both sides are texts",
        )
    if text_s:
        return _validate_text(synth_rows, ref_rows, str(synth_path), str(ref_path), options, notes)
    return _validate_table(synth_rows, ref_rows, str(synth_path), str(ref_path), options, notes)


def _chosen(options: Options, allowed: frozenset[str] | None, notes: list[str]) -> set[str]:
    if options.metrics is None:
        chosen = set(METRICS if allowed is None else allowed)
        if options.label_field is None:
            chosen.discard("utility")
            notes.append("utility not measured: no --label-field")
        return chosen
    chosen = set(options.metrics)
    if "utility" in chosen and options.label_field is None:
        raise InputError("the utility metric needs a label field", hint="add --label-field L")
    if allowed is not None:
        for name in sorted(chosen - allowed):
            notes.append(f"{name} is measured on texts only; not on tables")
        chosen &= allowed
    return chosen


def _check_size(source: str, n: int) -> None:
    if n < MIN_ROWS:
        raise InputError(f"{source} has {n} rows; validation needs at least {MIN_ROWS} on each side")


def _similarity(ref: load.TextSide, syn: load.TextSide, vr: Any, vs: Any, seed: int) -> dict[str, Any]:
    from syndgen.validation import embedding, textstats

    out: dict[str, Any] = {
        "mauve": embedding.mauve_score(vr, vs, seed=seed),
        "frechet_distance": embedding.frechet_distance(vr, vs),
        **embedding.manifold_metrics(vr, vs),
        "length": textstats.numeric_distances(textstats.lengths(ref.texts), textstats.lengths(syn.texts)),
    }
    if ref.labels is not None and syn.labels is not None:
        out["label_shares"] = textstats.share_distances(ref.labels, syn.labels)
    for name in ref.fields.keys() & syn.fields.keys():
        out[f"{name}_shares"] = textstats.share_distances(ref.fields[name], syn.fields[name])
    return out


def _text_metrics(
    chosen: set[str], ref: load.TextSide, syn: load.TextSide, vr: Any, vs: Any, options: Options
) -> dict[str, Any]:
    from syndgen.validation import bias, embedding, privacy, textstats, utility

    metrics: dict[str, Any] = {}
    if "similarity" in chosen:
        metrics["similarity"] = _similarity(ref, syn, vr, vs, options.seed)
    if "coverage" in chosen:
        metrics["coverage"] = embedding.cluster_coverage(
            vr, vs, ref.texts, clusters=options.clusters, seed=options.seed
        )
    if "diversity" in chosen:
        metrics["diversity"] = {
            "synthetic": textstats.diversity_figures(syn.texts, vs),
            "reference": textstats.diversity_figures(ref.texts, vr),
        }
    if "utility" in chosen and ref.labels is not None and syn.labels is not None:
        metrics["utility"] = utility.tstr(vr, ref.labels, vs, syn.labels, seed=options.seed)
    if "privacy" in chosen:
        metrics["privacy"] = {**privacy.dcr(vr, vs), **privacy.copies(ref.texts, syn.texts)}
    if "bias" in chosen:
        labels = (ref.labels, syn.labels) if ref.labels is not None and syn.labels is not None else None
        metrics["bias"] = bias.bias_report(
            ref.texts, syn.texts, terms=bias.load_terms(options.bias_terms), labels=labels
        )
    return metrics


def _validate_text(
    synth_rows: list[dict[str, Any]],
    ref_rows: list[dict[str, Any]],
    synth_src: str,
    ref_src: str,
    options: Options,
    notes: list[str],
) -> Validation:
    from syndgen.embed import get_embedder
    from syndgen.validation import textstats

    kw = {"text_field": options.text_field, "messages": options.messages, "label_field": options.label_field}
    syn = load.to_text_side(synth_src, synth_rows, **kw)  # type: ignore[arg-type]
    ref = load.to_text_side(ref_src, ref_rows, **kw)  # type: ignore[arg-type]
    _check_size(synth_src, len(syn.texts))
    _check_size(ref_src, len(ref.texts))
    chosen = _chosen(options, None, notes)
    embedder = get_embedder(options.embedder)
    vr, vs = embedder.encode(ref.texts), embedder.encode(syn.texts)
    metrics = _text_metrics(chosen, ref, syn, vr, vs, options)
    parts = score.components("text", metrics)
    report = assemble(
        kind="text",
        sides={"synthetic": (synth_src, len(syn.texts)), "reference": (ref_src, len(ref.texts))},
        settings={**_settings(options, chosen), "embedder": options.embedder},
        metrics=metrics,
        parts=parts,
        notes=notes,
    )
    plots = {
        "lengths": {"reference": textstats.lengths(ref.texts), "synthetic": textstats.lengths(syn.texts)},
        "map": _project(vr, vs, options.seed),
        "shares": {k: v for k, v in metrics.get("similarity", {}).items() if k.endswith("_shares")},
        "clusters": metrics.get("coverage", {}).get("per_cluster", []),
    }
    return Validation(report, plots)


def _project(vr: Any, vs: Any, seed: int) -> dict[str, list[list[float]]]:
    """A 2-D PCA map of both sets' embeddings (fitted on the reference), at most MAP_POINTS each."""
    import numpy as np
    from sklearn.decomposition import PCA

    rng = np.random.default_rng(seed)
    pick_r = rng.permutation(len(vr))[:MAP_POINTS]
    pick_s = rng.permutation(len(vs))[:MAP_POINTS]
    pca = PCA(n_components=2, random_state=seed).fit(vr)
    return {
        "reference": pca.transform(vr[pick_r]).round(4).tolist(),
        "synthetic": pca.transform(vs[pick_s]).round(4).tolist(),
    }


def _settings(options: Options, chosen: set[str]) -> dict[str, Any]:
    return {
        "metrics": [m for m in METRICS if m in chosen],
        "text_field": options.text_field,
        "messages": options.messages,
        "label_field": options.label_field,
        "seed": options.seed,
    }


def _validate_table(
    synth_rows: list[dict[str, Any]],
    ref_rows: list[dict[str, Any]],
    synth_src: str,
    ref_src: str,
    options: Options,
    notes: list[str],
) -> Validation:
    from syndgen.validation.tabular import tabular_metrics

    synth = load.to_frame(synth_src, synth_rows)
    real = load.to_frame(ref_src, ref_rows)
    _check_size(synth_src, len(synth))
    _check_size(ref_src, len(real))
    chosen = _chosen(options, TABLE_METRICS, notes)
    metrics = tabular_metrics(real, synth, metrics=chosen, label=options.label_field, seed=options.seed)
    parts = score.components("table", metrics)
    report = assemble(
        kind="table",
        sides={"synthetic": (synth_src, len(synth)), "reference": (ref_src, len(real))},
        settings=_settings(options, chosen),
        metrics=metrics,
        parts=parts,
        notes=notes,
    )
    columns = [c for c, info in metrics["metadata"]["columns"].items()][:6]
    plots = {
        "columns": {
            c: {
                "reference": real[c].tolist(),
                "synthetic": synth[c].tolist(),
                **metrics["metadata"]["columns"][c],
            }
            for c in columns
        },
        "column_shapes": metrics.get("column_shapes", {}),
    }
    return Validation(report, plots)
