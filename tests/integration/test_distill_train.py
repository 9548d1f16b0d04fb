"""``syndgen train`` on the embedded model: a tiny LoRA run killed after its first checkpoint and
resumed; the loss falls, the adapter loads and changes generations, MLflow holds the losses, and
the GGUF student answers through syndgen's llama.cpp backend."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from syndgen.verify.tasks import math_problem

pytestmark = pytest.mark.integration
os.environ.setdefault("HF_HUB_OFFLINE", "1")


def tiny_sft(path: Path) -> Path:
    with path.open("w") as fh:
        for i in range(8):
            p = math_problem(7, i, topic="sums", difficulty=1)
            reply = f"<think>Add the numbers.</think>\nFinal answer: {p.reference_answer}"
            messages = [{"role": "user", "content": p.question}, {"role": "assistant", "content": reply}]
            fh.write(json.dumps({"messages": messages}) + "\n")
    return path


def train_cmd(data: Path, out: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "syndgen",
        "train",
        str(data),
        "--student",
        "smollm2",
        "--out",
        str(out),
        "--max-steps",
        "4",
        "--batch-size",
        "2",
        "--max-seq-len",
        "96",
        "--save-steps",
        "2",
        "--lr",
        "1e-3",
        "--eval-split",
        "0.25",
    ]


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("train")
    data, out = tiny_sft(root / "sft.jsonl"), root / "student"
    env = {**os.environ, "OMP_NUM_THREADS": "2", "HF_HUB_OFFLINE": "1"}
    first = subprocess.Popen(
        train_cmd(data, out),
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 900
    while not (out / "checkpoints" / "checkpoint-2" / "trainer_state.json").exists():
        assert first.poll() is None, "training ended before its first checkpoint"
        assert time.monotonic() < deadline, "no checkpoint in 15 minutes"
        time.sleep(0.5)
    time.sleep(1.0)
    os.killpg(first.pid, signal.SIGKILL)  # killed mid-run, as a user's Ctrl-C or a crash would
    first.wait()
    assert not (out / "summary.json").exists()
    done = subprocess.run(train_cmd(data, out), env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    return out


def test_resume_after_kill_continues_from_the_checkpoint(trained: Path):
    summary = json.loads((trained / "summary.json").read_text())
    assert summary["resumed_from"].endswith("checkpoint-2")
    assert summary["steps"] == 4
    assert summary["dtype"] == "bfloat16"
    for name in ("adapter", "merged", "student.gguf", "README.md", "training_config.json"):
        assert (trained / name).exists(), name
    assert "syndgen student (lora, sft)" in (trained / "README.md").read_text()


def test_loss_decreases_and_mlflow_holds_it(trained: Path):
    summary = json.loads((trained / "summary.json").read_text())
    assert summary["final_loss"] < summary["first_loss"]
    os.environ["MLFLOW_ALLOW_FILE_STORE"] = "true"
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=(trained / "mlruns").resolve().as_uri())
    losses = client.get_metric_history(summary["mlflow_run_id"], "loss")
    assert sorted({m.step for m in losses}) == [1, 2, 3, 4]  # the resumed run logged into the same run
    assert client.get_metric_history(summary["mlflow_run_id"], "eval_loss")


def test_adapter_loads_and_changes_generations(trained: Path):
    import torch
    from peft import PeftModel

    from syndgen.distill.student import load_student

    base, tokenizer = load_student("smollm2", torch.float32)
    prompt = tokenizer.apply_chat_template(
        [{"role": "user", "content": math_problem(99, 0, topic="sums", difficulty=1).question}],
        tokenize=False,
        add_generation_prompt=True,
    )
    ids = tokenizer(prompt, return_tensors="pt")

    def greedy(model: object) -> str:
        out = model.generate(**ids, max_new_tokens=12, do_sample=False)  # type: ignore[attr-defined]
        return str(tokenizer.decode(out[0][ids["input_ids"].shape[1] :]))

    reply = "<think>Add the numbers.</think>\nFinal answer: 7"
    full = tokenizer(prompt + reply, return_tensors="pt")["input_ids"]

    def reply_loss(model: object) -> float:
        with torch.no_grad():
            return float(model(input_ids=full, labels=full).loss)  # type: ignore[operator]

    before, base_loss = greedy(base), reply_loss(base)
    tuned = PeftModel.from_pretrained(base, str(trained / "adapter"))
    after, tuned_loss = greedy(tuned), reply_loss(tuned)
    assert after != before
    assert tuned_loss < base_loss  # the adapter learned the trained reply format


def test_gguf_student_runs_as_a_llamacpp_backend(trained: Path):
    from syndgen.backends.base import ChatRequest
    from syndgen.backends.registry import create_backend
    from syndgen.config.schema import RunConfig

    config = RunConfig.model_validate(
        {"generator": {"backend": "llamacpp", "model": str(trained / "student.gguf"), "n_ctx": 512}}
    )
    backend = create_backend(config.generator)
    try:
        from syndgen.records import Message

        question = math_problem(99, 1, topic="sums", difficulty=1).question
        reply = backend.chat(
            ChatRequest(messages=(Message(role="user", content=question),), max_tokens=24, temperature=0.0)
        )
    finally:
        backend.close()
    assert reply.text.strip()


def test_dpo_objective_trains_on_preference_pairs(tmp_path: Path):
    data = tmp_path / "dpo.jsonl"
    with data.open("w") as fh:
        for i in range(6):
            p = math_problem(7, i, topic="sums", difficulty=1)
            row = {
                "prompt": [{"role": "user", "content": p.question}],
                "chosen": [{"role": "assistant", "content": f"Final answer: {p.reference_answer}"}],
                "rejected": [{"role": "assistant", "content": "I am not sure."}],
            }
            fh.write(json.dumps(row) + "\n")
    out = tmp_path / "dpo-student"
    command = [
        sys.executable, "-m", "syndgen", "train", str(data), "--objective", "dpo", "--student", "smollm2",
        "--out", str(out), "--max-steps", "2", "--batch-size", "2", "--max-seq-len", "64",
        "--eval-split", "0", "--no-gguf",
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    summary = json.loads((out / "summary.json").read_text())
    assert summary["first_loss"] == pytest.approx(0.6931, abs=1e-3)  # log 2: policy == reference
    assert summary["final_loss"] < summary["first_loss"]
    assert (out / "adapter").is_dir() and not (out / "student.gguf").exists()
