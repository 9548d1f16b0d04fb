"""End to end on the real embedded model: a seed example file and a document folder salted with
known PII, ``privacy.pii`` on; no planted value appears in any export file, the index or the
SQLite store."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

pytestmark = [pytest.mark.integration, pytest.mark.slow]

PLANTED = {
    "PERSON": ["Margaret Ellis", "Samuel Okafor", "Priya Nair"],
    "EMAIL_ADDRESS": ["m.ellis@harbour-insure.co.uk", "priya.nair@fastmail.com"],
    "PHONE_NUMBER": ["(415) 555-0132", "+44 161 496 0753"],
    "CREDIT_CARD": ["4111 1111 1111 1111"],
    "IBAN_CODE": ["GB29NWBK60161331926819"],
    "US_SSN": ["536-22-8714"],
    "MEDICAL_RECORD_NUMBER": ["00482913"],
    "DATE_OF_BIRTH": ["17 August 1956"],
}
VALUES = [v for values in PLANTED.values() for v in values]

DOCS = {
    "claims.md": (
        "# Claims\n\nThe claim filed by Margaret Ellis, born on 17 August 1956, was paid into IBAN "
        "GB29NWBK60161331926819. Claims are paid within ten working days once the adjuster signs "
        "the form. Questions go to m.ellis@harbour-insure.co.uk or +44 161 496 0753.\n"
    ),
    "ward.md": (
        "# Ward notes\n\nPatient Samuel Okafor (MRN 00482913) is fasting before surgery. Fasting "
        "starts at midnight and clear fluids are allowed until six in the morning. The family can "
        "call (415) 555-0132.\n"
    ),
}
EXAMPLES = [
    {
        "question": "How does Priya Nair dispute a card payment on 4111 1111 1111 1111?",
        "answer": "Priya Nair writes to priya.nair@fastmail.com with her SSN 536-22-8714 and the date.",
    },
    {
        "question": "When are claims paid for Margaret Ellis?",
        "answer": "Within ten working days; call +44 161 496 0753 to check.",
    },
]
MODEL = {
    "backend": "llamacpp",
    "model": "smollm2",
    "temperature": 0.7,
    "max_tokens": 96,
    "max_reasoning_chars": 200,
    "n_ctx": 2048,
}
CRITIC = {**MODEL, "temperature": 0.0, "max_tokens": 80}
QUALITY = {"threshold": 1, "regenerate": False}
PII = {"privacy": {"pii": {"enabled": True, "mode": "mask"}}}


def syndgen(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    return subprocess.run(
        [sys.executable, "-m", "syndgen", *args],
        capture_output=True,
        text=True,
        timeout=1500,
        cwd=cwd,
        env=env,
    )


def all_bytes(folder: Path) -> bytes:
    for store in folder.rglob("run.sqlite"):
        with sqlite3.connect(store) as db:
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return b"".join(p.read_bytes() for p in folder.rglob("*") if p.is_file())


def test_no_planted_value_reaches_the_exports_the_index_or_the_store(tmp_path: Path):
    docs = tmp_path / "docs"
    docs.mkdir()
    for name, text in DOCS.items():
        (docs / name).write_text(text)
    (tmp_path / "examples.jsonl").write_text("".join(json.dumps(row) + "\n" for row in EXAMPLES))
    qa = {
        "count": 1,
        "workers": 1,
        "max_attempts": 3,
        "quality": QUALITY,
        "task": {
            "topics": ["insurance claims", "card disputes"],
            "examples": {"path": "examples.jsonl", "k": 2},
        },
        "generator": MODEL,
        "critic": CRITIC,
        "export": {"formats": ["sft", "dpo"], "to": ["jsonl", "parquet"]},
        **PII,
    }
    grounded = {
        "count": 1,
        "workers": 1,
        "max_attempts": 3,
        "quality": QUALITY,
        "task": {"kind": "grounded", "question_max_tokens": 48, "max_reasoning_tokens": 120},
        "grounding": {"index": "index", "top_k": 1, "min_dense": None, "min_lexical": 0.1},
        "generator": MODEL,
        "critic": CRITIC,
        "export": {"formats": ["sft"], "to": ["jsonl", "parquet"]},
        **PII,
    }
    (tmp_path / "qa.yaml").write_text(yaml.safe_dump(qa))
    (tmp_path / "grounded.yaml").write_text(yaml.safe_dump(grounded))
    ingest = syndgen("ingest", "docs", "--index", "index", "--config", "grounded.yaml", cwd=tmp_path)
    assert ingest.returncode == 0, ingest.stderr[-2000:]
    for name in ("qa", "grounded"):
        run = syndgen("run", f"{name}.yaml", "--out", f"runs/{name}", cwd=tmp_path)
        assert run.returncode in (0, 5), run.stderr[-2000:]  # 5: stopped at its attempt cap
        with sqlite3.connect(tmp_path / "runs" / name / "run.sqlite") as db:
            assert db.execute("SELECT COUNT(*) FROM attempts").fetchone()[0] > 0
            kinds = [r[0] for r in db.execute("SELECT kind FROM audit")]
            assert "redaction" in kinds
    exported = list((tmp_path / "runs").rglob("*.jsonl")) + list((tmp_path / "runs").rglob("*.parquet"))
    assert exported, "the runs exported nothing"
    data = all_bytes(tmp_path / "runs") + all_bytes(tmp_path / "index")
    leaked = [value for value in VALUES if value.encode() in data]
    assert leaked == []
    # the seed values were there to be found: the masks stand where they were
    assert b"<PERSON>" in data and b"<IBAN_CODE>" in all_bytes(tmp_path / "index")
