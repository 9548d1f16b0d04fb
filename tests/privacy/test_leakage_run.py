"""A run whose scripted generator copies seed-example, reference and benchmark paragraphs verbatim:
the copies are rejected (``leak``, ``contaminated``), named with their source and span, and no
copied paragraph reaches the exports or the generated text in the store."""

import hashlib
import json
import sqlite3

import pytest
from leakage_fixtures import (
    EVAL_ITEM,
    EXAMPLES,
    REFERENCE,
    TOPICS,
    copying_backend,
    run_config,
    snippet,
    write_inputs,
)

from syndgen.api import inspect_run
from syndgen.config import RunConfig
from syndgen.export.run_export import export_run
from syndgen.privacy.audit import entries, verify_chain
from syndgen.runner.build import build_context
from syndgen.runner.run import run_pipeline

COPIED = {"example": EXAMPLES[0]["answer"], "regenerated": EXAMPLES[1]["answer"], "reference": REFERENCE}


def run(tmp_path, **leakage):
    paths = write_inputs(tmp_path / "inputs")
    config = RunConfig.model_validate(run_config(paths, **leakage))
    backend = copying_backend()
    ctx = build_context(config, generator=backend, critic=backend, duplicates=False)
    out = tmp_path / "run"
    result = run_pipeline(config, out, context=ctx)
    return out, result


@pytest.fixture(scope="module")
def rejected_run(tmp_path_factory):
    out, result = run(tmp_path_factory.mktemp("leak"))
    files = export_run(out)
    return out, result, files


def rejections(out):
    db = sqlite3.connect(out / "run.sqlite")
    return db.execute(
        "SELECT seed_index, stage, reason, detail FROM rejections WHERE stage = 'privacy'"
    ).fetchall()


def test_copies_are_rejected_with_their_source_and_span(rejected_run):
    out, result, _ = rejected_run
    assert result.samples == 5
    found = rejections(out)
    reasons = sorted(r[2] for r in found)
    assert reasons == ["contaminated", "leak", "leak"]
    details = " | ".join(r[3] for r in found)
    assert (
        "seeds.jsonl row 1" in details and "memo.txt paragraph 2" in details and "eval.jsonl row 1" in details
    )
    assert "tokens shared" in details  # the span is named
    for text in (*COPIED.values(), EVAL_ITEM):
        assert snippet(text, 2, 8) not in details  # the rejection names, it does not repeat


def test_the_report_gives_the_rate_the_distribution_and_each_copy(rejected_run):
    out, _, _ = rejected_run
    report = inspect_run(out)["leakage"]
    assert (report["rejected_leak"], report["rejected_contaminated"], report["withheld_attempts"]) == (
        2,
        1,
        1,
    )
    assert report["checked"] == 8 and report["leak_rate"] == pytest.approx(3 / 8)
    assert report["kept"]["span_tokens"]["n"] == 5 and report["kept"]["span_tokens"]["max"] < 50
    by_source = {c["source"].rsplit("/", 1)[-1]: c for c in report["copies"]}
    assert by_source["seeds.jsonl row 1"]["action"] == "rejected"
    assert by_source["seeds.jsonl row 1"]["span"][2] >= 70
    assert by_source["seeds.jsonl row 2"]["action"] == "withheld"  # a rejected attempt that copied
    assert by_source["memo.txt paragraph 2"]["reason"] == "leak"
    assert by_source["eval.jsonl row 1"]["reason"] == "contaminated"


def test_no_copied_paragraph_in_the_exports_or_the_generated_text(rejected_run):
    out, _, files = rejected_run
    assert {f.kind for f in files} >= {"sft"}
    for path in (out / "data").iterdir():
        data = path.read_bytes()
        for text in (*COPIED.values(), EVAL_ITEM):
            assert snippet(text).encode() not in data, (path, text[:40])
    db = sqlite3.connect(out / "run.sqlite")
    generated = [a + "\n" + r for a, r in db.execute("SELECT answer, reasoning FROM attempts")]
    generated += [q or "" for (q,) in db.execute("SELECT question FROM outcomes")]
    for (blob,) in db.execute("SELECT outcome_json FROM outcomes"):
        outcome = json.loads(blob)
        attempts = outcome["attempts"] + ([outcome["sample"]["attempt"]] if outcome["sample"] else [])
        for attempt in attempts:
            generated.append(attempt["raw_text"] + attempt["answer"] + attempt["reasoning"])
            generated += [m["content"] for m in attempt["messages"] if m["role"] == "assistant"]
    generated += [r + "\n" + (raw or "") for r, raw in db.execute("SELECT rationale, '' FROM verdicts")]
    for (blob,) in db.execute("SELECT outcome_json FROM outcomes"):
        outcome = json.loads(blob)
        attempts = outcome["attempts"] + ([outcome["sample"]["attempt"]] if outcome["sample"] else [])
        generated += [v["rationale"] + v["raw_text"] for v in outcome["verdicts"]]
        for attempt in attempts:  # the critique a regeneration was shown
            generated += [m["content"].partition("A reviewer")[2] for m in attempt["messages"]]
    for text in (*COPIED.values(), EVAL_ITEM):
        assert not any(snippet(text) in g for g in generated), text[:40]


