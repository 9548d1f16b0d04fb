"""Ollama through the official ``ollama`` client.

Thinking is enabled for reasoning models (DeepSeek-R1 returns its trace in ``message.thinking``);
with ``think`` left unset the backend asks for it and quietly drops it for a model that does not
support thinking. The context window defaults to 8192 tokens because Ollama's own default (2048
or 4096, by version) truncates long R1 traces.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Mapping
from typing import Any, Literal

from pydantic import Field

from syndgen.backends.base import Capabilities, ChatRequest, ChatResponse, messages_as_dicts
from syndgen.backends.common import AsyncLoop, ModelSettings, call_with_retries
from syndgen.errors import BackendError, Cancelled, MissingExtraError
from syndgen.records import Usage

DEFAULT_HOST = "http://127.0.0.1:11434"


class Config(ModelSettings):
    backend: Literal["ollama"]
    model: str = Field(default="deepseek-r1:1.5b", description="an Ollama model name")
    host: str | None = Field(default=None, description="server URL (default: $OLLAMA_HOST)")
    num_ctx: int = Field(default=8192, ge=256, description="context window in tokens")
    think: bool | None = Field(
        default=None, description="ask for a separate reasoning trace (default: when supported)"
    )
    keep_alive: str | None = Field(default=None, description="how long the model stays loaded")
    max_retries: int = Field(default=3, ge=0)
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
    message = raw.get("message") or {}
    if not isinstance(message, Mapping):
        raise BackendError("Ollama returned no message", record_level=True)
    return ChatResponse(
        text=message.get("content") or "",
        reasoning=message.get("thinking") or "",
        usage=Usage(
            prompt_tokens=int(raw.get("prompt_eval_count") or 0),
            completion_tokens=int(raw.get("eval_count") or 0),
        ),
        model=str(raw.get("model") or model_id),
        finish_reason=raw.get("done_reason"),
        latency_s=latency_s,
    )


def translate_error(exc: Exception, config: Config, host: str) -> BackendError:
    """Map the ollama client's exceptions to a :class:`BackendError` with the fix (pure)."""
    import httpx
    import ollama

    if isinstance(exc, ollama.ResponseError):
        text = str(exc.error)
        if exc.status_code == 404:
            return BackendError(
                f"Ollama model '{config.model}' is not available at {host}: {text}",
                hint=f"pull it with: ollama pull {config.model}",
            )
        if exc.status_code in (408, 429) or exc.status_code >= 500:
            return BackendError(f"Ollama error {exc.status_code}: {text}", retryable=True)
        return BackendError(f"Ollama rejected the request: {text}", record_level=True)
    if isinstance(exc, ConnectionError):
        return BackendError(
            f"cannot reach the Ollama server at {host}",
            retryable=True,
            hint="start it with 'ollama serve', or set host / OLLAMA_HOST",
        )
    if isinstance(exc, httpx.TimeoutException):
        return BackendError(
            f"Ollama did not answer within {config.timeout_s:g}s",
            retryable=True,
            hint="raise timeout_s",
        )
    if isinstance(exc, httpx.HTTPError):
        return BackendError(f"HTTP error talking to Ollama at {host}: {exc}", retryable=True)
    raise exc


def _is_no_thinking(exc: Exception) -> bool:
    return "does not support thinking" in str(exc).lower()


class OllamaBackend:
    def __init__(self, config: Config) -> None:
        try:
            import ollama
        except ImportError:
            raise MissingExtraError(
                "the ollama backend needs the ollama client", hint="pip install ollama"
            ) from None
        self.config = config
        self.host = resolve_host(config)
        self._aloop = AsyncLoop(config.concurrency)
        self._client = ollama.AsyncClient(host=self.host, timeout=config.timeout_s)
        self._think: bool | None = True if config.think is None else config.think
        self._lock = threading.Lock()

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

    async def _send(self, kwargs: dict[str, Any]) -> Any:
        async with self._aloop.semaphore:
            return await self._client.chat(**kwargs)

    def _once(self, request: ChatRequest) -> ChatResponse:
        kwargs = build_kwargs(request, self.config, self._think)
        start = time.perf_counter()
        try:
            raw = self._aloop.run(self._send(kwargs))
        except Cancelled:
            raise
        except Exception as exc:  # translated below; anything unknown is re-raised
            if self.config.think is None and kwargs.get("think") and _is_no_thinking(exc):
                with self._lock:
                    self._think = None
                return self._once(request)
            raise translate_error(exc, self.config, self.host) from exc
        latency = time.perf_counter() - start
        data = raw.model_dump() if hasattr(raw, "model_dump") else dict(raw)
        return parse_response(data, self.model_id, latency)

    def chat(self, request: ChatRequest) -> ChatResponse:
        return call_with_retries(lambda: self._once(request), retries=self.config.max_retries)

    def cancel_all(self) -> None:
        """Drop the requests in flight (they fail as cancelled) until :meth:`reopen`."""
        self._aloop.cancel_all()

    def reopen(self) -> None:
        self._aloop.reopen()

    def close(self) -> None:
        self._aloop.reopen()
        self._aloop.run(self._client.close())  # type: ignore[no-untyped-call]
        self._aloop.close()


def create(config: Config) -> OllamaBackend:
    return OllamaBackend(config)
