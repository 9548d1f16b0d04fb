"""The backend interface: one request type, one response type, one small Protocol.

A backend only turns a :class:`ChatRequest` into a :class:`ChatResponse`. Building the
provider-specific payload and parsing the provider's reply are pure functions in each backend
module, unit-tested without a server.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, Literal, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field

from syndgen.records import Message, Usage


class ResponseFormat(BaseModel):
    """What shape the output must take.

    ``json`` constrains the output to ``schema`` (grammar or the server's structured output);
    ``think`` constrains it to ``<think>trace</think> answer`` where the backend can (a grammar),
    so that even a model that does not reason on its own writes a trace; ``text`` is a reply
    without a trace. With ``grammar`` (GBNF rules defining ``answer``, from the prompt's shape)
    the answer after the trace, or the whole ``text`` reply, follows those rules; backends that
    take no grammar ignore it.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")
    kind: Literal["json", "think", "text"]
    schema_: dict[str, Any] | None = Field(default=None, alias="schema")
    name: str = "output"
    grammar: str | None = None


class ChatRequest(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    messages: tuple[Message, ...]
    max_tokens: int = Field(default=512, ge=1)
    temperature: float = Field(default=0.7, ge=0.0)
    top_p: float = Field(default=0.95, gt=0.0, le=1.0)
    seed: int | None = None
    response_format: ResponseFormat | None = None
    max_reasoning_tokens: int | None = Field(
        default=None, ge=1, description="stop a <think> trace longer than this (where supported)"
    )


class ChatResponse(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    text: str
    """The message content as the model wrote it (may hold inline ``<think>`` tags)."""
    reasoning: str = ""
    """Reasoning the API returned in a separate field, if any."""
    usage: Usage = Usage()
    model: str
    finish_reason: str | None = None
    latency_s: float = 0.0


@dataclass(frozen=True)
class Capabilities:
    structured_output: bool = False
    """Can constrain output to a JSON schema."""
    grammar: bool = False
    """Can constrain output to an arbitrary grammar (used to force a reasoning trace)."""
    reasoning_field: bool = False
    """Returns reasoning separately from the content."""
    deterministic_seed: bool = False
    """The same request with the same seed gives the same output."""
    parallel: int = 1
    """Requests the backend serves at once; the runner keeps this many seeds in flight."""
    lockstep: bool = False
    """The backend is a :class:`LockstepBackend`: the runner can schedule its batches so that
    they do not depend on thread timing (the embedded engine)."""
    model_free: bool = False
    """The backend needs no model at all (the scripted ``dryrun`` backend): model-based reports
    such as embedding diversity are skipped so a run needs no model files."""


@runtime_checkable
class Backend(Protocol):
    """What the pipeline needs from a model."""

    @property
    def model_id(self) -> str: ...

    @property
    def capabilities(self) -> Capabilities: ...

    def chat(self, request: ChatRequest) -> ChatResponse: ...

    def close(self) -> None: ...


@runtime_checkable
class Cancellable(Protocol):
    """A backend that can drop its requests in flight (their callers get ``Cancelled``)."""

    def cancel_all(self) -> None: ...

    def reopen(self) -> None: ...


class Lockstep(Protocol):
    """Deterministic batching: a decode step waits until every registered client has a request
    queued or is done, and never runs while the runner holds it."""

    def hold(self) -> AbstractContextManager[None]: ...

    def clients(self, delta: int) -> None: ...

    def settled(self, finished: int) -> bool: ...

    def release_clients(self) -> None: ...

    def reset(self) -> None:
        """Forget all state that later batches depend on (caches); only with nothing in flight."""
        ...


class LockstepBackend(Backend, Protocol):
    """A backend whose ``capabilities.lockstep`` is true exposes its scheduler here."""

    @property
    def lockstep(self) -> Lockstep: ...


def messages_as_dicts(messages: tuple[Message, ...]) -> list[dict[str, str]]:
    return [{"role": m.role, "content": m.content} for m in messages]
