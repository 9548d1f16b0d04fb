"""The typed, strict settings of one training run (written to ``training_config.json``)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class TrainSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    data: list[str]
    student: str
    out: str
    method: Literal["lora", "full"] = "lora"
    objective: Literal["sft", "dpo"] = "sft"
    epochs: float = Field(default=1.0, gt=0)
    max_steps: int = Field(default=-1, ge=-1, description="-1: as many as the epochs take")
    lr: float = Field(default=2e-4, gt=0)
    rank: int = Field(default=16, ge=1)
    alpha: int = Field(default=32, ge=1)
    max_seq_len: int = Field(default=512, ge=16)
    batch_size: int = Field(default=4, ge=1)
    eval_split: float = Field(default=0.1, ge=0, lt=1)
    save_steps: int = Field(default=50, ge=1)
    seed: int = 0
    mix: dict[str, float] = Field(default_factory=dict)
    dtype: Literal["auto", "bf16", "fp32"] = "auto"
    tracking_uri: str | None = None
    gguf: bool = True
