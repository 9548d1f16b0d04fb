"""The CLI: one clear error line and a non-zero exit for user mistakes; commands over a run."""

import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from fakes import FakeBackend, scripted, topic_of
from syndgen.cli import app
from syndgen.config import RunConfig
from syndgen.runner.build import build_context
from syndgen.runner.run import run_pipeline

runner = CliRunner()


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args])


def one_error_line(result, code):
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), result.output
    return lines[0]


@pytest.fixture
def fake_run(tmp_path):
    config = RunConfig(count=3, task={"topics": ["a", "b", "c"]})
    backend = FakeBackend(scripted(question=lambda r: f"Why does {topic_of(r)} matter so much?"))
    run_pipeline(
        config,
        tmp_path / "run",
        context=build_context(config, generator=backend, critic=backend, duplicates=False),
    )
    return tmp_path / "run"


def write(path: Path, data) -> Path:
    path.write_text(data if isinstance(data, str) else yaml.safe_dump(data))
    return path


def test_missing_config_file(tmp_path):
    line = one_error_line(invoke("run", tmp_path / "nope.yaml"), 2)
    assert "config file not found" in line


def test_bad_yaml(tmp_path):
    line = one_error_line(invoke("run", write(tmp_path / "c.yaml", "count: [1,\n")), 2)
    assert "invalid YAML at line" in line


def test_unknown_backend_suggests(tmp_path):
    cfg = write(tmp_path / "c.yaml", {"generator": {"backend": "olama", "model": "x"}})
    line = one_error_line(invoke("run", cfg), 2)
    assert "unknown backend 'olama' (did you mean 'ollama'?)" in line


def test_misspelt_key_suggests(tmp_path):
    cfg = write(tmp_path / "c.yaml", {"qualty": {"threshold": 3}})
    assert "unknown key 'qualty' at the top level (did you mean 'quality'?)" in one_error_line(
        invoke("config", cfg), 2
    )


def test_missing_model_file(tmp_path):
    cfg = write(tmp_path / "c.yaml", {"generator": {"model": str(tmp_path / "r1.gguf")}})
    line = one_error_line(invoke("run", cfg, "--out", tmp_path / "out"), 2)
    assert f"model file not found: {tmp_path / 'r1.gguf'}" in line


def test_ollama_name_given_to_llamacpp(tmp_path):
    cfg = write(tmp_path / "c.yaml", {"generator": {"model": "deepseek-r1:1.5b"}})
    line = one_error_line(invoke("run", cfg, "--out", tmp_path / "out"), 2)
    assert "set backend: ollama" in line


def test_bad_flag_value_is_a_config_error(tmp_path):
    line = one_error_line(invoke("run", write(tmp_path / "c.yaml", {}), "--count", "0"), 2)
    assert "count" in line and "greater than or equal to 1" in line


def test_set_override_is_validated(tmp_path):
    line = one_error_line(invoke("run", write(tmp_path / "c.yaml", {}), "--set", "quality.threshold=7"), 2)
    assert "quality.threshold" in line


def test_other_config_on_existing_run_needs_overwrite(fake_run, tmp_path):
    cfg = write(tmp_path / "c.yaml", {"seed": 5})
    line = one_error_line(invoke("run", cfg, "--out", fake_run), 2)
    assert "different config" in line and "--overwrite" in line


class Killed(Exception):
    pass


def test_resume_is_announced_even_when_nothing_was_kept_yet(tmp_path):
    cfg = write(tmp_path / "c.yaml", {"count": 2, "generator": {"backend": "dryrun"}})
    config = RunConfig.model_validate(yaml.safe_load(cfg.read_text()))
    backend = FakeBackend(scripted(score=lambda r: '{"rationale": "weak", "score": 1}'))

    def kill_after_two(outcome, samples, attempts):
        if attempts >= 2:
            raise Killed

    with pytest.raises(Killed):
        run_pipeline(
            config,
            tmp_path / "run",
            context=build_context(config, generator=backend, critic=backend, duplicates=False),
            on_outcome=kill_after_two,
        )
    result = invoke("run", cfg, "--out", tmp_path / "run")
    assert result.exit_code == 0, result.output
    said = " ".join(result.output.split())
    assert "resuming" in said and "0/2 samples already kept from 1 seed" in said


def test_export_of_a_non_run_folder(tmp_path):
    assert "not a syndgen run folder" in one_error_line(invoke("export", tmp_path), 2)


def test_inspect_json_has_the_kpis(fake_run):
    result = invoke("inspect", fake_run, "--json")
    assert result.exit_code == 0
    info = json.loads(result.output)
    assert info["samples"] == 3 and info["attempts"] == 3 and info["rejection_rate"] == 0.0
    for key in ("rejections_by_reason", "seconds_per_valid_record", "tokens_per_valid_record"):
        assert key in info


def test_inspect_table(fake_run):
    result = invoke("inspect", fake_run)
    assert result.exit_code == 0 and "samples" in result.output


def test_export_commands(fake_run, tmp_path):
    result = invoke("export", fake_run, "--format", "sft", "--to", "parquet")
    assert result.exit_code == 0 and "(3 rows)" in result.output
    assert (fake_run / "data" / "sft.parquet").exists()
    assert "data/sft.parquet" in (fake_run / "README.md").read_text()
    out = tmp_path / "elsewhere" / "train.jsonl"
    result = invoke("export", fake_run, "--format", "sft", "--output", out, "--reasoning", "strip")
    assert result.exit_code == 0
    assert len(out.read_text().splitlines()) == 3 and "<think>" not in out.read_text()
    # no rejected attempt in this run: no DPO pair, said clearly
    result = invoke("export", fake_run, "--format", "dpo")
    assert result.exit_code == 1 and "no dpo rows" in result.output


def test_prompts_list_and_show():
    listed = invoke("prompts", "list").output.split()
    assert listed == sorted(listed)
    assert {"answer", "critic", "question", "regenerate", "repair", "conversation_user"} <= set(listed)
    shown = invoke("prompts", "show", "critic")
    assert shown.exit_code == 0 and "A die is rolled twice" in shown.output
    raw = invoke("prompts", "show", "answer", "--raw")
    assert "{{ question }}" in raw.output
    assert "unknown prompt 'nope'" in one_error_line(invoke("prompts", "show", "nope"), 2)
    grammar = invoke("prompts", "show", "answer_math", "--grammar")
    assert grammar.exit_code == 0 and 'answer ::= line{0,4} "Final answer: " number' in grammar.output
    assert "has no grammar" in one_error_line(invoke("prompts", "show", "critic", "--grammar"), 2)


def test_config_prints_defaults():
    result = invoke("config")
    assert result.exit_code == 0
    data = yaml.safe_load(result.output)
    assert data["generator"]["backend"] == "llamacpp" and data["quality"]["threshold"] == 4
