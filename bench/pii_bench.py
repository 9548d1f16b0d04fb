"""PII detection on the labelled corpus: precision and recall per entity type, and the speed.

Reads ``tests/privacy/corpus/pii_corpus.jsonl`` (clinical, financial, support and legal
sentences with labelled spans), detects PII with every entity type (Presidio with syndgen's
recognizers and spaCy's small English model), and writes the table. Speed is the CPU time
(so other load on the machine does not count) per 330-character text (corpus sentences joined),
with the NER model and with pattern types only. Run from the repository root::

    python bench/pii_bench.py --json bench/results/pii.json --markdown bench/results/pii.md
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path
from typing import Any

from syndgen.privacy.engine import detect
from syndgen.privacy.entities import ALL_TYPES, NER_TYPES, PATTERN_TYPES
from syndgen.privacy.scoring import TypeScore, score, total

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "tests" / "privacy" / "corpus" / "pii_corpus.jsonl"


def load(path: Path = CORPUS) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def evaluate(rows: list[dict[str, Any]], threshold: float = 0.5) -> dict[str, TypeScore]:
    labelled = [[(e["type"], e["start"], e["end"]) for e in row["entities"]] for row in rows]
    found = [[(f.entity, f.start, f.end) for f in detect(row["text"], ALL_TYPES, threshold)] for row in rows]
    return score(labelled, found)


def texts_of(rows: list[dict[str, Any]], size: int = 330) -> list[str]:
    """Corpus sentences joined into texts of about ``size`` characters."""
    texts, current = [], ""
    for row in rows:
        current = f"{current} {row['text']}".strip()
        if len(current) >= size:
            texts.append(current[:size])
            current = ""
    return texts


def seconds_per_text(texts: list[str], entities: tuple[str, ...]) -> float:
    detect(texts[0], entities, 0.5)  # load the model and build the engine first
    times = []
    for text in texts:
        started = time.process_time()  # CPU time: the figure does not depend on other load
        detect(text, entities, 0.5)
        times.append(time.process_time() - started)
    return statistics.median(times)


def markdown(scores: dict[str, TypeScore], speed: dict[str, float]) -> str:
    lines = [
        "| entity type | labelled | found | right | precision | recall | hidden (any type) |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    rows = [scores[t] for t in ALL_TYPES if t in scores]
    rows += [total(scores, list(PATTERN_TYPES)), total(scores, list(NER_TYPES))]
    for s in rows:
        name = {"all": "pattern types (all)"}.get(s.entity, s.entity)
        if s.entity == "+".join(NER_TYPES):
            name = "names (PERSON+LOCATION+ORGANIZATION)"
        lines.append(
            f"| {name} | {s.labelled} | {s.found} | {s.right} | {s.precision:.2f} | {s.recall:.2f} "
            f"| {s.hidden:.2f} |"
        )
    lines.append("")
    lines.append(
        f"CPU time per 330-character text (median of {speed['texts']}): {speed['ner_ms']:.1f} ms with "
        f"the NER model, {speed['pattern_ms']:.1f} ms with pattern types only ({speed['ratio']:.1f}x)."
    )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--json", type=Path, default=ROOT / "bench" / "results" / "pii.json")
    parser.add_argument("--markdown", type=Path, default=ROOT / "bench" / "results" / "pii.md")
    parser.add_argument("--threshold", type=float, default=0.5)
    args = parser.parse_args()
    rows = load()
    scores = evaluate(rows, args.threshold)
    texts = texts_of(rows)
    ner = seconds_per_text(texts, ALL_TYPES)
    pattern = seconds_per_text(texts, PATTERN_TYPES)
    speed = {"ner_ms": ner * 1000, "pattern_ms": pattern * 1000, "ratio": ner / pattern, "texts": len(texts)}
    result = {
        "corpus": str(CORPUS.relative_to(ROOT)),
        "sentences": len(rows),
        "threshold": args.threshold,
        "scores": {
            t: {**s.__dict__, "precision": s.precision, "recall": s.recall, "hidden": s.hidden}
            for t, s in scores.items()
        },
        "speed": speed,
    }
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(result, indent=2) + "\n")
    args.markdown.write_text(markdown(scores, speed))
    print(markdown(scores, speed))


if __name__ == "__main__":
    main()
