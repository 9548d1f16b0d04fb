"""``privacy.pii`` in a run: config errors, the config hash, generated records redacted before
they are stored (pseudonyms consistent across a kill -9 and resume), drop and report modes, the
audit log's counts, seed examples and topics redacted when the context is built."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from syndgen.config import RunConfig, load_config
from syndgen.errors import ConfigError
from syndgen.privacy.audit import entries, verify_chain
from syndgen.privacy.keys import load_key
from syndgen.privacy.surrogates import surrogate
from syndgen.runner.build import build_context

sys.path.insert(0, str(Path(__file__).parent))
from pii_scripted_run import PLANTED, main

HERE = Path(__file__).parent
SRC = HERE.parents[1] / "src"


def write_config(path: Path, pii: dict, **extra: object) -> Path:
    data = {
        "count": 3,
        "generator": {"backend": "dryrun"},
        "dedup": {"semantic_threshold": None},
        "privacy": {"pii": {"enabled": True, **pii}},
        **extra,
    }
    path.write_text(yaml.safe_dump(data))
    return path


def store_bytes(run_dir: Path) -> bytes:
    with sqlite3.connect(run_dir / "run.sqlite") as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return b"".join(p.read_bytes() for p in run_dir.rglob("*") if p.is_file())


def test_an_unknown_entity_type_is_one_config_error_naming_the_allowed_ones(tmp_path: Path):
    path = write_config(tmp_path / "c.yaml", {"entities": ["PERSON", "PASSPORT"]})
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    message = str(caught.value)
    assert "\n" not in message
    assert "unknown PII entity type 'PASSPORT'" in message and "MEDICAL_RECORD_NUMBER" in message


def test_the_default_section_keeps_the_config_hash_and_pii_changes_it():
    plain = RunConfig()
    assert RunConfig(privacy={}).config_hash() == plain.config_hash()
    assert RunConfig(privacy={"pii": {"enabled": False}}).config_hash() == plain.config_hash()
    assert RunConfig(privacy={"pii": {"enabled": True}}).config_hash() != plain.config_hash()


def test_a_key_file_inside_the_run_folder_is_refused(tmp_path: Path):
    run_dir = tmp_path / "run"
    path = write_config(tmp_path / "c.yaml", {"mode": "pseudonymise", "key_file": str(run_dir / "k")})
    proc = subprocess.run(
        [sys.executable, "-m", "syndgen", "run", str(path), "--out", str(run_dir)],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(SRC)},
    )
    assert proc.returncode == 2 and "inside the run folder" in proc.stderr
    assert not (run_dir / "k").exists()


def test_examples_and_topics_are_redacted_when_the_context_is_built(tmp_path: Path):
    examples = tmp_path / "ex.jsonl"
    examples.write_text(
        json.dumps({"question": "Can Maria Gonzalez pay by card?", "answer": "Yes, call (415) 555-0132."})
        + "\n"
    )
    config = load_config(
        write_config(
            tmp_path / "c.yaml",
            {},
            task={
                "topics": ["billing for John Smith", "refunds"],
                "examples": {"path": str(examples), "k": 1},
            },
        )
    )
    ctx = build_context(config, duplicates=False)
    assert ctx.examples == ({"question": "Can <PERSON> pay by card?", "answer": "Yes, call <PHONE_NUMBER>."},)
    assert ctx.topics == ("billing for <PERSON>", "refunds")
    assert ctx.pii is not None and ctx.pii.found["examples"] == {"PERSON": 1, "PHONE_NUMBER": 1}


def test_mask_keeps_every_planted_value_out_of_the_store_and_audits_counts(tmp_path: Path):
    run_dir = tmp_path / "run"
    main(str(write_config(tmp_path / "c.yaml", {"mode": "mask"})), str(run_dir))
    data = store_bytes(run_dir)
    for value in PLANTED.values():
        assert value.encode() not in data
    with sqlite3.connect(run_dir / "run.sqlite") as db:
        answers = [
            json.loads(r[0])["sample"]["attempt"]["answer"]
            for r in db.execute("SELECT outcome_json FROM outcomes WHERE accepted = 1")
        ]
        assert len(answers) == 3 and all(
            "<PERSON> (<EMAIL_ADDRESS>) paid with card <CREDIT_CARD>" in a for a in answers
        )
        logged = [e for e in entries(db) if e.kind == "redaction"]
        assert verify_chain(db)[1] is None
    samples = [e.payload for e in logged if e.payload["where"] == "samples"]
    assert sum(p["counts"]["CREDIT_CARD"] for p in samples) >= 3
    assert all(set(p) == {"where", "mode", "counts", "total", "dropped"} for p in samples)


def test_drop_rejects_records_holding_pii_with_reason_pii(tmp_path: Path):
    run_dir = tmp_path / "run"
    main(str(write_config(tmp_path / "c.yaml", {"mode": "drop"}, count=2, max_attempts=4)), str(run_dir))
    with sqlite3.connect(run_dir / "run.sqlite") as db:
        reasons = [r[0] for r in db.execute("SELECT reason FROM rejections WHERE stage = 'privacy'")]
        assert reasons and set(reasons) == {"pii"}
        assert db.execute("SELECT COUNT(*) FROM samples").fetchone()[0] == 0
    data = store_bytes(run_dir)
    assert all(value.encode() not in data for value in PLANTED.values())  # what is kept is masked


def test_report_only_counts(tmp_path: Path):
    run_dir = tmp_path / "run"
    main(str(write_config(tmp_path / "c.yaml", {"mode": "report"}, count=1)), str(run_dir))
    assert PLANTED["PERSON"].encode() in store_bytes(run_dir)
    with sqlite3.connect(run_dir / "run.sqlite") as db:
        counts = [e.payload["counts"] for e in entries(db) if e.kind == "redaction"]
    assert any(c.get("PERSON") for c in counts)


def outcomes(run_dir: Path) -> list[dict]:
    try:
        with sqlite3.connect(run_dir / "run.sqlite", timeout=1) as db:
            return [
                json.loads(r[0]) for r in db.execute("SELECT outcome_json FROM outcomes ORDER BY seed_index")
            ]
    except sqlite3.OperationalError:
        return []


@pytest.mark.slow
def test_pseudonyms_are_the_same_across_a_kill_9_and_resume(tmp_path: Path, key_file: Path):
    cfg = write_config(
        tmp_path / "c.yaml",
        {"mode": "pseudonymise", "key_file": str(key_file)},
        count=12,
        workers=1,
        generator={"backend": "dryrun", "latency_s": 0.15, "parallel": 1},
    )
    run_dir = tmp_path / "run"
    command = [sys.executable, str(HERE / "pii_scripted_run.py"), str(cfg), str(run_dir)]
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while len(outcomes(run_dir)) < 2 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert proc.poll() is None, "the run ended before it could be killed"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    before = len(outcomes(run_dir))
    resumed = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    stored = outcomes(run_dir)
    assert 2 <= before < len(stored)
    key = load_key(key_file)
    fakes = {entity: surrogate(key, entity, value) for entity, value in PLANTED.items()}
    answers = [o["sample"]["attempt"]["answer"] for o in stored if o["sample"]]
    assert len(answers) == 12
    for answer in answers:  # the sessions before and after the kill wrote the same surrogates
        assert f"{fakes['PERSON']} ({fakes['EMAIL_ADDRESS']}) paid with card {fakes['CREDIT_CARD']}" in answer
    data = store_bytes(run_dir)
    assert all(value.encode() not in data for value in PLANTED.values())
    assert key not in data  # the key never enters the run folder


def test_a_missing_extra_names_the_pip_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    import importlib.util

    from syndgen.errors import MissingExtraError

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "presidio_analyzer" else real(name, *a)
    )
    with pytest.raises(MissingExtraError, match=r"presidio-analyzer not installed.*syndgen\[privacy\]"):
        build_context(load_config(write_config(tmp_path / "c.yaml", {})), duplicates=False)


def test_drop_leaves_out_examples_and_topics_holding_pii(tmp_path: Path):
    examples = tmp_path / "ex.jsonl"
    rows = [
        {"question": "Is John Smith covered?", "answer": "Yes."},
        {"question": "Is dental covered?", "answer": "No."},
    ]
    examples.write_text("".join(json.dumps(r) + "\n" for r in rows))
    task = {"topics": ["billing for John Smith", "refunds"], "examples": {"path": str(examples), "k": 1}}
    ctx = build_context(
        load_config(write_config(tmp_path / "c.yaml", {"mode": "drop"}, task=task)), duplicates=False
    )
    assert ctx.examples == (rows[1],) and ctx.topics == ("refunds",)
    assert ctx.pii is not None and ctx.pii.dropped == {"examples": 1, "taxonomy": 1}
