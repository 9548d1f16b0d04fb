"""A scripted fake backend for control-flow tests (the real model runs in tests/integration)."""

from __future__ import annotations

import threading
from collections.abc import Callable

from syndgen.backends.base import Capabilities, ChatRequest, ChatResponse
from syndgen.records import Usage

Responder = Callable[[ChatRequest], str]


def stage_of(request: ChatRequest) -> str:
    text = "\n".join(m.content for m in request.messages)
    if "That reply was not valid" in text:
        return "repair"
    if "You grade whether the reasoning" in text:
        return "critic"
    if "A reviewer scored that answer" in text or "A reviewer rejected that answer" in text:
        return "regenerate"
    if "Topic:" in text:
        return "question"
    return "answer"


def topic_of(request: ChatRequest) -> str:
    return request.messages[-1].content.splitlines()[0].removeprefix("Topic: ")


class FakeBackend:
    def __init__(self, responder: Responder, *, structured: bool = True, name: str = "fake") -> None:
        self.responder = responder
        self.requests: list[ChatRequest] = []
        self._caps = Capabilities(structured_output=structured, deterministic_seed=True)
        self._name = name
        self._lock = threading.Lock()
        self.closed = False

    @property
    def model_id(self) -> str:
        return self._name

    @property
    def capabilities(self) -> Capabilities:
        return self._caps

    def chat(self, request: ChatRequest) -> ChatResponse:
        with self._lock:
            self.requests.append(request)
        text = self.responder(request)
        return ChatResponse(
            text=text,
            usage=Usage(prompt_tokens=10, completion_tokens=max(1, len(text) // 4)),
            model=self._name,
            finish_reason="stop",
            latency_s=0.001,
        )

    def close(self) -> None:
        self.closed = True


def scripted(
    *,
    score: Callable[[ChatRequest], str] | None = None,
    question: Callable[[ChatRequest], str] | None = None,
    answer: Callable[[ChatRequest], str] | None = None,
) -> Responder:
    """A responder that answers each stage; unspecified stages get good defaults."""

    def respond(request: ChatRequest) -> str:
        stage = stage_of(request)
        if stage == "question":
            return question(request) if question else f"What is the key idea of {topic_of(request)}?"
        if stage in ("answer", "regenerate"):
            if answer:
                return answer(request)
            return "<think>Step one. Step two.</think>The answer is forty-two."
        if score:
            return score(request)
        return '{"rationale": "sound", "score": 5}'

    return respond


def reject_forty(attempt, config):
    """A user's cheap filter (``quality.filters: ["fakes:reject_forty"]``)."""
    if "forty" in attempt.answer:
        return "mentions_forty", "the answer says forty"
    return None
