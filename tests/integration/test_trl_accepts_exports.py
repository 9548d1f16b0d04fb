"""TRL takes the exported files as they are: one SFT and one DPO training step on a tiny model.

The tokenizer (and its chat template) comes from the embedded model's GGUF file, the model is a
randomly initialised one-layer Llama: nothing is downloaded.
"""

from __future__ import annotations

import math
import os
import shutil
from pathlib import Path

import pytest
from datasets import load_dataset

os.environ.setdefault("HF_HUB_OFFLINE", "1")


@pytest.fixture(scope="module")
def tokenizer():
    from transformers import AutoTokenizer

    from syndgen.backends.llamacpp import resolve_model_path

    path = resolve_model_path("smollm2")
    return AutoTokenizer.from_pretrained(str(path.parent), gguf_file=path.name)


def tiny_model(tokenizer):
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(0)
    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=1,
        num_attention_heads=2,
        num_key_value_heads=1,
        max_position_embeddings=2048,
        pad_token_id=tokenizer.pad_token_id,
        eos_token_id=tokenizer.eos_token_id,
    )
    return LlamaForCausalLM(config)


def test_sft_trainer_trains_on_the_sft_export(embedded_run: Path, tokenizer, tmp_path: Path):
    from trl import SFTConfig, SFTTrainer

    data = load_dataset("parquet", data_files=str(embedded_run / "data" / "sft.parquet"), split="train")
    args = SFTConfig(
        output_dir=str(tmp_path),
        max_steps=1,
        per_device_train_batch_size=2,
        report_to="none",
        save_strategy="no",
        use_cpu=True,
        max_length=512,
    )
    trainer = SFTTrainer(
        model=tiny_model(tokenizer), args=args, train_dataset=data, processing_class=tokenizer
    )
    result = trainer.train()
    assert math.isfinite(result.training_loss) and result.training_loss > 0


@pytest.fixture(scope="module")
def dpo_run(embedded_run: Path, small_config_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shared run, grown until it holds a DPO pair.

    A pair needs a seed whose first answer was rejected and whose regeneration was kept; with the
    tiny model some short runs have none. A copy of the shared run is resumed with a larger count
    (the same config otherwise, so the same run continues) until one appears.
    """
    from syndgen.config import load_config
    from syndgen.export.run_export import export_run
    from syndgen.runner.run import run_pipeline

    run_dir = tmp_path_factory.mktemp("dpo") / "run"
    shutil.copytree(embedded_run, run_dir)
    config = load_config(small_config_path)
    for extra in (3, 6, 9):
        if (run_dir / "data" / "dpo.jsonl").exists():
            break
        grown = config.model_copy(
            update={"count": config.count + extra, "max_attempts": config.attempt_cap + 12 * extra}
        )
        run_pipeline(grown, run_dir)
        export_run(run_dir)
    return run_dir


def test_dpo_trainer_trains_on_the_dpo_export(dpo_run: Path, tokenizer, tmp_path: Path):
    from trl import DPOConfig, DPOTrainer

    path = dpo_run / "data" / "dpo.jsonl"
    assert path.exists(), "the run grown to 12 records still holds no DPO pair"
    data = load_dataset("json", data_files=str(path), split="train")
    args = DPOConfig(
        output_dir=str(tmp_path),
        max_steps=1,
        per_device_train_batch_size=1,
        report_to="none",
        save_strategy="no",
        use_cpu=True,
        max_length=512,
    )
    trainer = DPOTrainer(
        model=tiny_model(tokenizer),
        ref_model=tiny_model(tokenizer),
        args=args,
        train_dataset=data,
        processing_class=tokenizer,
    )
    result = trainer.train()
    assert math.isfinite(result.training_loss)