def test_a_paragraph_never_shown_to_the_model_is_nowhere_in_the_run_folder(rejected_run):
    out, _, _ = rejected_run
    needle = snippet(REFERENCE, 3, 6).encode()
    for path in out.rglob("*"):
        if path.is_file():
            assert needle not in path.read_bytes(), path


def test_every_decision_and_export_is_in_the_audit_log(rejected_run):
    out, _, files = rejected_run
    db = sqlite3.connect(out / "run.sqlite")
    log = entries(db)
    assert verify_chain(db)[1] is None
    assert log[0].kind == "run" and log[0].payload["event"] == "start"
    decisions = [e.payload for e in log if e.kind == "leakage"]
    actions = sorted(d["action"] for d in decisions)
    assert actions == ["rejected", "rejected", "rejected", "withheld", "withheld_critique"]
    exports = {e.payload["path"]: e.payload for e in log if e.kind == "export"}
    for f in files:
        digest = hashlib.sha256((out / f.path).read_bytes()).hexdigest()
        assert exports[f.path]["sha256"] == digest and exports[f.path]["rows"] == f.rows
    card = (out / "README.md").read_text()
    assert "## Privacy: redaction, leakage and the audit trail" in card
    assert "rejected `leak` 2, rejected `contaminated` 1" in card
    assert f"head hash `{log[-1].hash}`" in card
    assert "seeds.jsonl row 1" in card


def test_flag_keeps_the_record_and_marks_it(tmp_path):
    out, result = run(tmp_path, action="flag")
    assert result.samples == 5  # the first five seeds, copies included, are kept
    assert rejections(out) == []
    export_run(out, formats=["sft"], to=["jsonl"])
    rows = [json.loads(line) for line in (out / "data" / "sft.jsonl").read_text().splitlines()]
    flagged = [r for r in rows if "leakage" in r]
    assert flagged and all(r["leakage"]["source"] for r in flagged)
    assert inspect_run(out)["leakage"]["flagged"] == len(flagged)


def test_a_resumed_run_logs_a_resume(rejected_run, tmp_path):
    out, _, _ = rejected_run
    paths = write_inputs(out.parent / "inputs")
    config = RunConfig.model_validate(run_config(paths))
    backend = copying_backend()
    run_pipeline(
        config, out, context=build_context(config, generator=backend, critic=backend, duplicates=False)
    )
    db = sqlite3.connect(out / "run.sqlite")
    runs = [e.payload for e in entries(db) if e.kind == "run"]
    assert [r["event"] for r in runs] == ["start", "resume"]
    assert runs[0]["config_hash"] == runs[1]["config_hash"] == config.config_hash()
    assert set(runs[0]["prompts"]) >= {"question", "answer", "critic"}
    assert all(len(h) == 64 for h in runs[0]["prompts"].values())
    assert TOPICS  # the topics the fixtures script


def test_a_run_stopped_early_and_resumed_ends_with_the_same_decisions(tmp_path, rejected_run):
    paths = write_inputs(tmp_path / "inputs")
    out = tmp_path / "run"
    for count in (2, 5):  # the count is outside the config hash: the second session resumes
        config = RunConfig.model_validate({**run_config(paths), "count": count})
        backend = copying_backend()
        run_pipeline(
            config, out, context=build_context(config, generator=backend, critic=backend, duplicates=False)
        )
    db = sqlite3.connect(out / "run.sqlite")
    log = entries(db)
    assert verify_chain(db)[1] is None
    assert [e.payload["event"] for e in log if e.kind == "run"] == ["start", "resume"]
    resumed_at = next(e.seq for e in log if e.kind == "run" and e.payload["event"] == "resume")
    assert any(e.kind == "leakage" and e.seq > resumed_at for e in log)  # the second session checks too
    full = inspect_run(rejected_run[0])["leakage"]
    report = inspect_run(out)["leakage"]
    for key in ("checked", "rejected_leak", "rejected_contaminated", "withheld_attempts"):
        assert report[key] == full[key], key
