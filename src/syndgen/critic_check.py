"""How well a critic judges: run it over labelled rows and compare its scores with the labels.

A labelled row is ``{"question", "answer", "reasoning"?, "label"}`` where ``label`` is ``good`` /
``bad`` (or true / false) or a 1-5 ``score``; an optional ``kind`` (``correct``,
``wrong_number``, ``off_topic``, ``empty_reasoning``, ``contradiction``, ...) breaks the figures
down by the kind of answer. A row is predicted good when the critic's score reaches the
threshold; a verdict that does not parse counts as bad (as in a run). The figures: accuracy,
ROC AUC of the score against the label (ties count one half; a verdict that does not parse
scores 0), the confusion table, the share labelled good per critic score, and accuracy per kind.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from syndgen.errors import InputError
from syndgen.jsonl import read_numbered_jsonl

GOOD_LABELS = {"good", "true", "1", "yes", "pass"}
BAD_LABELS = {"bad", "false", "0", "no", "fail"}


@dataclass(frozen=True)
class LabelledRow:
    question: str
    answer: str
    reasoning: str
    good: bool
    kind: str = ""
    score: int | None = None
    """The label as a 1-5 score, when the row gives one."""


def _label(raw: dict[str, Any], where: str, threshold: int) -> tuple[bool, int | None]:
    if "score" in raw and raw["score"] is not None:
        score = raw["score"]
        if isinstance(score, bool) or not isinstance(score, int) or not 1 <= score <= 5:
            raise InputError(f"{where}: 'score' must be an integer from 1 to 5, got {score!r}")
        return score >= threshold, score
    label = str(raw.get("label", "")).strip().lower()
    if label in GOOD_LABELS:
        return True, None
    if label in BAD_LABELS:
        return False, None
    raise InputError(
        f"{where}: 'label' must be good or bad (or give a 1-5 'score'), got {raw.get('label')!r}"
    )


def parse_row(raw: Any, where: str, threshold: int) -> LabelledRow:
    """One labelled row, checked (pure); every problem is one error naming the row."""
    if not isinstance(raw, dict):
        raise InputError(f"{where}: each line must be a JSON object")
    for key in ("question", "answer"):
        if not isinstance(raw.get(key), str):
            raise InputError(f"{where}: missing text field '{key}'")
    good, score = _label(raw, where, threshold)
    return LabelledRow(
        question=raw["question"],
        answer=raw["answer"],
        reasoning=str(raw.get("reasoning") or ""),
        good=good,
        kind=str(raw.get("kind") or ""),
        score=score,
    )


def read_labelled(path: Path, threshold: int) -> list[LabelledRow]:
    """The labelled rows of a JSONL file; an unreadable file or row is one error line."""
    if not path.is_file():
        raise InputError(f"labelled file not found: {path}")
    rows = [
        parse_row(raw, f"{path} line {number}", threshold)
        for number, raw in read_numbered_jsonl(path, encoding="utf-8")
    ]
    if not rows:
        raise InputError(f"{path} has no labelled rows", hint="one JSON object per line")
    labels = {r.good for r in rows}
    if len(labels) < 2:
        raise InputError(
            f"{path}: every row has the same label", hint="accuracy and AUC need good and bad rows"
        )
    return rows


def roc_auc(scores: Sequence[float], labels: Sequence[bool]) -> float:
    """ROC AUC by the rank-sum (Mann-Whitney) formula, ties counted one half (pure)."""
    positives = [s for s, y in zip(scores, labels, strict=True) if y]
    negatives = [s for s, y in zip(scores, labels, strict=True) if not y]
    if not positives or not negatives:
        raise ValueError("AUC needs positive and negative rows")
    wins = sum(1.0 if p > n else 0.5 if p == n else 0.0 for p in positives for n in negatives)
    return wins / (len(positives) * len(negatives))


@dataclass
class Report:
    threshold: int
    rows: int = 0
    accuracy: float = 0.0
    auc: float = 0.0
    unparsed: int = 0
    confusion: dict[str, int] = field(default_factory=dict)
    per_score: dict[str, dict[str, float]] = field(default_factory=dict)
    per_kind: dict[str, dict[str, float]] = field(default_factory=dict)
    exact_score_agreement: float | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "threshold": self.threshold,
            "rows": self.rows,
            "accuracy": round(self.accuracy, 4),
            "auc": round(self.auc, 4),
            "unparsed_verdicts": self.unparsed,
            "confusion": self.confusion,
            "per_score": self.per_score,
            "per_kind": self.per_kind,
            "exact_score_agreement": self.exact_score_agreement,
        }


def evaluate(rows: Sequence[LabelledRow], scores: Sequence[int | None], threshold: int) -> Report:
    """The figures of a critic's ``scores`` (None: unparsed) against the rows' labels (pure)."""
    predicted = [s is not None and s >= threshold for s in scores]
    labels = [r.good for r in rows]
    confusion = Counter(
        f"{'good' if y else 'bad'}_judged_{'good' if p else 'bad'}"
        for y, p in zip(labels, predicted, strict=True)
    )
    report = Report(threshold=threshold, rows=len(rows), unparsed=sum(s is None for s in scores))
    report.accuracy = sum(p == y for p, y in zip(predicted, labels, strict=True)) / len(rows)
    report.auc = roc_auc([float(s or 0) for s in scores], labels)
    report.confusion = {
        key: confusion[key]
        for key in ("good_judged_good", "good_judged_bad", "bad_judged_good", "bad_judged_bad")
    }
    for value in ["unparsed", *map(str, range(1, 6))]:
        picked = [
            y
            for s, y in zip(scores, labels, strict=True)
            if (str(s) if s is not None else "unparsed") == value
        ]
        if picked:
            report.per_score[value] = {
                "rows": len(picked),
                "labelled_good": round(sum(picked) / len(picked), 4),
            }
    for kind in sorted({r.kind for r in rows if r.kind}):
        pairs = [(p, y) for r, p, y in zip(rows, predicted, labels, strict=True) if r.kind == kind]
        report.per_kind[kind] = {
            "rows": len(pairs),
            "accuracy": round(sum(p == y for p, y in pairs) / len(pairs), 4),
        }
    scored = [(s, r.score) for s, r in zip(scores, rows, strict=True) if r.score is not None]
    if scored:
        report.exact_score_agreement = round(sum(s == t for s, t in scored) / len(scored), 4)
    return report


def score_rows(
    rows: Sequence[LabelledRow],
    judge: Callable[[int, LabelledRow], int | None],
    progress: Callable[[], None],
    workers: int = 1,
) -> list[int | None]:
    """The critic's score for each row, in order (``judge`` makes the call; ``workers`` calls
    at once, as many as the backend serves together)."""

    def one(index: int) -> int | None:
        score = judge(index, rows[index])
        progress()
        return score

    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        return list(pool.map(one, range(len(rows))))
