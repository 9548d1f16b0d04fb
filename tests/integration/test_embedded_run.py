"""End to end on the real embedded model: generation, critic, regeneration, store, exports."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pyarrow.parquet as pq
from datasets import load_dataset

from syndgen.api import inspect_run
from syndgen.config import load_config
from syndgen.reasoning import split_reasoning


def rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_run_reaches_count_with_reasoning_and_verdicts(embedded_run: Path, small_config_path: Path):
    config = load_config(small_config_path)
    info = inspect_run(embedded_run)
    assert info["samples"] == config.count
    assert info["attempts"] >= info["samples"]
    db = sqlite3.connect(embedded_run / "run.sqlite")
    accepted = db.execute(
        "SELECT a.reasoning, a.answer, v.score FROM samples s "
        "JOIN attempts a ON a.seed_index = s.seed_index AND a.attempt_no = s.attempt_no "
        "JOIN verdicts v ON v.seed_index = s.seed_index AND v.attempt_no = s.attempt_no"
    ).fetchall()
    assert len(accepted) == config.count
    for reasoning, answer, score in accepted:
        assert reasoning.strip() and answer.strip()
        assert score >= config.quality.threshold
    # Every attempt was either accepted or rejected with a reason; nothing is lost.
    attempts = db.execute("SELECT COUNT(*) FROM attempts").fetchone()[0]
    rejected = db.execute("SELECT COUNT(*) FROM rejections WHERE attempt_no IS NOT NULL").fetchone()[0]
    assert attempts == config.count + rejected
    # Every regeneration followed a rejected first attempt.
    regen = db.execute("SELECT seed_index FROM attempts WHERE attempt_no = 2").fetchall()
    for (seed_index,) in regen:
        assert (
            db.execute(
                "SELECT COUNT(*) FROM rejections WHERE seed_index = ? AND attempt_no = 1", (seed_index,)
            ).fetchone()[0]
            == 1
        )


def test_kpis_are_stored_and_consistent(embedded_run: Path):
    info = inspect_run(embedded_run)
    for key in (
        "samples",
        "attempts",
        "rejection_rate",
        "rejections_by_reason",
        "seconds_per_valid_record",
        "tokens_per_valid_record",
    ):
        assert key in info
    assert info["rejection_rate"] == round((info["attempts"] - info["samples"]) / info["attempts"], 4)
    assert sum(info["rejections_by_reason"].values()) >= info["attempts"] - info["samples"]
    assert info["seconds_per_valid_record"] > 0
    assert info["tokens_per_valid_record"] > 0


def test_sft_export_loads_with_datasets_in_both_formats(embedded_run: Path):
    jsonl = load_dataset("json", data_files=str(embedded_run / "data" / "sft.jsonl"), split="train")
    parquet = load_dataset("parquet", data_files=str(embedded_run / "data" / "sft.parquet"), split="train")
    assert jsonl.num_rows == parquet.num_rows == 3
    assert jsonl["messages"] == parquet["messages"]
    for messages in jsonl["messages"]:
        assert [m["role"] for m in messages] == ["user", "assistant"]
        split = split_reasoning(messages[-1]["content"])
        assert split.reasoning and split.answer  # reasoning kept inline by default


def test_dpo_export_pairs_the_rejected_attempt_of_the_same_seed(embedded_run: Path):
    db = sqlite3.connect(embedded_run / "run.sqlite")
    expected = db.execute(
        "SELECT COUNT(*) FROM samples s JOIN attempts a ON a.seed_index = s.seed_index "
        "AND a.attempt_no != s.attempt_no AND trim(a.answer) != ''"
    ).fetchone()[0]
    path = embedded_run / "data" / "dpo.jsonl"
    if expected == 0:
        assert not path.exists()
        return
    data = rows(path)
    assert len(data) == expected
    table = pq.read_table(embedded_run / "data" / "dpo.parquet")
    assert table.num_rows == expected
    for row in data:
        assert row["prompt"][-1]["role"] == "user"
        assert row["chosen"] != row["rejected"]
        assert row["chosen_score"] >= 3  # the threshold of the shared config
        assert row["rejected_reason"]


def test_dataset_card_describes_the_run(embedded_run: Path):
    card = (embedded_run / "README.md").read_text()
    assert card.startswith("---\n")
    assert "data/sft.parquet" in card and "seconds_per_valid_record" in card
    assert "llamacpp: smollm2" in card


def test_export_reasoning_modes_via_sdk(embedded_run: Path, tmp_path: Path):
    from syndgen.export.run_export import export_run

    out = tmp_path / "strip.jsonl"
    export_run(embedded_run, formats=["sft"], to=["jsonl"], reasoning="strip", output=out)
    for row in rows(out):
        assert "<think>" not in row["messages"][-1]["content"]
    out = tmp_path / "field.parquet"
    export_run(embedded_run, formats=["sft"], to=["parquet"], reasoning="field", output=out)
    table = pq.read_table(out).to_pylist()
    assert all(r["reasoning"] for r in table)
