"""Ollama through the official ``ollama`` client.

Thinking is enabled for reasoning models (DeepSeek-R1 returns its trace in ``message.thinking``);
with ``think`` left unset the backend asks for it and quietly drops it for a model that does not
support thinking. The context window defaults to 8192 tokens because Ollama's own default (2048
or 4096, by version) truncates long R1 traces.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Mapping
from typing import Any, Literal

from pydantic import Field

from syndgen.backends.base import Capabilities, ChatRequest, ChatResponse, messages_as_dicts
from syndgen.backends.common import (
    DEFAULT_RETRIES,
    AsyncLoop,
    BackendFault,
    ModelSettings,
    Retrier,
    malformed,
)
from syndgen.backends.stream import TokenStream, open_stream
from syndgen.errors import MissingExtraError
from syndgen.faults import FaultCounter
from syndgen.records import Usage

DEFAULT_HOST = "http://127.0.0.1:11434"


class Config(ModelSettings):
    """A model served by Ollama (`ollama serve`)."""

    backend: Literal["ollama"] = Field(description="a model served by Ollama")
    model: str = Field(default="deepseek-r1:1.5b", description="an Ollama model name")
    host: str | None = Field(default=None, description="server URL (default: $OLLAMA_HOST)")
    num_ctx: int = Field(default=8192, ge=256, description="context window in tokens")
    think: bool | None = Field(
        default=None, description="ask for a separate reasoning trace (default: when supported)"
    )
    keep_alive: str | None = Field(default=None, description="how long the model stays loaded")
    max_retries: int = Field(
        default=DEFAULT_RETRIES,
        ge=0,
        description="tries after a retryable fault (backoff 0.5 s doubling to 8 s)",
    )
    concurrency: int = Field(
        default=4, ge=1, le=1024, description="requests in flight (match OLLAMA_NUM_PARALLEL)"
    )


def resolve_host(config: Config) -> str:
    host = config.host or os.environ.get("OLLAMA_HOST") or DEFAULT_HOST
    if "://" not in host:
        host = f"http://{host}"
    return host.rstrip("/")


def build_kwargs(request: ChatRequest, config: Config, think: bool | None) -> dict[str, Any]:
    """Keyword arguments of ``ollama.Client.chat`` for a request (pure)."""
    options: dict[str, Any] = {
        "temperature": request.temperature,
        "top_p": request.top_p,
        "num_predict": request.max_tokens,
        "num_ctx": config.num_ctx,
    }
    if request.seed is not None:
        options["seed"] = request.seed
    kwargs: dict[str, Any] = {
        "model": config.model,
        "messages": messages_as_dicts(request.messages),
        "options": options,
        "stream": False,
    }
    fmt = request.response_format
    if fmt is not None and fmt.kind == "json":
        kwargs["format"] = fmt.schema_ or "json"
        think = False  # a verdict is short and constrained: no trace wanted
    if think is not None:
        kwargs["think"] = think
    if config.keep_alive is not None:
        kwargs["keep_alive"] = config.keep_alive
    return kwargs


def parse_response(raw: Mapping[str, Any], model_id: str, latency_s: float) -> ChatResponse:
    """Turn an ``/api/chat`` reply (as a mapping) into a :class:`ChatResponse` (pure)."""
    message = raw.get("message")
    if not isinstance(message, Mapping):
        raise malformed("Ollama returned no message")
    content, thinking = message.get("content"), message.get("thinking")
    if not isinstance(content or "", str) or not isinstance(thinking or "", str):
        raise malformed("Ollama returned a message whose content is not text")
    return ChatResponse(
        text=content or "",
        reasoning=thinking or "",
        usage=Usage(
            prompt_tokens=int(raw.get("prompt_eval_count") or 0),
            completion_tokens=int(raw.get("eval_count") or 0),
        ),
        model=str(raw.get("model") or model_id),
        finish_reason=raw.get("done_reason"),
        latency_s=latency_s,
    )


def merge_chunks(chunks: list[Mapping[str, Any]]) -> dict[str, Any]:
    """The streamed ``/api/chat`` chunks as the one reply ``stream: False`` would give (pure)."""
    content, thinking = [], []
    merged: dict[str, Any] = {}
    for chunk in chunks:
        message = chunk.get("message")
        if isinstance(message, Mapping):
            content.append(message.get("content") or "")
            thinking.append(message.get("thinking") or "")
        merged.update({k: v for k, v in chunk.items() if k != "message" and v is not None})
    merged["message"] = {"role": "assistant", "content": "".join(content), "thinking": "".join(thinking)}
    return merged


async def _streamed(client: Any, kwargs: dict[str, Any], stream: TokenStream) -> dict[str, Any]:
    """Call ``/api/chat`` streaming, reporting the thinking and content deltas apart."""
    chunks: list[Mapping[str, Any]] = []
    async for part in await client.chat(**{**kwargs, "stream": True}):
        chunk = part.model_dump() if hasattr(part, "model_dump") else dict(part)
        message = chunk.get("message") or {}
        stream.emit("reasoning", message.get("thinking") or "")
        stream.raw(message.get("content") or "")
        chunks.append(chunk)
    stream.close()
    return merge_chunks(chunks)


def translate_error(exc: Exception, config: Config, host: str) -> BackendFault:
    """Map the ollama client's exceptions to a :class:`BackendFault` with the fix (pure).

    Anything that is not the client's (or a reply it could not decode) is a bug and re-raised.
    """
    import httpx
    import ollama
    import pydantic

    if isinstance(exc, ollama.ResponseError):
        return _status_fault(exc, config, host)
    if isinstance(exc, ConnectionError):
        return BackendFault(
            f"cannot reach the Ollama server at {host}",
            kind="connection",
            retryable=True,
            hint="start it with 'ollama serve', or set host / OLLAMA_HOST",
        )
    if isinstance(exc, httpx.TimeoutException):
        return BackendFault(
            f"Ollama did not answer within {config.timeout_s:g}s",
            kind="timeout",
            retryable=True,
            hint="raise timeout_s",
        )
    if isinstance(exc, httpx.RemoteProtocolError | httpx.ReadError | httpx.WriteError):
        return BackendFault(
            f"the Ollama server at {host} dropped the connection before the reply was complete",
            kind="disconnected",
            retryable=True,
        )
    if isinstance(exc, httpx.HTTPError):
        return BackendFault(
            f"HTTP error talking to Ollama at {host}: {exc}", kind="http_error", retryable=True
        )
    if isinstance(exc, json.JSONDecodeError | pydantic.ValidationError) or (
        isinstance(exc, TypeError) and "must be a mapping" in str(exc)  # a JSON list or string
    ):
        return malformed(f"Ollama at {host} answered with a reply that is not a chat response")
    raise exc


def _status_fault(exc: Any, config: Config, host: str) -> BackendFault:
    text, status = str(exc.error), int(exc.status_code)
    kind = f"http_{status}"
    if status == 404:
        return BackendFault(
            f"Ollama model '{config.model}' is not available at {host}: {text}",
            kind=kind,
            hint=f"pull it with: ollama pull {config.model}",
        )
    if status in (408, 429) or (status >= 500 and status not in (501, 505)):
        return BackendFault(f"Ollama error {status}: {text}", kind=kind, retryable=True)
    if status >= 500 or status < 0:
        return BackendFault(f"{host} answered {status}: {text}", kind=kind, hint="is host an Ollama server?")
    return BackendFault(f"Ollama rejected the request: {text}", kind=kind, record_level=True)


def _is_no_thinking(exc: Exception) -> bool:
    return "does not support thinking" in str(exc).lower()


class OllamaBackend:
    """Async client on a background loop; retries and fault counts as in the openai backend."""

    def __init__(self, config: Config) -> None:
        try:
            import ollama
        except ImportError:
            raise MissingExtraError(
                "the ollama backend needs the ollama client", hint="pip install ollama"
            ) from None
        self.config = config
        self.host = resolve_host(config)
        self._faults = FaultCounter()
        self._retrier = Retrier(config.max_retries, self._faults)
        self._aloop = AsyncLoop(config.concurrency)
        self._client = ollama.AsyncClient(host=self.host, timeout=config.timeout_s)
        self._think: bool | None = True if config.think is None else config.think  # loop thread only

    @property
    def model_id(self) -> str:
        return self.config.model

    @property
    def capabilities(self) -> Capabilities:
        return Capabilities(
            structured_output=True,
            reasoning_field=True,
            deterministic_seed=True,
            parallel=self.config.concurrency,
        )

    def faults(self) -> dict[str, int]:
        """Requests sent and faults met, by kind, since this backend was created."""
        return self._faults.snapshot()

    async def _send(self, request: ChatRequest) -> ChatResponse:
        import ollama

        kwargs = build_kwargs(request, self.config, self._think)
        fmt = request.response_format
        stream = open_stream(self.model_id, fmt.kind if fmt else None, request.seed)
        start = time.perf_counter()
        try:
            async with self._aloop.semaphore:
                if stream is not None:
                    return parse_response(
                        await _streamed(self._client, kwargs, stream),
                        self.model_id,
                        time.perf_counter() - start,
                    )
                raw = await self._client.chat(**kwargs)
        except ollama.ResponseError as exc:
            if self.config.think is None and kwargs.get("think") and _is_no_thinking(exc):
                self._think = None  # remembered: the model does not think
                return await self._send(request)
            raise
        data = raw.model_dump() if hasattr(raw, "model_dump") else dict(raw)
        return parse_response(data, self.model_id, time.perf_counter() - start)

    async def _chat(self, request: ChatRequest) -> ChatResponse:
        return await self._retrier.run(
            lambda: self._send(request), lambda exc: translate_error(exc, self.config, self.host)
        )

    def chat(self, request: ChatRequest) -> ChatResponse:
        return self._aloop.run(self._chat(request))

    def cancel_all(self) -> None:
        """Drop the requests in flight (they fail as cancelled) until :meth:`reopen`."""
        self._aloop.cancel_all()

    def reopen(self) -> None:
        self._aloop.reopen()

    def close(self) -> None:
        """Cancel what is in flight, close the client and stop the loop (prompt, idempotent)."""
        self._aloop.close(self._client.close())  # type: ignore[no-untyped-call]


def create(config: Config) -> OllamaBackend:
    return OllamaBackend(config)
