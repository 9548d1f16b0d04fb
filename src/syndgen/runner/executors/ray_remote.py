"""The driver's view of a backend the Ray actors own: its capabilities, and requests (the driver
asks few: a run's topic expansion) served by an actor."""

from __future__ import annotations

from typing import Any, Protocol

from syndgen.backends.base import Capabilities, ChatRequest, ChatResponse


class Serving(Protocol):
    """What serves a remote backend's requests (the Ray executor)."""

    def chat(self, role: str, request: ChatRequest) -> ChatResponse: ...

    def faults(self, role: str) -> dict[str, int]: ...


class RemoteBackend:
    """The driver's view of a role's backend: capabilities, and requests served by an actor."""

    def __init__(self, executor: Serving, role: str, config: Any, model_id: str, caps: Capabilities):
        self.executor, self.role, self.config = executor, role, config
        self._model_id, self._caps = model_id, caps

    @property
    def model_id(self) -> str:
        return self._model_id

    @property
    def capabilities(self) -> Capabilities:
        return self._caps

    def chat(self, request: ChatRequest) -> ChatResponse:
        return self.executor.chat(self.role, request)

    def close(self) -> None:
        pass


class FaultReportingRemote(RemoteBackend):
    def faults(self) -> dict[str, int]:
        return self.executor.faults(self.role)
