"""The HTML report's plots, drawn with matplotlib (Agg) as inline SVG: no file, no network.

Each function returns ``(name, title, svg)``; the report embeds the SVG text as it is.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

REFERENCE, SYNTHETIC = "#1f77b4", "#ff7f0e"
Plot = tuple[str, str, str]


def _svg(fig: Any) -> str:
    import matplotlib.pyplot as plt

    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    plt.close(fig)
    text = buffer.getvalue()
    text = text[text.index("<svg") :]
    start, end = text.find("<metadata>"), text.find("</metadata>")
    return text[:start] + text[end + len("</metadata>") :] if start >= 0 <= end else text


def _figure(width: float = 6.0, height: float = 3.2) -> tuple[Any, Any]:
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    plt.rcParams["svg.hashsalt"] = "syndgen"  # the same data draws the same SVG
    return plt.subplots(figsize=(width, height))


def histogram(name: str, title: str, real: Sequence[float], synth: Sequence[float], xlabel: str) -> Plot:
    import numpy as np

    fig, ax = _figure()
    edges = np.histogram_bin_edges(np.concatenate([np.asarray(real, float), np.asarray(synth, float)]), 20)
    ax.hist(real, bins=edges, alpha=0.55, density=True, label="reference", color=REFERENCE)
    ax.hist(synth, bins=edges, alpha=0.55, density=True, label="synthetic", color=SYNTHETIC)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("share (density)")
    ax.legend()
    return name, title, _svg(fig)


def shares(name: str, title: str, real: dict[str, float], synth: dict[str, float]) -> Plot:
    import numpy as np

    keys = sorted(set(real) | set(synth))[:30]
    x = np.arange(len(keys))
    fig, ax = _figure(max(6.0, 0.45 * len(keys)), 3.4)
    ax.bar(x - 0.2, [real.get(k, 0.0) for k in keys], 0.4, label="reference", color=REFERENCE)
    ax.bar(x + 0.2, [synth.get(k, 0.0) for k in keys], 0.4, label="synthetic", color=SYNTHETIC)
    ax.set_xticks(x, [k[:24] for k in keys], rotation=45, ha="right")
    ax.set_ylabel("share of rows")
    ax.legend()
    return name, title, _svg(fig)


def embedding_map(points: dict[str, list[list[float]]]) -> Plot:
    fig, ax = _figure(5.5, 4.5)
    for side, color in (("reference", REFERENCE), ("synthetic", SYNTHETIC)):
        xy = points[side]
        ax.scatter([p[0] for p in xy], [p[1] for p in xy], s=9, alpha=0.6, label=side, color=color)
    ax.set_xlabel("PC 1 (fitted on the reference)")
    ax.set_ylabel("PC 2")
    ax.legend()
    return "embedding-map", "Embedding map: reference vs synthetic (PCA of MiniLM embeddings)", _svg(fig)


def clusters(rows: list[dict[str, Any]]) -> Plot:
    import numpy as np

    x = np.arange(len(rows))
    fig, ax = _figure(max(6.0, 0.4 * len(rows)), 3.4)
    ax.bar(x - 0.2, [r["reference"] for r in rows], 0.4, label="reference rows", color=REFERENCE)
    ax.bar(x + 0.2, [r["synthetic"] for r in rows], 0.4, label="synthetic rows", color=SYNTHETIC)
    ax.set_xticks(x, [f"{r['cluster']}{'' if r['reached'] else ' ✗'}" for r in rows])
    ax.set_xlabel("reference cluster (✗ = not reached)")
    ax.set_ylabel("rows")
    ax.legend()
    return "coverage", "Coverage per reference cluster", _svg(fig)


def column_scores(scores: dict[str, float]) -> Plot:
    fig, ax = _figure(6.0, max(2.5, 0.3 * len(scores)))
    names = list(scores)
    ax.barh(names, [scores[n] for n in names], color=SYNTHETIC)
    ax.set_xlim(0, 1)
    ax.set_xlabel("SDMetrics column shape score (1 = same distribution)")
    return "column-shapes", "Column shapes", _svg(fig)


def column(name: str, data: dict[str, Any]) -> Plot:
    from collections import Counter

    real, synth = data["reference"], data["synthetic"]
    title = f"Column {name}: reference vs synthetic"
    if data["sdtype"] == "numerical":
        real_n = [float(v) for v in real if v is not None]
        synth_n = [float(v) for v in synth if v is not None]
        return histogram(f"column-{name}", title, real_n, synth_n, name)
    cr, cs = Counter(map(str, real)), Counter(map(str, synth))
    return shares(
        f"column-{name}",
        title,
        {k: n / len(real) for k, n in cr.items()},
        {k: n / len(synth) for k, n in cs.items()},
    )


def text_plots(plots: dict[str, Any]) -> list[Plot]:
    found = [
        histogram(
            "lengths",
            "Text length (words)",
            plots["lengths"]["reference"],
            plots["lengths"]["synthetic"],
            "words",
        ),
        embedding_map(plots["map"]),
    ]
    for key, value in plots.get("shares", {}).items():
        label = key.removesuffix("_shares")
        found.append(shares(f"shares-{label}", f"{label} shares", value["reference"], value["synthetic"]))
    if plots.get("clusters"):
        found.append(clusters(plots["clusters"]))
    return found


def table_plots(plots: dict[str, Any]) -> list[Plot]:
    found = [column(name, data) for name, data in plots["columns"].items()]
    if plots.get("column_shapes"):
        found.insert(0, column_scores(plots["column_shapes"]))
    return found
