"""What differential privacy costs: fidelity and utility of DP synthetic tables against epsilon.

    python bench/dp_quality.py --json bench/results/dp_quality.json \
        --markdown bench/results/dp_quality.md --plot bench/results/dp_quality.png

Data: scikit-learn's bundled Wisconsin breast cancer table (569 rows, shipped with the package,
no download): the diagnosis and ``--features`` of its 30 measurements. It is split 70/30
(stratified, seed 0); the synthesizer sees only the training part, and the test part is the
real data every model is scored on and the holdout for the distance-to-closest-record baseline.

For each epsilon: fit (MST by default) with the label set public and no public bounds (the
numeric bounds are DP-estimated from 20% of epsilon, see syndgen.tabular.bounds), sample as
many rows as the training part, then

* fidelity: SDMetrics' QualityReport of the synthetic against the real training rows (column
  shapes: KS complement / TV complement per column; column pair trends: correlation and
  contingency similarity per pair; the overall score is their mean), each in [0, 1];
* utility: a random forest trained on the synthetic rows and tested on the real test rows
  (accuracy and ROC AUC), against the same forest trained on the real training rows;
* risk: the synthetic rows' median distance to the closest training row over the holdout's.

DP noise comes from the operating system's randomness (OpenDP does not take a seed), so figures
move from run to run; ``--repeats`` averages several fits per epsilon.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from statistics import mean
from typing import Any

EPSILONS = (0.1, 0.5, 1.0, 3.0, 10.0)
FEATURES = (
    "mean radius",
    "mean texture",
    "mean smoothness",
    "mean concave points",
    "worst area",
    "worst symmetry",
)
TARGET = "diagnosis"
BOUNDS_NOTE = {
    "dp": "DP-estimated from 20% of epsilon",
    "public": "the table's range rounded out, taken as public",
}


def load_data(features: tuple[str, ...]) -> tuple[Any, Any]:
    from sklearn.datasets import load_breast_cancer
    from sklearn.model_selection import train_test_split

    bunch = load_breast_cancer(as_frame=True)
    frame = bunch.frame[list(features)].copy()
    frame[TARGET] = bunch.target.map({0: "malignant", 1: "benign"})
    train, test = train_test_split(frame, test_size=0.3, random_state=0, stratify=frame[TARGET])
    return train.reset_index(drop=True), test.reset_index(drop=True)


def fidelity(real: Any, synthetic: Any) -> dict[str, float]:
    from sdmetrics.reports.single_table import QualityReport

    metadata = {
        "columns": {
            c: {"sdtype": "categorical"} if c == TARGET else {"sdtype": "numerical"} for c in real.columns
        }
    }
    report = QualityReport()
    report.generate(real, synthetic[real.columns], metadata, verbose=False)
    scores = report.get_properties().set_index("Property")["Score"]
    return {
        "quality": float(report.get_score()),
        "column_shapes": float(scores["Column Shapes"]),
        "pair_trends": float(scores["Column Pair Trends"]),
    }


def utility(train: Any, test: Any) -> dict[str, float]:
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.metrics import accuracy_score, roc_auc_score

    features = [c for c in train.columns if c != TARGET]
    if train[TARGET].nunique() < 2:
        return {"accuracy": float((test[TARGET] == train[TARGET].iloc[0]).mean()), "roc_auc": 0.5}
    model = RandomForestClassifier(n_estimators=200, random_state=0)
    model.fit(train[features].fillna(0), train[TARGET])
    proba = model.predict_proba(test[features].fillna(0))[:, list(model.classes_).index("malignant")]
    return {
        "accuracy": float(accuracy_score(test[TARGET], model.predict(test[features].fillna(0)))),
        "roc_auc": float(roc_auc_score(test[TARGET] == "malignant", proba)),
    }


def rounded_out(low: float, high: float) -> tuple[float, float]:
    """``[low, high]`` widened to one significant digit of the range (what a domain expert might
    write down); ``low`` stays at 0 for positive measurements."""
    import math

    step = 10 ** math.floor(math.log10(high - low))
    return (0.0 if low >= 0 else math.floor(low / step) * step), math.ceil(high / step) * step


def declared(frame: Any, bounds: str) -> dict[str, Any]:
    from syndgen.tabular.schema import ColumnSpec

    specs = {TARGET: ColumnSpec(TARGET, "categorical", categories=("malignant", "benign"), declared=True)}
    if bounds == "public":
        for c in frame.columns:
            if c != TARGET:
                specs[c] = ColumnSpec(
                    c, "float", bounds=rounded_out(frame[c].min(), frame[c].max()), declared=True
                )
    return specs


def one_fit(train: Any, test: Any, epsilon: float, args: argparse.Namespace, seed: int) -> dict[str, Any]:
    from syndgen.tabular import synth
    from syndgen.tabular.risk import distance_to_closest
    from syndgen.tabular.schema import resolve_schema

    synthesizer = args.synthesizer
    started = time.perf_counter()
    schema = resolve_schema(train, declared(pd_concat(train, test), args.bounds))
    model = synth.fit(train, schema, epsilon=epsilon, synthesizer=synthesizer)
    seconds = time.perf_counter() - started
    synthetic = synth.sample(model, len(train), seed=seed)
    dcr = distance_to_closest(synthetic, train, test)
    return {
        "fit_seconds": seconds,
        "delta": model.delta,
        **fidelity(train, synthetic),
        **{f"tstr_{k}": v for k, v in utility(synthetic, test).items()},
        "dcr_median_ratio": dcr["median_ratio"],
    }


def pd_concat(a: Any, b: Any) -> Any:
    import pandas as pd

    return pd.concat([a, b], ignore_index=True)


def averaged(runs: list[dict[str, Any]]) -> dict[str, Any]:
    return {key: round(mean(float(r[key]) for r in runs), 4) for key in runs[0]}


def markdown(rows: list[dict[str, Any]], baseline: dict[str, float], meta: dict[str, Any]) -> str:
    head = (
        "| epsilon | quality | column shapes | pair trends | TSTR accuracy | TSTR ROC AUC "
        "| DCR ratio | fit s |\n|---|---|---|---|---|---|---|---|"
    )
    lines = [head]
    for r in rows:
        lines.append(
            f"| {r['epsilon']:g} | {r['quality']:.3f} | {r['column_shapes']:.3f} | {r['pair_trends']:.3f} "
            f"| {r['tstr_accuracy']:.3f} | {r['tstr_roc_auc']:.3f} | {r['dcr_median_ratio']:.3g} "
            f"| {r['fit_seconds']:.0f} |"
        )
    real = f"| {baseline['accuracy']:.3f} | {baseline['roc_auc']:.3f} | - | - |"
    lines.append(f"| real (no DP) | 1.000 | 1.000 | 1.000 {real}")
    note = (
        f"\n{meta['synthesizer'].upper()} on {meta['rows_train']} training rows x {meta['columns']} columns "
        f"(breast cancer, scikit-learn), {meta['repeats']} fit(s) per epsilon, delta {meta['delta']:g}, "
        f"bounds: {BOUNDS_NOTE[meta['bounds']]}; "
        "fidelity: SDMetrics QualityReport; TSTR: random forest trained on synthetic, tested on "
        f"{meta['rows_test']} real held-out rows; DCR ratio: median distance to closest training row, "
        "synthetic over holdout (about 1 or above: no copying).\n"
    )
    return "\n".join(lines) + "\n" + note


def plot(rows: list[dict[str, Any]], baseline: dict[str, float], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    eps = [r["epsilon"] for r in rows]
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    for key, label in (
        ("quality", "overall"),
        ("column_shapes", "column shapes"),
        ("pair_trends", "pair trends"),
    ):
        left.plot(eps, [r[key] for r in rows], marker="o", label=label)
    left.set(xscale="log", xlabel="epsilon", ylabel="SDMetrics score", title="fidelity", ylim=(0, 1.02))
    left.legend()
    for key, label in (("tstr_accuracy", "accuracy"), ("tstr_roc_auc", "ROC AUC")):
        line = right.plot(eps, [r[key] for r in rows], marker="o", label=f"synthetic: {label}")[0]
        right.axhline(
            baseline[key.removeprefix("tstr_")], color=line.get_color(), ls="--", label=f"real: {label}"
        )
    right.set(xscale="log", xlabel="epsilon", ylabel="score on real test rows", title="utility (TSTR)")
    right.set_ylim(0.4, 1.02)
    right.legend(fontsize=8)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epsilons", type=float, nargs="+", default=list(EPSILONS))
    parser.add_argument("--synthesizer", default="mst", choices=["mst", "aim"])
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument(
        "--bounds",
        default="dp",
        choices=["dp", "public"],
        help="dp: numeric bounds DP-estimated from 20%% of epsilon; public: the full table's range "
        "rounded out, treated as public knowledge (outside the guarantee)",
    )
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--markdown", type=Path, default=None)
    parser.add_argument("--plot", type=Path, default=None)
    args = parser.parse_args()
    train, test = load_data(FEATURES)
    baseline = utility(train, test)
    rows = []
    for epsilon in args.epsilons:
        runs = [one_fit(train, test, epsilon, args, seed) for seed in range(args.repeats)]
        rows.append({"epsilon": epsilon, **averaged(runs)})
        print(json.dumps(rows[-1]), flush=True)
    meta = {
        "synthesizer": args.synthesizer,
        "rows_train": len(train),
        "rows_test": len(test),
        "columns": len(train.columns),
        "repeats": args.repeats,
        "delta": rows[0]["delta"],
        "bounds": args.bounds,
    }
    table = markdown(rows, baseline, meta)
    print(table)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"meta": meta, "baseline": baseline, "rows": rows}, indent=2) + "\n")
    if args.markdown:
        args.markdown.parent.mkdir(parents=True, exist_ok=True)
        args.markdown.write_text(table)
    if args.plot:
        plot(rows, baseline, args.plot)


if __name__ == "__main__":
    main()
