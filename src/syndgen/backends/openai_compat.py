"""Any OpenAI-compatible server through the official ``openai`` client.

vLLM, llama.cpp's server, LM Studio, SGLang, OpenAI and DeepSeek all speak this API. Reasoning
comes back in ``reasoning_content`` (DeepSeek, vLLM, llama.cpp server), ``reasoning`` (newer
vLLM, OpenRouter) or inline ``<think>`` tags; the pipeline handles all three. The API key comes
from ``api_key`` or the environment variable ``api_key_env`` and is never written anywhere.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Mapping
from typing import Any, Literal
from urllib.parse import urlparse

from pydantic import Field, SecretStr, StrictBool, field_validator
from pydantic_core import PydanticCustomError

from syndgen.backends.base import Capabilities, ChatRequest, ChatResponse, messages_as_dicts
from syndgen.backends.common import (
    DEFAULT_RETRIES,
    AsyncLoop,
    BackendFault,
    ModelSettings,
    Retrier,
    is_loopback,
    malformed,
    retry_after_s,
)
from syndgen.backends.grammar import DEFAULT_MAX_REASONING_CHARS, text_grammar
from syndgen.backends.openai_stream import assemble_completion as assemble_completion
from syndgen.backends.openai_stream import delta_parts
from syndgen.backends.stream import TokenStream, open_stream
from syndgen.errors import ConfigError, MissingExtraError
from syndgen.faults import FaultCounter
from syndgen.records import Usage

DEFAULT_BASE_URL = "https://api.openai.com/v1"


class Config(ModelSettings):
    """Any OpenAI-compatible chat API (OpenAI, vLLM, llama.cpp server, SGLang, LM Studio, DeepSeek)."""

    backend: Literal["openai"] = Field(description="any OpenAI-compatible chat API")
    model: str = Field(description="the model name the server knows")
    base_url: str | None = Field(
        default=None, description="server URL ending in /v1 (default: $OPENAI_BASE_URL or OpenAI)"
    )
    api_key: SecretStr | None = Field(default=None, description="prefer api_key_env")
    api_key_env: str = Field(default="OPENAI_API_KEY", description="variable holding the key")
    structured_output: Literal["json_schema", "json_object", "none"] = Field(
        default="json_schema", description="how the server accepts a JSON schema"
    )
    max_retries: int = Field(
        default=DEFAULT_RETRIES,
        ge=0,
        description="tries after a retryable fault (backoff 0.5 s doubling to 8 s)",
    )
    concurrency: int = Field(
        default=8, ge=1, le=1024, description="requests in flight (the server's parallel slots)"
    )
    grammar: StrictBool = Field(
        default=False,
        description="send GBNF grammars in the request body, as llama.cpp's llama-server and "
        "llama-cpp-python's server take them: the reasoning trace and reply shapes are forced as "
        "on the embedded engine",
    )

    @field_validator("base_url")
    @classmethod
    def _check_base_url(cls, value: str | None) -> str | None:
        if value is not None:
            check_base_url(value)
        return value


def check_base_url(url: str) -> None:
    """An http(s) URL with a host, or a config error that says so (pure)."""
    parsed = urlparse(url.strip())
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise PydanticCustomError(
            "base_url",
            "not an http(s) URL with a host: {url} (write it like http://127.0.0.1:8000/v1)",
            {"url": repr(url)},
        )


def resolve_base_url(config: Config) -> str:
    url = (config.base_url or os.environ.get("OPENAI_BASE_URL") or DEFAULT_BASE_URL).rstrip("/")
    try:
        check_base_url(url)
    except PydanticCustomError as exc:
        raise ConfigError(f"$OPENAI_BASE_URL is {exc.message()}") from None
    return url


def resolve_api_key(config: Config, base_url: str) -> str:
    if config.api_key is not None:
        return config.api_key.get_secret_value()
    key = os.environ.get(config.api_key_env)
    if key:
        return key
    if is_loopback(base_url):
        return "not-needed"  # local servers usually accept any key
    raise ConfigError(
        f"no API key for {base_url}",
        hint=f"export {config.api_key_env}=... (or set api_key_env to the variable that holds it)",
    )


def build_kwargs(request: ChatRequest, config: Config) -> dict[str, Any]:
    """Keyword arguments of ``client.chat.completions.create`` (pure)."""
    kwargs: dict[str, Any] = {
        "model": config.model,
        "messages": messages_as_dicts(request.messages),
        "max_tokens": request.max_tokens,
        "temperature": request.temperature,
        "top_p": request.top_p,
    }
    if request.seed is not None:
        kwargs["seed"] = request.seed
    fmt = request.response_format
    gbnf = text_grammar(fmt, DEFAULT_MAX_REASONING_CHARS) if config.grammar else None
    if gbnf is not None:
        kwargs["extra_body"] = {"grammar": gbnf}
    if fmt is not None and fmt.kind == "json" and config.structured_output != "none":
        schema = fmt.schema_ or {"type": "object"}
        if config.structured_output == "json_schema":
            kwargs["response_format"] = {
                "type": "json_schema",
                "json_schema": {"name": fmt.name, "schema": schema, "strict": True},
            }
        else:
            kwargs["response_format"] = {"type": "json_object", "schema": schema}
    return kwargs


def parse_body(body: bytes, model_id: str, latency_s: float, source: str = "the server") -> ChatResponse:
    """A chat completion's HTTP body into a :class:`ChatResponse` (pure); an unreadable one
    (empty, truncated, not JSON, not a completion) is a retryable, record-level fault."""
    if not body.strip():
        raise malformed(f"{source} answered with an empty body")
    try:
        raw = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise malformed(f"{source} answered with a body that is not JSON ({exc})") from None
    if not isinstance(raw, Mapping):
        raise malformed(f"{source} answered with JSON that is not a completion ({type(raw).__name__})")
    try:
        return parse_completion(raw, model_id, latency_s)
    except BackendFault as fault:
        raise malformed(f"{source}: {fault.message}") from None


def parse_completion(raw: Mapping[str, Any], model_id: str, latency_s: float) -> ChatResponse:
    """Turn a chat completion (as a mapping) into a :class:`ChatResponse` (pure)."""
    choices = raw.get("choices")
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], Mapping):
        raise malformed("the server returned no choices")
    choice = choices[0]
    message = choice.get("message")
    if not isinstance(message, Mapping):
        raise malformed("the server returned a choice without a message")
    content = message.get("content")
    if content is not None and not isinstance(content, str):
        raise malformed("the server returned a message whose content is not text")
    reasoning = ""
    for name in ("reasoning_content", "reasoning"):
        value = message.get(name)
        if isinstance(value, str) and value.strip():
            reasoning = value
            break
    usage = raw.get("usage")
    if not isinstance(usage, Mapping):
        usage = {}
    try:
        prompt_tokens = int(usage.get("prompt_tokens") or 0)
        completion_tokens = int(usage.get("completion_tokens") or 0)
    except (TypeError, ValueError):
        prompt_tokens = completion_tokens = 0  # usage is informative only
    finish = choice.get("finish_reason")
    return ChatResponse(
        text=content or "",
        reasoning=reasoning,
        usage=Usage(prompt_tokens=prompt_tokens, completion_tokens=completion_tokens),
        model=str(raw.get("model") or model_id),
        finish_reason=finish if isinstance(finish, str) else None,
        latency_s=latency_s,
    )


def translate_error(exc: Exception, config: Config, base_url: str) -> BackendFault:
    """Map the openai client's exceptions to a :class:`BackendFault` with the fix (pure).

    Anything that is not the client's is a bug, not a server fault, and is re-raised.
    """
    import openai

    if isinstance(exc, openai.APITimeoutError):
        return BackendFault(
            f"{base_url} did not answer within {config.timeout_s:g}s",
            kind="timeout",
            retryable=True,
            hint="raise timeout_s",
        )
    if isinstance(exc, openai.APIConnectionError):
        if dropped(exc):
            return BackendFault(
                f"the server at {base_url} dropped the connection before the reply was complete",
                kind="disconnected",
                retryable=True,
            )
        return BackendFault(
            f"cannot reach the server at {base_url}",
            kind="connection",
            retryable=True,
            hint="start the server or fix base_url / OPENAI_BASE_URL",
        )
    if isinstance(exc, openai.APIStatusError):
        return _status_fault(exc, config, base_url)
    if isinstance(exc, openai.APIResponseValidationError):
        return malformed(f"{base_url} answered with a reply the client could not read: {exc}")
    raise exc


_DROPPED = {"RemoteProtocolError", "ReadError", "WriteError", "EndOfStream", "BrokenResourceError"}


def dropped(exc: BaseException) -> bool:
    """Did an open connection drop (rather than fail to open)? httpx and httpx2 alike (pure)."""
    seen: set[int] = set()
    cause = exc.__cause__ or exc.__context__
    while cause is not None and id(cause) not in seen:
        if _DROPPED & {cls.__name__ for cls in type(cause).__mro__}:
            return True
        seen.add(id(cause))
        cause = cause.__cause__ or cause.__context__
    return False


def _status_fault(exc: Any, config: Config, base_url: str) -> BackendFault:
    status = int(exc.status_code)
    kind = f"http_{status}"
    if status in (401, 403):
        return BackendFault(
            f"{base_url} refused the API key ({status})",
            kind=kind,
            hint=f"check the key in ${config.api_key_env}",
        )
    if status == 404:
        return BackendFault(
            f"{base_url} does not serve model '{config.model}'",
            kind=kind,
            hint="check the model name (GET /v1/models lists them)",
        )
    if status in (408, 409, 429) or (status >= 500 and status not in (501, 505)):
        headers = getattr(getattr(exc, "response", None), "headers", None)
        return BackendFault(
            f"{base_url} is busy or failing: {exc}",
            kind=kind,
            retryable=True,
            retry_after=retry_after_s(headers),
        )
    if status in (400, 413, 422):
        return BackendFault(f"{base_url} rejected the request: {exc}", kind=kind, record_level=True)
    return BackendFault(
        f"{base_url} answered {status}: {exc}",
        kind=kind,
        hint="is base_url an OpenAI-compatible API (ending in /v1)?",
    )


class OpenAIBackend:
    """Async client on a background loop; up to ``concurrency`` requests in flight.

    Retries are this backend's, not the client's (its ``max_retries`` is 0), so that each fault
    is counted (:meth:`faults`, see :mod:`syndgen.faults`) and a backoff is cancelled with its
    request. A 429's ``Retry-After`` is honoured.
    """

    def __init__(self, config: Config) -> None:
        try:
            import openai
        except ImportError:
            raise MissingExtraError(
                "the openai backend needs the openai client", hint="pip install openai"
            ) from None
        self.config = config
        self.base_url = resolve_base_url(config)
        api_key = resolve_api_key(config, self.base_url)
        self._faults = FaultCounter()
        self._retrier = Retrier(config.max_retries, self._faults)
        self._aloop = AsyncLoop(config.concurrency)
        self._client = openai.AsyncOpenAI(
            base_url=self.base_url, api_key=api_key, timeout=config.timeout_s, max_retries=0
        )

    @property
    def model_id(self) -> str:
        return self.config.model

    @property
    def capabilities(self) -> Capabilities:
        return Capabilities(
            structured_output=self.config.structured_output != "none",
            grammar=self.config.grammar,
            reasoning_field=True,
            parallel=self.config.concurrency,
        )

    def faults(self) -> dict[str, int]:
        """Requests sent and faults met, by kind, since this backend was created."""
        return self._faults.snapshot()

    async def _streamed(self, kwargs: dict[str, Any], stream: TokenStream) -> ChatResponse:
        start = time.perf_counter()
        chunks: list[Mapping[str, Any]] = []
        async with self._aloop.semaphore:
            parts = await self._client.chat.completions.create(
                **kwargs, stream=True, stream_options={"include_usage": True}
            )
            async for part in parts:
                chunk = part.model_dump()
                reasoning, content = delta_parts(chunk)
                stream.emit("reasoning", reasoning)
                stream.raw(content)
                chunks.append(chunk)
        stream.close()
        return parse_completion(assemble_completion(chunks), self.model_id, time.perf_counter() - start)

    async def _send(self, kwargs: dict[str, Any], stream: TokenStream | None = None) -> ChatResponse:
        if stream is not None:
            return await self._streamed(kwargs, stream)
        start = time.perf_counter()
        async with self._aloop.semaphore:
            raw = await self._client.chat.completions.with_raw_response.create(**kwargs)
        return parse_body(raw.content, self.model_id, time.perf_counter() - start, self.base_url)

    async def _chat(self, kwargs: dict[str, Any], stream: TokenStream | None) -> ChatResponse:
        return await self._retrier.run(
            lambda: self._send(kwargs, stream), lambda exc: translate_error(exc, self.config, self.base_url)
        )

    def chat(self, request: ChatRequest) -> ChatResponse:
        fmt = request.response_format
        stream = open_stream(self.model_id, fmt.kind if fmt else None, request.seed)
        return self._aloop.run(self._chat(build_kwargs(request, self.config), stream))

    def cancel_all(self) -> None:
        """Drop the requests in flight (they fail as cancelled) until :meth:`reopen`."""
        self._aloop.cancel_all()

    def reopen(self) -> None:
        self._aloop.reopen()

    def close(self) -> None:
        """Cancel what is in flight, close the client and stop the loop (prompt, idempotent)."""
        self._aloop.close(self._client.close())


def create(config: Config) -> OpenAIBackend:
    return OpenAIBackend(config)
