"""A scripted backend for the eval tests: answers from a JSON file mapping question -> reply."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal

from pydantic import Field

from syndgen.backends.base import Capabilities, ChatRequest, ChatResponse
from syndgen.backends.common import ModelSettings


class Config(ModelSettings):
    backend: Literal["scripted"] = Field(description="replies read from a JSON file")
    model: str = Field(description="path to the JSON file: question -> reply")


class ScriptedBackend:
    def __init__(self, config: Config) -> None:
        self.config = config
        self.replies: dict[str, str] = json.loads(Path(config.model).read_text())

    @property
    def model_id(self) -> str:
        return self.config.model

    @property
    def capabilities(self) -> Capabilities:
        return Capabilities(parallel=4, deterministic_seed=True)

    def chat(self, request: ChatRequest) -> ChatResponse:
        question = request.messages[-1].content
        return ChatResponse(text=self.replies.get(question, "I do not know."), model=self.model_id)

    def close(self) -> None:
        pass


def create(config: Config) -> ScriptedBackend:
    return ScriptedBackend(config)
