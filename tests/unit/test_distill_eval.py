"""``syndgen eval`` scores a scripted model with known answers exactly; pass@k and intervals."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from typer.testing import CliRunner

from syndgen.backends import registry
from syndgen.cli import app
from syndgen.distill import data, evaluate, scores
from syndgen.distill.tasks import build_items, passes
from syndgen.errors import ConfigError, InputError


@pytest.fixture
def scripted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(registry.BACKENDS, "scripted", "scripted_backend")


def script(path: Path, seed: int, n: int, right: set[int]) -> Path:
    """Replies to the eval's math problems: right for the indexes in ``right``, wrong otherwise."""
    replies = {}
    for item in build_items(["math"], n, seed):
        answer = item.reference if item.index in right else "-12345"
        replies[item.question] = f"<think>worked out</think>\nFinal answer: {answer}"
    path.write_text(json.dumps(replies))
    return path


def test_wilson_interval_matches_the_formula():
    ci = scores.wilson(7, 10)
    assert ci.low == pytest.approx(0.3968, abs=1e-4) and ci.high == pytest.approx(0.8922, abs=1e-4)
    assert scores.wilson(0, 10).low == 0.0 and scores.wilson(10, 10).high == pytest.approx(1.0)


def test_pass_at_k_unbiased_estimate():
    assert scores.pass_at_k(5, 0, 2) == 0.0
    assert scores.pass_at_k(5, 5, 1) == 1.0
    assert scores.pass_at_k(4, 1, 2) == pytest.approx(1 - math.comb(3, 2) / math.comb(4, 2))
    assert scores.pass_at_k(4, 2, 1) == pytest.approx(0.5)


def test_math_items_are_checked_by_the_verifier():
    item = build_items(["math"], 1, 5)[0]
    assert passes(item, f"<think>x</think>Final answer: {item.reference}")
    assert not passes(item, "<think>x</think>Final answer: -99999")


def test_eval_scores_a_scripted_model_exactly(tmp_path: Path, scripted: None):
    seed, n = 31, 10
    student = script(tmp_path / "student.json", seed, n, right={0, 1, 2, 3, 4, 5, 6})
    teacher = script(tmp_path / "teacher.json", seed, n, right=set(range(10)))
    out = tmp_path / "eval.json"
    plot = tmp_path / "eval.png"
    models = f"student=scripted:{student},teacher=scripted:{teacher}"
    result = CliRunner().invoke(
        app,
        [
            "eval",
            "--models",
            models,
            "--tasks",
            "math",
            "--n",
            str(n),
            "--seed",
            str(seed),
            "--json",
            str(out),
            "--plot",
            str(plot),
        ],
    )
    assert result.exit_code == 0, result.output
    report = json.loads(out.read_text())
    cells = {s["model"]: s for s in report["scores"]}
    assert cells["student"]["pass_at_1"] == pytest.approx(0.7)
    assert cells["teacher"]["pass_at_1"] == 1.0
    assert cells["student"]["pass_at_1_ci"]["low"] == pytest.approx(scores.wilson(7, 10).low)
    assert report["ratios"]["math"] == pytest.approx(0.7)
    assert "student/teacher pass@1 on math: 0.700" in result.output
    assert plot.read_bytes()[:4] == b"\x89PNG"


def test_model_specs(tmp_path: Path):
    assert evaluate.model_config("smollm2", {"max_tokens": 9}).model_dump()["model"] == "smollm2"
    cfg = evaluate.model_config("openai:qwen@http://127.0.0.1:9/v1", {})
    assert (cfg.backend, cfg.model, cfg.base_url) == ("openai", "qwen", "http://127.0.0.1:9/v1")
    assert evaluate.model_config("ollama:deepseek-r1:1.5b", {}).model == "deepseek-r1:1.5b"
    (tmp_path / "student.gguf").write_bytes(b"GGUF")
    assert evaluate.model_config(str(tmp_path), {}).model == str(tmp_path / "student.gguf")
    with pytest.raises(InputError, match="not a file, folder or BACKEND:MODEL"):
        evaluate.model_config("nonsense", {})
    with pytest.raises(ConfigError, match="NAME=SPEC"):
        evaluate.parse_models("smollm2")


def test_mix_and_split_are_seeded_and_honour_weights():
    rows = [{"messages": [], "difficulty": "learnable"}] * 2 + [
        {"messages": [], "difficulty": "too_hard"}
    ] * 8
    mixed = data.apply_mix(rows, data.parse_mix("learnable=0.7,too_hard=0.3"), seed=1)
    assert len(mixed) == 10
    assert sum(r["difficulty"] == "learnable" for r in mixed) == 7
    train, held = data.split(list(range(10)), 0.2, seed=3)  # type: ignore[arg-type]
    assert len(held) == 2 and sorted(train + held) == list(range(10))
    with pytest.raises(ConfigError, match="not DIFFICULTY=WEIGHT"):
        data.parse_mix("easy=1")
    with pytest.raises(InputError, match="no messages column"):
        data.keep_columns({"prompt": []}, "sft", "f.jsonl")


def test_train_without_the_extra_names_the_pip_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "peft" else real(name, *a)
    )
    data_file = tmp_path / "sft.jsonl"
    data_file.write_text('{"messages": []}\n')
    result = CliRunner().invoke(
        app, ["train", str(data_file), "--student", "smollm2", "--out", str(tmp_path / "o")]
    )
    assert result.exit_code == 2
    assert "pip install 'syndgen[train]'" in result.output and "peft" in result.output
    assert not (tmp_path / "o").exists()


def test_train_rejects_a_bad_method(tmp_path: Path):
    result = CliRunner().invoke(
        app,
        ["train", str(tmp_path), "--student", "smollm2", "--out", str(tmp_path / "o"), "--method", "qlora"],
    )
    assert result.exit_code == 2 and "--method" in result.output
