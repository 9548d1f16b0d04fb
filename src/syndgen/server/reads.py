"""What the API reads from a job: its detail (counts, KPIs, coverage, ETA), its samples and its
rejections, paged and filtered. Reads open the run store read-only (the SDK's
:func:`syndgen.api.inspect_run` for the figures); they never take the run folder's lock."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Any

from syndgen.api import inspect_run
from syndgen.errors import SyndgenError
from syndgen.review import read_reviews, review_counts
from syndgen.server.jobs import JobRecord
from syndgen.store import STORE_NAME, RunStore

MAX_PAGE = 500


def eta_s(record: JobRecord, progress: dict[str, Any] | None, now: float | None = None) -> float | None:
    """Seconds left at this session's pace (pure); ``None`` until a seed was kept."""
    if record.state != "running" or not progress:
        return None
    done = int(progress.get("samples") or 0)
    gained = done - int(progress.get("resumed_samples") or 0)
    elapsed = (now or time.time()) - float(progress.get("session_started_at") or 0)
    target = int(progress.get("target") or record.target)
    if gained <= 0 or elapsed <= 0:
        return None
    return round(max(0, target - done) * elapsed / gained, 1)


def detail(record: JobRecord, run_dir: Path, progress: dict[str, Any] | None) -> dict[str, Any]:
    body: dict[str, Any] = {**record.model_dump(), "progress": progress, "eta_s": eta_s(record, progress)}
    run: dict[str, Any] | None = None
    if (run_dir / STORE_NAME).is_file():
        try:
            run = inspect_run(run_dir)
        except (SyndgenError, sqlite3.Error):
            run = None  # a store being created: its figures come with the next read
    if run is not None:
        run.pop("run_dir", None)
        run["reviews"] = review_counts(read_reviews(run_dir))
        body["coverage"] = run.pop("coverage", None)
        body["run"] = run
    return body


def _page(limit: int, offset: int) -> tuple[int, int]:
    return max(1, min(MAX_PAGE, limit)), max(0, offset)


def _open(run_dir: Path) -> RunStore | None:
    if not (run_dir / STORE_NAME).is_file():
        return None
    return RunStore.open_existing(run_dir)


def _paged(
    run_dir: Path,
    keys: tuple[str, ...],
    select: str,
    sql_from: str,
    order: str,
    args: list[Any],
    limit: int,
    offset: int,
) -> dict[str, Any]:
    """One page of ``SELECT select sql_from`` ordered by ``order``, with the total count; the
    rows as objects keyed by ``keys`` (an empty page before the run has a store)."""
    store = _open(run_dir)
    if store is None:
        return {"total": 0, "offset": offset, "limit": limit, "items": []}
    try:
        total = store.scalar("SELECT COUNT(*)" + sql_from, *args)
        rows = store.rows(
            f"SELECT {select}{sql_from} ORDER BY {order} LIMIT ? OFFSET ?", *args, limit, offset
        )
    finally:
        store.close()
    return {
        "total": total,
        "offset": offset,
        "limit": limit,
        "items": [dict(zip(keys, r, strict=True)) for r in rows],
    }


def samples(
    run_dir: Path, *, limit: int, offset: int, topic: str | None, min_score: int | None, q: str | None
) -> dict[str, Any]:
    limit, offset = _page(limit, offset)
    where: list[str] = ["1=1"]
    args: list[Any] = []
    if topic is not None:
        where.append("o.topic = ?")
        args.append(topic)
    if min_score is not None:
        where.append("s.score >= ?")
        args.append(min_score)
    if q:
        where.append("(o.question LIKE ? OR a.answer LIKE ?)")
        args += [f"%{q}%", f"%{q}%"]
    sql_from = (
        " FROM samples s JOIN outcomes o ON o.seed_index = s.seed_index"
        " JOIN attempts a ON a.seed_index = s.seed_index AND a.attempt_no = s.attempt_no"
        " WHERE " + " AND ".join(where)
    )
    keys = ("seed_index", "topic", "question", "reasoning", "answer", "score", "model")
    select = "s.seed_index, o.topic, o.question, a.reasoning, a.answer, s.score, a.model"
    return _paged(run_dir, keys, select, sql_from, "s.seed_index", args, limit, offset)


def rejections(
    run_dir: Path, *, limit: int, offset: int, stage: str | None, reason: str | None
) -> dict[str, Any]:
    limit, offset = _page(limit, offset)
    where: list[str] = ["1=1"]
    args: list[Any] = []
    for column, value in (("stage", stage), ("reason", reason)):
        if value is not None:
            where.append(f"{column} = ?")
            args.append(value)
    sql_from = " FROM rejections WHERE " + " AND ".join(where)
    keys = ("id", "seed_index", "attempt_no", "stage", "reason", "detail")
    return _paged(run_dir, keys, ", ".join(keys), sql_from, "id", args, limit, offset)
