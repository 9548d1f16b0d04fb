"""The append-only, hash-chained audit log in the run store.

Each entry is ``(seq, at, kind, payload)``; its hash is the SHA-256 of the previous entry's hash
and the entry's canonical JSON, so editing, deleting or reordering any row breaks the chain from
that row on, and :func:`verify_chain` names the first entry that no longer matches. The table is
created on first use (``CREATE TABLE IF NOT EXISTS``), so stores written before the audit log
existed gain one when a newer syndgen writes to them.

Payloads hold counts, hashes, paths and names, never secrets or raw PII: callers pass what is
safe to keep, and :func:`append_event` refuses keys that look like credentials.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from syndgen.errors import InputError

GENESIS = "0" * 64
_SECRET_KEYS = ("api_key", "apikey", "token", "secret", "password", "authorization")

_TABLE = """
CREATE TABLE IF NOT EXISTS audit (
    seq INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
)
"""


@dataclass(frozen=True)
class AuditEntry:
    seq: int
    at: str
    kind: str
    payload: dict[str, Any]
    prev_hash: str
    hash: str


def entry_hash(prev_hash: str, seq: int, at: str, kind: str, payload_json: str) -> str:
    """The chain hash of one entry (pure)."""
    body = json.dumps([seq, at, kind, payload_json], separators=(",", ":"))
    return hashlib.sha256(f"{prev_hash}\n{body}".encode()).hexdigest()


def canonical(payload: Mapping[str, Any]) -> str:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)


def _check_no_secrets(payload: Mapping[str, Any], path: str = "") -> None:
    for key, value in payload.items():
        lowered = str(key).lower()
        if any(word in lowered for word in _SECRET_KEYS):
            raise InputError(
                f"audit entry field {path}{key!r} looks like a secret",
                hint="pass a hash or a name, never a credential",
            )
        if isinstance(value, Mapping):
            _check_no_secrets(value, f"{path}{key}.")


def ensure_table(db: sqlite3.Connection) -> None:
    db.execute(_TABLE)


def has_table(db: sqlite3.Connection) -> bool:
    row = db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'audit'").fetchone()
    return row is not None


def has_kind(db: sqlite3.Connection, kind: str) -> bool:
    """Does the log hold an entry of ``kind``?"""
    if not has_table(db):
        return False
    return db.execute("SELECT 1 FROM audit WHERE kind = ? LIMIT 1", (kind,)).fetchone() is not None


def append_event(db: sqlite3.Connection, kind: str, payload: Mapping[str, Any]) -> str:
    """Append one entry and return its hash. Runs in its own transaction unless one is open."""
    _check_no_secrets(payload)
    ensure_table(db)
    own = not db.in_transaction
    if own:
        db.execute("BEGIN IMMEDIATE")
    try:
        last = db.execute("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
        seq, prev = (1, GENESIS) if last is None else (int(last[0]) + 1, str(last[1]))
        at = _dt.datetime.now(_dt.UTC).isoformat(timespec="microseconds")
        body = canonical(payload)
        digest = entry_hash(prev, seq, at, kind, body)
        db.execute(
            "INSERT INTO audit(seq, at, kind, payload, prev_hash, hash) VALUES(?,?,?,?,?,?)",
            (seq, at, kind, body, prev, digest),
        )
        if own:
            db.execute("COMMIT")
    except BaseException:
        if own:
            db.execute("ROLLBACK")
        raise
    return digest


def entries(db: sqlite3.Connection) -> list[AuditEntry]:
    if not has_table(db):
        return []
    rows = db.execute("SELECT seq, at, kind, payload, prev_hash, hash FROM audit ORDER BY seq").fetchall()
    return [AuditEntry(int(r[0]), str(r[1]), str(r[2]), json.loads(r[3]), str(r[4]), str(r[5])) for r in rows]


def verify_chain(db: sqlite3.Connection) -> tuple[int, int | None, str]:
    """``(entries checked, first broken seq or None, why)`` over the whole log."""
    if not has_table(db):
        return 0, None, "no audit log"
    prev = GENESIS
    expected_seq = 1
    count = 0
    for seq, at, kind, payload, prev_hash, digest in db.execute(
        "SELECT seq, at, kind, payload, prev_hash, hash FROM audit ORDER BY seq"
    ):
        count += 1
        if seq != expected_seq:
            return count, int(seq), f"entry {expected_seq} is missing"
        if prev_hash != prev:
            return count, int(seq), "its previous-hash does not match the entry before it"
        if entry_hash(prev, int(seq), str(at), str(kind), str(payload)) != digest:
            return count, int(seq), "its contents do not match its hash"
        prev = str(digest)
        expected_seq += 1
    return count, None, "intact"


def head_hash(db: sqlite3.Connection) -> str | None:
    if not has_table(db):
        return None
    row = db.execute("SELECT hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
    return None if row is None else str(row[0])
