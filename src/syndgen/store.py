"""The run store: one SQLite file in the run folder, the single source of truth.

Each seed's outcome (question, attempts, verdicts, rejections, sample) is written in one
transaction, so a run killed at any moment (even ``kill -9``) leaves either the whole seed or
none of it; resuming redoes only unfinished seeds, and nothing is lost or duplicated. Tables are
append-only; schema changes are a list of migration functions.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from syndgen.errors import RunStateError
from syndgen.records import SeedOutcome
from syndgen.runlock import RunLock
from syndgen.store_schema import MIGRATIONS, migrate

STORE_NAME = "run.sqlite"
TABLES = frozenset({"meta", "outcomes", "attempts", "verdicts", "rejections", "samples", "sessions"})
_REPAIR = "restore it from a copy, or start again with `syndgen run ... --overwrite`"


def _damaged(path: Path, why: str) -> RunStateError:
    return RunStateError(f"{path} is {why}", hint=_REPAIR)


def check_store(path: Path) -> str | None:
    """What is wrong with the store file at ``path``, read-only and without changing a byte.

    Returns None for a sound store, ``"empty"`` for a file with no run in it (zero bytes, or no
    syndgen tables), or a description of the damage (not a database, truncated, newer schema).
    """
    if path.stat().st_size == 0:
        return "empty"
    try:
        db = _connect_ro(path)
    except sqlite3.DatabaseError as exc:
        return f"damaged ({exc})"
    try:
        version = int(db.execute("PRAGMA user_version").fetchone()[0])
        tables = {str(r[0]) for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if version == 0 and not tables:
            return "empty"
        if version > len(MIGRATIONS):
            return f"from a newer syndgen (schema {version}, this one reads up to {len(MIGRATIONS)})"
        missing = sorted(TABLES - tables)
        if missing:
            return f"damaged (no {', '.join(missing)} table)"
        verdict = [str(r[0]) for r in db.execute("PRAGMA quick_check(3)")]
        if verdict != ["ok"]:
            return f"damaged ({verdict[0]})"
    except sqlite3.DatabaseError as exc:
        return f"damaged ({exc})"
    finally:
        db.close()
    return None


def _connect_ro(path: Path) -> sqlite3.Connection:
    """A read-only connection. In a folder nobody may write (read-only media, another user's run)
    SQLite cannot create the WAL index it needs, so the file is then opened as immutable."""
    uri = f"file:{urllib.parse.quote(str(path.resolve()))}?mode=ro"
    db = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False)
    try:
        db.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
    except sqlite3.OperationalError:  # cannot open (not: not a database, which is DatabaseError)
        db.close()
        if os.access(path.parent, os.W_OK):
            raise
        db = sqlite3.connect(f"{uri}&immutable=1", uri=True, isolation_level=None, check_same_thread=False)
    return db


class RunStore:
    """The run store. ``read_only`` opens it with SQLite's ``mode=ro`` (inspect, export): nothing
    is written, and an empty or damaged file is refused with one line, its bytes unchanged. A
    writable store may own the run folder's :class:`RunLock`; :meth:`close` releases it."""

    def __init__(self, path: Path, *, read_only: bool = False, lock: RunLock | None = None) -> None:
        self.path = path
        self.read_only = read_only
        self._lock = lock
        try:
            if read_only:
                self.db = _connect_ro(path)
            else:
                self.db = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
                self.db.execute("PRAGMA journal_mode=WAL")
                # WAL + NORMAL: a commit survives kill -9 (it is in the OS before COMMIT returns).
                self.db.execute("PRAGMA synchronous=NORMAL")
                migrate(self.db)
        except sqlite3.DatabaseError as exc:
            if lock is not None:
                lock.release()
            raise _damaged(path, f"damaged ({exc})") from None
        self._session: int | None = None
        self._session_start = 0.0

    @property
    def schema_version(self) -> int:
        """The store's migration number (a read-only store may be older than this syndgen)."""
        return int(self.db.execute("PRAGMA user_version").fetchone()[0])

    def attempt_role_sql(self, alias: str = "") -> str:
        """The SQL for an attempt's role; a store older than roles (read-only, not migrated) only
        ever made a first answer and one regeneration, so attempt 2 there was the regeneration."""
        prefix = f"{alias}." if alias else ""
        if self.schema_version >= 3:
            return f"{prefix}role"
        return f"CASE WHEN {prefix}attempt_no = 2 THEN 'regenerate' ELSE 'answer' END"

    # ----------------------------------------------------------------- opening

    @classmethod
    def open_existing(cls, run_dir: Path) -> RunStore:
        """Open a run's store read-only; a missing, empty or damaged one is one clear error."""
        path = run_dir / STORE_NAME
        if not path.is_file():
            raise RunStateError(
                f"{run_dir} is not a syndgen run folder (no {STORE_NAME})",
                hint="give the --out folder of a run",
            )
        problem = check_store(path)
        if problem == "empty":
            raise RunStateError(
                f"{path} is empty: it holds no run", hint="run `syndgen run` into this folder first"
            )
        if problem is not None:
            raise _damaged(path, problem)
        return cls(path, read_only=True)

    def close(self) -> None:
        try:
            self.db.close()
        finally:
            if self._lock is not None:
                self._lock.release()
                self._lock = None

    # ----------------------------------------------------------------- meta

    def get_meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def set_meta(self, key: str, value: str) -> None:
        self.db.execute(
            "INSERT INTO meta(key, value) VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET value=excluded.value",
            (key, value),
        )

    def config(self) -> dict[str, Any]:
        raw = self.get_meta("config")
        return json.loads(raw) if raw else {}

    # ----------------------------------------------------------------- sessions

    def start_session(self) -> None:
        self._session_start = time.time()
        cur = self.db.execute("INSERT INTO sessions(started_at) VALUES(?)", (self._session_start,))
        self._session = cur.lastrowid

    def _touch_session(self, finished: bool = False) -> None:
        if self._session is None:
            return
        self.db.execute(
            "UPDATE sessions SET wall_s = ?, finished = ? WHERE id = ?",
            (time.time() - self._session_start, int(finished), self._session),
        )

    def end_session(self) -> None:
        self._touch_session(finished=True)
        self._session = None

    # ----------------------------------------------------------------- writing

    def commit(self, outcome: SeedOutcome, question_key: str | None) -> None:
        """Write one seed's outcome, all of it or nothing."""
        usage = outcome.usage
        seed = outcome.seed
        db = self.db
        db.execute("BEGIN IMMEDIATE")
        try:
            db.execute(
                "INSERT INTO outcomes VALUES(?,?,?,?,?,?,?,?,?,?)",
                (
                    seed.index,
                    seed.topic,
                    outcome.question.text if outcome.question else None,
                    int(outcome.accepted),
                    len(outcome.attempts),
                    usage.prompt_tokens,
                    usage.completion_tokens,
                    outcome.elapsed_s,
                    time.time(),
                    outcome.model_dump_json(),
                ),
            )
            db.executemany(
                "INSERT INTO attempts VALUES(?,?,?,?,?,?,?,?,?,?)",
                [
                    (
                        a.seed_index,
                        a.attempt_no,
                        a.model,
                        a.reasoning,
                        a.answer,
                        a.usage.prompt_tokens,
                        a.usage.completion_tokens,
                        a.latency_s,
                        a.finish_reason,
                        a.role,
                    )
                    for a in outcome.attempts
                ],
            )
            db.executemany(
                "INSERT INTO verdicts VALUES(?,?,?,?,?)",
                [
                    (v.seed_index, v.attempt_no, v.score, v.rationale, v.critic_model)
                    for v in outcome.verdicts
                ],
            )
            db.executemany(
                "INSERT INTO rejections(seed_index, attempt_no, stage, reason, detail) VALUES(?,?,?,?,?)",
                [(r.seed_index, r.attempt_no, r.stage, r.reason, r.detail) for r in outcome.rejections],
            )
            if outcome.sample is not None:
                sample = outcome.sample
                db.execute(
                    "INSERT INTO samples VALUES(?,?,?,?)",
                    (seed.index, sample.attempt.attempt_no, question_key or "", sample.score),
                )
            self._touch_session()
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise

    # ----------------------------------------------------------------- reading

    def finished_seeds(self) -> set[int]:
        return {int(r[0]) for r in self.db.execute("SELECT seed_index FROM outcomes")}

    def question_keys_by_seed(self) -> list[tuple[int, str]]:
        return [
            (int(r[0]), str(r[1])) for r in self.db.execute("SELECT seed_index, question_key FROM samples")
        ]

    def kept_questions(self) -> Iterator[tuple[int, str]]:
        """(seed index, question key) of every kept sample in seed order, read as it goes."""
        for index, key in self.db.execute("SELECT seed_index, question_key FROM samples ORDER BY seed_index"):
            yield int(index), str(key)

    def count(self, table: str) -> int:
        if table not in {"outcomes", "attempts", "verdicts", "rejections", "samples"}:
            raise ValueError(table)
        return int(self.db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])

    def outcomes(self) -> Iterator[SeedOutcome]:
        """Every stored outcome in seed order."""
        for (blob,) in self.db.execute("SELECT outcome_json FROM outcomes ORDER BY seed_index"):
            yield SeedOutcome.model_validate_json(blob)

    def scalar(self, sql: str, *args: Any) -> Any:
        return self.db.execute(sql, args).fetchone()[0]

    def rows(self, sql: str, *args: Any) -> list[tuple[Any, ...]]:
        return list(self.db.execute(sql, args).fetchall())
