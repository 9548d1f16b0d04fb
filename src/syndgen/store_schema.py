"""The run store's schema: its migrations as a list, applied in order by :func:`migrate`.

Tables are append-only; a change of shape is a new migration at the end of the list, and the
store's ``PRAGMA user_version`` is the number of migrations it has had.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable


def _migration_1(db: sqlite3.Connection) -> None:
    db.executescript(
        """
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE outcomes (
            seed_index INTEGER PRIMARY KEY,
            topic TEXT NOT NULL,
            question TEXT,
            accepted INTEGER NOT NULL,
            attempts INTEGER NOT NULL,
            prompt_tokens INTEGER NOT NULL,
            completion_tokens INTEGER NOT NULL,
            elapsed_s REAL NOT NULL,
            committed_at REAL NOT NULL,
            outcome_json TEXT NOT NULL
        );
        CREATE TABLE attempts (
            seed_index INTEGER NOT NULL REFERENCES outcomes(seed_index),
            attempt_no INTEGER NOT NULL,
            model TEXT NOT NULL,
            reasoning TEXT NOT NULL,
            answer TEXT NOT NULL,
            prompt_tokens INTEGER NOT NULL,
            completion_tokens INTEGER NOT NULL,
            latency_s REAL NOT NULL,
            finish_reason TEXT,
            PRIMARY KEY (seed_index, attempt_no)
        );
        CREATE TABLE verdicts (
            seed_index INTEGER NOT NULL REFERENCES outcomes(seed_index),
            attempt_no INTEGER NOT NULL,
            score INTEGER,
            rationale TEXT NOT NULL,
            critic_model TEXT NOT NULL,
            PRIMARY KEY (seed_index, attempt_no)
        );
        CREATE TABLE rejections (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            seed_index INTEGER NOT NULL REFERENCES outcomes(seed_index),
            attempt_no INTEGER,
            stage TEXT NOT NULL,
            reason TEXT NOT NULL,
            detail TEXT NOT NULL
        );
        CREATE TABLE samples (
            seed_index INTEGER PRIMARY KEY REFERENCES outcomes(seed_index),
            attempt_no INTEGER NOT NULL,
            question_key TEXT NOT NULL,
            score INTEGER NOT NULL
        );
        CREATE TABLE sessions (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            started_at REAL NOT NULL,
            wall_s REAL NOT NULL DEFAULT 0,
            finished INTEGER NOT NULL DEFAULT 0
        );
        """
    )


def _migration_2(db: sqlite3.Connection) -> None:
    """A sample's critic score may be empty: verifiers alone can decide."""
    db.executescript(
        """
        CREATE TABLE samples_v2 (
            seed_index INTEGER PRIMARY KEY REFERENCES outcomes(seed_index),
            attempt_no INTEGER NOT NULL,
            question_key TEXT NOT NULL,
            score INTEGER
        );
        INSERT INTO samples_v2 SELECT seed_index, attempt_no, question_key, score FROM samples;
        DROP TABLE samples;
        ALTER TABLE samples_v2 RENAME TO samples;
        """
    )


def _migration_3(db: sqlite3.Connection) -> None:
    """Each attempt records its role (answer, vote, regenerate, rewrite); the KPIs count by role.

    Stores written before roles existed only ever made a first answer and one regeneration, so
    attempt 2 there was the regeneration.
    """
    db.executescript(
        """
        ALTER TABLE attempts ADD COLUMN role TEXT NOT NULL DEFAULT 'answer';
        UPDATE attempts SET role = 'regenerate' WHERE attempt_no = 2;
        """
    )


def _migration_4(db: sqlite3.Connection) -> None:
    """Reviewers' decisions (:mod:`syndgen.review`), append-only: triggers refuse changes."""
    db.executescript(
        """
        CREATE TABLE IF NOT EXISTS reviews (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            seed_index INTEGER NOT NULL,
            attempt_no INTEGER NOT NULL,
            decision TEXT NOT NULL CHECK (decision IN ('accept', 'reject', 'edit')),
            reviewer TEXT NOT NULL,
            reason TEXT NOT NULL DEFAULT '',
            answer TEXT,
            reasoning TEXT,
            created_at REAL NOT NULL
        );
        CREATE INDEX IF NOT EXISTS reviews_by_seed ON reviews(seed_index, attempt_no);
        CREATE TRIGGER IF NOT EXISTS reviews_no_update BEFORE UPDATE ON reviews
            BEGIN SELECT RAISE(ABORT, 'reviews are append-only'); END;
        CREATE TRIGGER IF NOT EXISTS reviews_no_delete BEFORE DELETE ON reviews
            BEGIN SELECT RAISE(ABORT, 'reviews are append-only'); END;
        """
    )


Migration = Callable[[sqlite3.Connection], None]
MIGRATIONS: list[Migration] = [_migration_1, _migration_2, _migration_3, _migration_4]


def migrate(db: sqlite3.Connection) -> None:
    version = db.execute("PRAGMA user_version").fetchone()[0]
    for number, step in enumerate(MIGRATIONS[version:], start=version + 1):
        with db:
            step(db)
            db.execute(f"PRAGMA user_version = {number}")
