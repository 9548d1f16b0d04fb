"""Grounded runs through the pipeline, with a scripted generator over a real local index."""

import json
import re
import sqlite3
from pathlib import Path

import pytest

from fakes import FakeBackend
from syndgen.api import ingest_documents
from syndgen.config import RunConfig
from syndgen.export.run_export import export_run
from syndgen.runner.build import build_context
from syndgen.runner.run import run_pipeline

POLICY = """# Leave policy

## Annual leave
Full-time employees accrue 2 days of paid annual leave per month, up to 24 days per year.

## Sick leave
Employees receive 10 days of paid sick leave per year. A doctor's note is needed after 3 days.
"""
MANUAL = """# Thermostat manual

## Eco mode
Eco mode lowers the set point by 3 degrees while the home is empty, after 2 hours without motion.
"""


@pytest.fixture(scope="module")
def index(tmp_path_factory) -> Path:
    docs = tmp_path_factory.mktemp("docs")
    (docs / "policy.md").write_text(POLICY)
    (docs / "manual.md").write_text(MANUAL)
    out = tmp_path_factory.mktemp("idx") / "index"
    report = ingest_documents([docs], out)
    assert not report.failed and len(report.added) == 2
    return out


def responder(faithful: bool):
    """Questions and answers that copy (or contradict) the facts of the passages they are shown."""

    def respond(request):
        system = request.messages[0].content
        last = request.messages[-1].content
        if "You grade an answer against the passages" in system:
            return json.dumps({"rationale": "ok", "score": 5, "supported": True})
        if "You write one question that the passage answers" in system:
            topic = (
                "sick leave" if "sick" in last.lower() else "eco mode" if "Eco" in last else "annual leave"
            )
            return f"How does {topic} work according to the rules?"
        everything = "\n".join(m.content for m in request.messages)
        passage = re.findall(r"\[1\] \([^)]*\) (.*)", everything)[-1]  # the last: after the example
        sentence = passage.split(". ")[-1].strip().rstrip(".") + "."
        if not faithful:
            sentence = re.sub(r"\d+", lambda m: str(int(m.group()) * 7 + 1), sentence)
        return f"<think>The passage states it.</think>{sentence} [1]"

    return respond


def run(tmp_path, index, faithful, count=2):
    config = RunConfig.model_validate(
        {
            "count": count,
            "max_attempts": 8,
            "task": {"kind": "grounded"},
            "grounding": {"index": str(index), "top_k": 2},
            "dedup": {"semantic_threshold": None},
            "quality": {"threshold": 3},
        }
    )
    backend = FakeBackend(responder(faithful))
    engine = build_context(config, generator=backend, critic=backend, duplicates=False)
    return run_pipeline(config, tmp_path, context=engine)


def test_faithful_answers_are_kept_with_their_passages(tmp_path, index):
    result = run(tmp_path / "ok", index, faithful=True)
    assert result.samples == 2
    (sft, *_) = [f for f in export_run(tmp_path / "ok", formats=["sft"], to=["jsonl"]) if f.kind == "sft"]
    rows = [json.loads(line) for line in (tmp_path / "ok" / sft.path).read_text().splitlines()]
    for row in rows:
        assert row["context"] and all(p["chunk_id"] and p["source"].endswith(".md") for p in row["context"])
        assert row["context"][0]["text"] in row["messages"][0]["content"]
        assert row["is_valid"] is True and row["support_lexical"] >= 0.5
        assert row["index_version"] == "1" and row["config_hash"]
    closed = export_run(tmp_path / "ok", formats=["sft"], to=["jsonl"], output=tmp_path / "closed.jsonl")
    assert closed  # the config decides include/exclude; the lineage column stays in both


def test_an_answer_contradicting_its_passage_is_rejected_as_ungrounded(tmp_path, index):
    result = run(tmp_path / "bad", index, faithful=False, count=1)
    assert result.samples == 0
    db = sqlite3.connect(tmp_path / "bad" / "run.sqlite")
    reasons = {r for (r,) in db.execute("SELECT reason FROM rejections")}
    assert "ungrounded" in reasons
    details = [d for (d,) in db.execute("SELECT detail FROM rejections WHERE reason = 'ungrounded'")]
    assert any("number" in d for d in details)
