"""The ``echo`` backend: deterministic replies built from the request, no model."""

from __future__ import annotations

import json
from typing import Literal

from pydantic import Field

from syndgen.backends.base import Capabilities, ChatRequest, ChatResponse
from syndgen.backends.common import ModelSettings
from syndgen.records import Usage


class Config(ModelSettings):
    """Echo replies, for plugin tests."""

    backend: Literal["echo"] = Field(description="the test plugin's echo backend")
    model: str = Field(default="echo-1", description="the name its replies carry")


class EchoBackend:
    def __init__(self, config: Config) -> None:
        self.config = config

    @property
    def model_id(self) -> str:
        return self.config.model

    @property
    def capabilities(self) -> Capabilities:
        return Capabilities(structured_output=True, parallel=2)

    def chat(self, request: ChatRequest) -> ChatResponse:
        last = request.messages[-1].content
        if request.response_format is not None and request.response_format.kind == "json":
            text = json.dumps({"rationale": "a clear slogan", "score": 5})
        else:
            words = [w for w in last.replace("?", " ").split() if w.isalpha()][-3:]
            text = f"<think>Short and catchy about {' '.join(words)}.</think>Echo: {' '.join(words)} forever!"
        return ChatResponse(text=text, usage=Usage(prompt_tokens=5, completion_tokens=7), model=self.model_id)

    def close(self) -> None:
        pass


def create(config: Config) -> EchoBackend:
    return EchoBackend(config)
