"""A model-free backend that answers instantly with well-formed output.

For trying a config end to end without a model, and for measuring the pipeline itself (memory,
overhead) with no inference cost: ``syndgen run CONFIG --set generator.backend=dryrun``.
Questions are unique per seed, answers carry a reasoning trace, verdicts are valid JSON.
"""

from __future__ import annotations

import json
import time
from typing import Literal

from pydantic import Field

from syndgen.backends.base import Capabilities, ChatRequest, ChatResponse
from syndgen.backends.common import ModelSettings
from syndgen.records import Usage


class Config(ModelSettings):
    backend: Literal["dryrun"]
    model: str = "dryrun"
    score: int = Field(default=5, ge=1, le=5, description="the score every verdict gives")
    latency_s: float = Field(default=0.0, ge=0.0, description="simulated time per request")
    parallel: int = Field(default=16, ge=1, description="requests served at once")


def respond(request: ChatRequest, score: int) -> str:
    """The canned reply for a request (pure)."""
    fmt = request.response_format
    if fmt is not None and fmt.kind == "json":
        return json.dumps({"rationale": "Dry run: the steps follow.", "score": score})
    if (fmt is not None and fmt.kind == "think") or "<think>" in request.messages[0].content:
        return "<think>\nDry run: reason step by step.\n</think>\n\nDry run answer."
    return f"Dry-run question number {request.seed}?"


class DryRunBackend:
    def __init__(self, config: Config) -> None:
        self.config = config

    @property
    def model_id(self) -> str:
        return self.config.model

    @property
    def capabilities(self) -> Capabilities:
        return Capabilities(
            structured_output=True, grammar=True, deterministic_seed=True, parallel=self.config.parallel
        )

    def chat(self, request: ChatRequest) -> ChatResponse:
        if self.config.latency_s:
            time.sleep(self.config.latency_s)
        text = respond(request, self.config.score)
        return ChatResponse(
            text=text,
            usage=Usage(
                prompt_tokens=sum(len(m.content) for m in request.messages) // 4,
                completion_tokens=len(text) // 4,
            ),
            model=self.config.model,
            finish_reason="stop",
            latency_s=self.config.latency_s,
        )

    def close(self) -> None:
        pass


def create(config: Config) -> DryRunBackend:
    return DryRunBackend(config)
