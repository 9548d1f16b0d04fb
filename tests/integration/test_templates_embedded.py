"""Three shipped templates on the real embedded model (SmolLM2-135M): a structured record with its
schema and domain validator, a support conversation with its patterns, and a sandbox-verified
programming example. One small run each, shared by the tests that read it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from syndgen.api import inspect_run
from syndgen.export.run_export import export_run
from syndgen.runner.run import run_pipeline
from syndgen.store import RunStore
from syndgen.templates_lib import get_template, template_config

pytestmark = pytest.mark.integration

RUNS: dict[str, dict[str, Any]] = {
    "ecommerce/product-descriptions": {
        "count": 2,
        "max_attempts": 16,
        "generator.max_tokens": 400,
        "generator.max_reasoning_chars": 300,
        "export.formats": ["sft", "table"],
    },
    "support/conversations": {
        "count": 1,
        "max_attempts": 12,
        "task.turns": [2, 2],
        "quality.threshold": 1,
    },
    "code/programming-examples": {"count": 1, "max_attempts": 60, "task.difficulty": [1, 1]},
}


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = {}
    for name, overrides in RUNS.items():
        run_dir = tmp_path_factory.mktemp("templates") / name.replace("/", "-")
        result = run_pipeline(template_config(get_template(name), overrides), run_dir)
        assert result.complete, (name, inspect_run(run_dir)["rejections_by_reason"])
        export_run(run_dir)
        out[name] = run_dir
    return out


def sft(run_dir: Path) -> list[dict[str, Any]]:
    return [json.loads(x) for x in (run_dir / "data" / "sft.jsonl").read_text().splitlines() if x.strip()]


def test_structured_records_conform_and_pass_their_validator(runs):
    run_dir = runs["ecommerce/product-descriptions"]
    config = template_config(get_template("ecommerce/product-descriptions"))
    schema = config.task.record_schema
    samples = [o.sample for o in RunStore.open_existing(run_dir).outcomes() if o.sample]
    assert len(samples) == 2
    for sample in samples:
        record = json.loads(sample.attempt.answer)
        assert list(record) == list(schema["properties"])  # the grammar keeps the schema's order
        assert record["currency"] in schema["properties"]["currency"]["enum"]
        assert sample.attempt.reasoning.strip()  # the trace is captured
        assert {c.name: c.status for c in sample.attempt.checks} == {"product_listing": "pass"}


def test_the_structured_table_reads_with_its_column_types(runs):
    table = runs["ecommerce/product-descriptions"] / "data" / "table.parquet"
    frame = pd.read_parquet(table)
    assert len(frame) == 2
    assert frame["price"].dtype == "float64" and frame["title"].map(type).eq(str).all()
    assert all(len(f) >= 3 for f in frame["features"])
    from datasets import Dataset

    data = Dataset.from_parquet(str(table))
    assert data.features["price"].dtype == "float64" and data.features["currency"].dtype == "string"
    assert data.features["features"].feature.dtype == "string"


def test_the_support_conversation_applies_its_pattern(runs):
    rows = sft(runs["support/conversations"])
    assert len(rows) == 1
    roles = [m["role"] for m in rows[0]["messages"] if m["role"] != "system"]
    assert roles == ["user", "assistant", "user", "assistant"]
    assert len(rows[0]["patterns_applied"]) == 1


def test_the_programming_example_passed_its_tests_in_the_sandbox(runs):
    rows = sft(runs["code/programming-examples"])
    assert len(rows) == 1
    assert rows[0]["verified"] is True and rows[0]["verifiers"]["code"]["status"] == "pass"
    assert "```python" in rows[0]["messages"][-1]["content"]
