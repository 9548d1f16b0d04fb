"""``syndgen train``: SFT or DPO of a student on a run's exports with TRL, LoRA (peft) or full.

bf16 on CPU: measured here (SmolLM2-135M, LoRA r=16 on all linear layers, batch 4 x 128 tokens,
2 threads) a step takes 1.7-2.1 s in bf16 and 3.2 s in fp32, so ``dtype: auto`` trains in bf16
wherever the CPU or GPU supports it, and gradient checkpointing stays off (it recomputes the
forward pass: slower, and the memory it saves is not needed at this size). Checkpoints go to
``OUT/checkpoints`` every ``save_steps``; rerunning the same command resumes from the last one.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from syndgen.distill import data as rows_mod
from syndgen.distill.settings import TrainSettings
from syndgen.extras import require

CHECKPOINTS = "checkpoints"


def _dtype(settings: TrainSettings) -> Any:
    import torch

    if settings.dtype == "fp32":
        return torch.float32
    if settings.dtype == "bf16":
        return torch.bfloat16
    if torch.cuda.is_available():
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float32
    return torch.bfloat16


def _callbacks(tracker: Any, on_progress: Callable[[int, int, dict[str, float]], None]) -> list[Any]:
    from transformers import TrainerCallback

    class Report(TrainerCallback):
        def on_log(self, args: Any, state: Any, control: Any, logs: Any = None, **kw: Any) -> None:
            numbers = {k: float(v) for k, v in (logs or {}).items() if isinstance(v, int | float)}
            if numbers:
                tracker.log(numbers, state.global_step)
            on_progress(state.global_step, state.max_steps, numbers)

        def on_step_end(self, args: Any, state: Any, control: Any, **kw: Any) -> None:
            on_progress(state.global_step, state.max_steps, {})

    return [Report()]


def _trainer(settings: TrainSettings, model: Any, tokenizer: Any, train: Any, evaluation: Any) -> Any:
    import torch

    common: dict[str, Any] = {
        "output_dir": str(Path(settings.out) / CHECKPOINTS),
        "num_train_epochs": settings.epochs,
        "max_steps": settings.max_steps,
        "learning_rate": settings.lr,
        "per_device_train_batch_size": settings.batch_size,
        "per_device_eval_batch_size": settings.batch_size,
        "logging_steps": 1,
        "save_strategy": "steps",
        "save_steps": settings.save_steps,
        "eval_strategy": "steps" if evaluation is not None else "no",
        "eval_steps": settings.save_steps,
        "report_to": "none",
        "use_cpu": not torch.cuda.is_available(),
        "bf16": model.dtype == torch.bfloat16,
        "gradient_checkpointing": False,
        "seed": settings.seed,
        "max_length": settings.max_seq_len,
        "disable_tqdm": True,
    }
    peft_config = None
    if settings.method == "lora":
        from peft import LoraConfig

        peft_config = LoraConfig(
            r=settings.rank, lora_alpha=settings.alpha, target_modules="all-linear", task_type="CAUSAL_LM"
        )
    if settings.objective == "dpo":
        from trl import DPOConfig, DPOTrainer  # type: ignore[attr-defined]

        return DPOTrainer(
            model=model,
            args=DPOConfig(**common),
            train_dataset=train,
            eval_dataset=evaluation,
            processing_class=tokenizer,
            peft_config=peft_config,
        )
    from trl import SFTConfig, SFTTrainer  # type: ignore[attr-defined]

    return SFTTrainer(
        model=model,
        args=SFTConfig(**common),
        train_dataset=train,
        eval_dataset=evaluation,
        processing_class=tokenizer,
        peft_config=peft_config,
    )


def _datasets(settings: TrainSettings) -> tuple[Any, Any, int]:
    from datasets import Dataset

    rows = rows_mod.load_rows([Path(p) for p in settings.data], settings.objective)
    rows = rows_mod.apply_mix(rows, settings.mix, settings.seed)
    rows = [{k: v for k, v in r.items() if k != "difficulty"} for r in rows]
    train, held = rows_mod.split(rows, settings.eval_split, settings.seed)
    return Dataset.from_list(train), (Dataset.from_list(held) if held else None), len(train)


def last_checkpoint(out: Path) -> str | None:
    from transformers import trainer_utils

    find: Any = trainer_utils.get_last_checkpoint
    folder = out / CHECKPOINTS
    return find(str(folder)) if folder.is_dir() else None


def train(
    settings: TrainSettings, on_progress: Callable[[int, int, dict[str, float]], None]
) -> dict[str, Any]:
    """Train, resuming from the last checkpoint, then write the artifacts; returns the summary."""
    require("train", "syndgen train")
    from syndgen.distill.artifacts import write_artifacts
    from syndgen.distill.student import load_student
    from syndgen.distill.tracking import Tracker

    out = Path(settings.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "training_config.json").write_text(json.dumps(settings.model_dump(), indent=2))
    train_set, eval_set, n_train = _datasets(settings)
    model, tokenizer = load_student(settings.student, _dtype(settings))
    tracker = Tracker(out, settings.tracking_uri, settings.model_dump())
    started = time.monotonic()
    try:
        trainer = _trainer(settings, model, tokenizer, train_set, eval_set)
        from transformers.trainer_callback import PrinterCallback

        trainer.remove_callback(PrinterCallback)  # the progress bar shows the loss
        for callback in _callbacks(tracker, on_progress):
            trainer.add_callback(callback)
        resume = last_checkpoint(out)
        result = trainer.train(resume_from_checkpoint=resume)
        history = [h for h in trainer.state.log_history if "loss" in h]
        summary: dict[str, Any] = {
            "train_rows": n_train,
            "eval_rows": 0 if eval_set is None else len(eval_set),
            "steps": trainer.state.global_step,
            "resumed_from": resume,
            "first_loss": history[0]["loss"] if history else None,
            "final_loss": history[-1]["loss"] if history else None,
            "train_loss": result.training_loss,
            "dtype": str(model.dtype).removeprefix("torch."),
            "seconds": round(time.monotonic() - started, 1),
            "mlflow_run_id": tracker.run.info.run_id,
        }
        if eval_set is not None:
            metrics = trainer.evaluate()
            summary["eval_loss"] = metrics.get("eval_loss")
            tracker.log(
                {"final_eval_loss": float(metrics.get("eval_loss", math.nan))}, trainer.state.global_step
            )
        summary["files"] = write_artifacts(settings, trainer.model, tokenizer, summary)
    finally:
        tracker.close()
    (out / "summary.json").write_text(json.dumps(summary, indent=2, default=str))
    return summary
