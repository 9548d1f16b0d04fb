"""The quality dashboard's data: the figures of ``syndgen inspect`` (:func:`syndgen.api.inspect_run`:
KPIs, coverage against quotas, diversity) and the series its plots draw: scores of kept and
rejected attempts, rejection reasons over time, lengths, difficulty buckets, and an embedding
map of kept vs rejected records (2-D principal components of the run's own embedder).

Reads open the store read-only. The embedding map loads the embedding model, so it is its own
read, cached per run folder and number of attempts.
"""

from __future__ import annotations

import sqlite3
import threading
from collections import Counter
from pathlib import Path
from typing import Any

from syndgen.api import inspect_run
from syndgen.errors import SyndgenError
from syndgen.records import SeedOutcome
from syndgen.store import STORE_NAME, RunStore

MAP_POINTS = 1000
MAP_CACHE = 32
_map_cache: dict[tuple[str, int], dict[str, Any]] = {}
_map_lock = threading.Lock()


def _read(run_dir: Path) -> tuple[list[SeedOutcome], list[tuple[float, str]], dict[str, Any]]:
    store = RunStore.open_existing(run_dir)
    try:
        outcomes = list(store.outcomes())
        timeline = [
            (float(t), str(reason))
            for t, reason in store.rows(
                "SELECT o.committed_at, r.reason FROM rejections r"
                " JOIN outcomes o ON o.seed_index = r.seed_index ORDER BY o.committed_at, r.id"
            )
        ]
        return outcomes, timeline, store.config()
    finally:
        store.close()


def reasons_over_time(timeline: list[tuple[float, str]]) -> dict[str, dict[str, list[float]]]:
    """``{reason: {"t": [...], "n": [...]}}``: each reason's running count at each commit that
    added one, seconds from the first rejection (pure)."""
    if not timeline:
        return {}
    start = timeline[0][0]
    running: Counter[str] = Counter()
    series: dict[str, dict[str, list[float]]] = {}
    for t, reason in timeline:
        running[reason] += 1
        line = series.setdefault(reason, {"t": [], "n": []})
        line["t"].append(round(t - start, 2))
        line["n"].append(running[reason])
    return series


def attempt_series(outcomes: list[SeedOutcome]) -> dict[str, Any]:
    """Scores, lengths and difficulty buckets, kept vs rejected (pure)."""
    scores: dict[str, list[int]] = {"kept": [], "rejected": []}
    answer_chars: dict[str, list[int]] = {"kept": [], "rejected": []}
    reasoning_chars: dict[str, list[int]] = {"kept": [], "rejected": []}
    difficulty: Counter[str] = Counter()
    for outcome in outcomes:
        kept_no = outcome.sample.attempt.attempt_no if outcome.sample else None
        verdicts = {v.attempt_no: v.score for v in outcome.verdicts}
        for attempt in outcome.attempts:
            side = "kept" if attempt.attempt_no == kept_no else "rejected"
            if verdicts.get(attempt.attempt_no) is not None:
                scores[side].append(int(verdicts[attempt.attempt_no] or 0))
            answer_chars[side].append(len(attempt.answer))
            reasoning_chars[side].append(len(attempt.reasoning))
        if outcome.sample is not None:
            difficulty[outcome.sample.difficulty or "unrated"] += 1
    return {
        "scores": scores,
        "answer_chars": answer_chars,
        "reasoning_chars": reasoning_chars,
        "difficulty": dict(difficulty),
    }


def dashboard(run_dir: Path) -> dict[str, Any] | None:
    """The dashboard's figures and series; None before the run has a store."""
    if not (run_dir / STORE_NAME).is_file():
        return None
    try:
        figures = inspect_run(run_dir)
        outcomes, timeline, _ = _read(run_dir)
    except (SyndgenError, sqlite3.Error):
        return None  # a store being created: the next read has it
    figures.pop("run_dir", None)
    return {
        "inspect": figures,
        "reasons_over_time": reasons_over_time(timeline),
        **attempt_series(outcomes),
    }


def _texts(outcomes: list[SeedOutcome]) -> tuple[list[str], list[str], list[str]]:
    texts, sides, labels = [], [], []
    for outcome in outcomes:
        question = outcome.question.text if outcome.question else ""
        kept_no = outcome.sample.attempt.attempt_no if outcome.sample else None
        for attempt in outcome.attempts:
            body = "\n".join(t.content for t in attempt.turns) if attempt.turns else attempt.answer
            if not body.strip():
                continue
            texts.append(f"{question}\n{body}")
            sides.append("kept" if attempt.attempt_no == kept_no else "rejected")
            labels.append(f"seed {outcome.seed.index} #{attempt.attempt_no}: {question[:80]}")
    step = max(1, len(texts) // MAP_POINTS + (1 if len(texts) % MAP_POINTS else 0))
    return texts[::step], sides[::step], labels[::step]


def project_2d(vectors: Any) -> Any:
    """The rows of ``vectors`` on their first two principal components (pure numpy)."""
    import numpy as np

    data = np.asarray(vectors, dtype=np.float64)
    if data.shape[0] < 2:
        return np.zeros((data.shape[0], 2))
    centred = data - data.mean(axis=0)
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    coords = centred @ vt[:2].T
    if coords.shape[1] < 2:
        coords = np.hstack([coords, np.zeros((coords.shape[0], 2 - coords.shape[1]))])
    return coords


def embedding_map(run_dir: Path) -> dict[str, Any]:
    """Kept and rejected attempts on a 2-D map of their embeddings (at most 1000 points)."""
    if not (run_dir / STORE_NAME).is_file():
        return {"points": []}
    outcomes, _, config = _read(run_dir)
    attempts = sum(len(o.attempts) for o in outcomes)
    key = (str(run_dir.resolve()), attempts)
    with _map_lock:
        if key in _map_cache:
            return _map_cache[key]
    texts, sides, labels = _texts(outcomes)
    points: list[dict[str, Any]] = []
    if texts:
        from syndgen.embed import get_embedder

        name = str((config.get("dedup") or {}).get("embedder") or "minilm")
        coords = project_2d(get_embedder(name).encode(texts))
        points = [
            {"x": round(float(x), 4), "y": round(float(y), 4), "side": side, "label": label}
            for (x, y), side, label in zip(coords, sides, labels, strict=True)
        ]
    result = {"points": points}
    with _map_lock:
        if len(_map_cache) >= MAP_CACHE:
            _map_cache.clear()
        _map_cache[key] = result
    return result
