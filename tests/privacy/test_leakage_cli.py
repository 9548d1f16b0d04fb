"""``syndgen leakage RUN --against FILES``: the report after a run, and bad input as one line."""

import json
import sqlite3

import pytest
import yaml
from leakage_fixtures import REFERENCE, write_inputs
from typer.testing import CliRunner

from fakes import FakeBackend, scripted
from syndgen.cli import app
from syndgen.config import RunConfig
from syndgen.errors import InputError
from syndgen.export.run_export import export_run
from syndgen.privacy.audit import entries
from syndgen.runner.build import build_context
from syndgen.runner.run import run_pipeline

TOPICS = ["memo", "tides", "moons"]


def answer(request):
    question = request.messages[-1].content
    if "memo" in question:
        return f"<think>Recall.</think>As the memo said: {REFERENCE}"
    return "<think>Think.</think>The moon pulls the sea, twice a day, and the tide follows it around."


@pytest.fixture(scope="module")
def plain_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("cli")
    paths = write_inputs(root / "inputs")
    config = RunConfig(count=3, task={"topics": TOPICS}, dedup={"semantic_threshold": None})
    backend = FakeBackend(scripted(answer=answer))
    out = root / "run"
    run_pipeline(
        config, out, context=build_context(config, generator=backend, critic=backend, duplicates=False)
    )
    export_run(out)
    return out, paths


def invoke(*argv):
    return CliRunner().invoke(app, [str(a) for a in argv])


def audit_kinds(out):
    return [e.kind for e in entries(sqlite3.connect(out / "run.sqlite"))]


def test_leakage_names_the_copy_its_source_and_span(plain_run):
    out, paths = plain_run
    result = invoke("leakage", out, "--against", paths["reference"], "--no-embed", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert (report["records"], report["leaks"], report["contaminated"]) == (3, 1, 0)
    (copy,) = report["copies"]
    assert copy["source"].endswith("memo.txt paragraph 2") and copy["measure"] == "span_tokens"
    _, source_start, length = copy["span"]
    assert source_start == 0 and length == len(REFERENCE.split())
    assert report["span_tokens"]["max"] == length and report["embedding_distance"] is None
    assert audit_kinds(out)[-1] == "leakage_check"
    text = invoke("leakage", out, "--against", paths["reference"], "--no-embed")
    assert "memo.txt paragraph 2" in text.output and "leak rate 33.33%" in text.output
    assert (
        invoke("leakage", out, "--against", paths["reference"], "--no-embed", "--fail-on-leak").exit_code == 1
    )
    assert invoke("leakage", out, "--no-embed", "--fail-on-leak").exit_code == 0  # nothing to copy


def test_embedding_distances_come_with_the_held_out_baseline(plain_run):
    out, paths = plain_run
    report = json.loads(
        invoke("leakage", out, "--against", paths["reference"], "--against", paths["seeds"], "--json").stdout
    )
    assert report["sources"] == 5 and report["embedding_distance"]["n"] == 3
    assert report["embedding_distance"]["min"] < 0.2  # the memo copy sits on its source
    assert report["baseline_distance"]["n"] == 5 and report["baseline_distance"]["min"] > 0.2


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--against", "missing.jsonl"], "reference file not found: missing.jsonl"),
        (["--against", "notes.pdf"], "unsupported type '.pdf'"),
        (["--ngram-overlap", "1.5"], "privacy.leakage.ngram_overlap"),
        (["--span-tokens", "3"], "privacy.leakage.span_tokens"),
    ],
)
def test_bad_input_is_one_line_and_writes_nothing(plain_run, argv, message):
    out, _ = plain_run
    before = audit_kinds(out)
    result = invoke("leakage", out, "--no-embed", *argv)
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:") and message in result.output.replace("\n", "")
    assert audit_kinds(out) == before


def test_an_unreadable_reference_refuses_the_run_before_its_folder_exists(tmp_path):
    bad = tmp_path / "memo.txt"
    bad.write_bytes(b"\xff\xfe not utf-8 \xff")
    config = RunConfig(
        task={"topics": TOPICS}, privacy={"leakage": {"enabled": True, "references": [str(bad)]}}
    )
    with pytest.raises(InputError, match="cannot read reference file"):
        run_pipeline(config, tmp_path / "run", context=None)
    assert not (tmp_path / "run").exists()


def test_a_threshold_out_of_range_in_the_config_is_one_line(tmp_path):
    path = tmp_path / "run.yaml"
    path.write_text(
        yaml.safe_dump({"task": {"topics": TOPICS}, "privacy": {"leakage": {"minhash_jaccard": 2}}})
    )
    result = invoke("run", path, "--out", tmp_path / "run")
    assert result.exit_code == 2 and "privacy.leakage.minhash_jaccard" in result.output
    assert not (tmp_path / "run").exists()
