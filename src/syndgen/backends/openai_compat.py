"""Any OpenAI-compatible server through the official ``openai`` client.

vLLM, llama.cpp's server, LM Studio, SGLang, OpenAI and DeepSeek all speak this API. Reasoning
comes back in ``reasoning_content`` (DeepSeek, vLLM, llama.cpp server), ``reasoning`` (newer
vLLM, OpenRouter) or inline ``<think>`` tags; the pipeline handles all three. The API key comes
from ``api_key`` or the environment variable ``api_key_env`` and is never written anywhere.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from typing import Any, Literal

from pydantic import Field, SecretStr

from syndgen.backends.base import Capabilities, ChatRequest, ChatResponse, messages_as_dicts
from syndgen.backends.common import AsyncLoop, ModelSettings, is_loopback
from syndgen.errors import BackendError, Cancelled, ConfigError, MissingExtraError
from syndgen.records import Usage

DEFAULT_BASE_URL = "https://api.openai.com/v1"


class Config(ModelSettings):
    backend: Literal["openai"]
    model: str = Field(description="the model name the server knows")
    base_url: str | None = Field(
        default=None, description="server URL ending in /v1 (default: $OPENAI_BASE_URL or OpenAI)"
    )
    api_key: SecretStr | None = Field(default=None, description="prefer api_key_env")
    api_key_env: str = Field(default="OPENAI_API_KEY", description="variable holding the key")
    structured_output: Literal["json_schema", "json_object", "none"] = Field(
        default="json_schema", description="how the server accepts a JSON schema"
    )
    max_retries: int = Field(default=3, ge=0)
    concurrency: int = Field(
        default=8, ge=1, le=1024, description="requests in flight (the server's parallel slots)"
    )


def resolve_base_url(config: Config) -> str:
    return (config.base_url or os.environ.get("OPENAI_BASE_URL") or DEFAULT_BASE_URL).rstrip("/")


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


def parse_completion(raw: Mapping[str, Any], model_id: str, latency_s: float) -> ChatResponse:
    """Turn a chat completion (as a mapping) into a :class:`ChatResponse` (pure)."""
    choices = raw.get("choices") or []
    if not choices or not isinstance(choices[0], Mapping):
        raise BackendError("the server returned no choices", record_level=True)
    choice = choices[0]
    message = choice.get("message") or {}
    reasoning = ""
    for name in ("reasoning_content", "reasoning"):
        value = message.get(name)
        if isinstance(value, str) and value.strip():
            reasoning = value
            break
    usage = raw.get("usage") or {}
    return ChatResponse(
        text=message.get("content") or "",
        reasoning=reasoning,
        usage=Usage(
            prompt_tokens=int(usage.get("prompt_tokens") or 0),
            completion_tokens=int(usage.get("completion_tokens") or 0),
        ),
        model=str(raw.get("model") or model_id),
        finish_reason=choice.get("finish_reason"),
        latency_s=latency_s,
    )


def translate_error(exc: Exception, config: Config, base_url: str) -> BackendError:
    """Map the openai client's exceptions to a :class:`BackendError` with the fix (pure)."""
    import openai

    if isinstance(exc, openai.APITimeoutError):
        return BackendError(
            f"{base_url} did not answer within {config.timeout_s:g}s",
            retryable=True,
            hint="raise timeout_s",
        )
    if isinstance(exc, openai.APIConnectionError):
        return BackendError(
            f"cannot reach the server at {base_url}",
            retryable=True,
            hint="start the server or fix base_url / OPENAI_BASE_URL",
        )
    if isinstance(exc, openai.AuthenticationError | openai.PermissionDeniedError):
        return BackendError(
            f"{base_url} refused the API key ({exc.status_code})",
            hint=f"check the key in ${config.api_key_env}",
        )
    if isinstance(exc, openai.NotFoundError):
        return BackendError(
            f"{base_url} does not serve model '{config.model}'",
            hint="check the model name (GET /v1/models lists them)",
        )
    if isinstance(exc, openai.RateLimitError | openai.InternalServerError):
        return BackendError(f"{base_url} is busy or failing: {exc}", retryable=True)
    if isinstance(exc, openai.BadRequestError | openai.UnprocessableEntityError):
        return BackendError(f"{base_url} rejected the request: {exc}", record_level=True)
    if isinstance(exc, openai.APIStatusError):
        return BackendError(f"{base_url} answered {exc.status_code}: {exc}")
    raise exc


class OpenAIBackend:
    """Async client on a background loop; up to ``concurrency`` requests in flight."""

    def __init__(self, config: Config) -> None:
        try:
            import openai
        except ImportError:
            raise MissingExtraError(
                "the openai backend needs the openai client", hint="pip install openai"
            ) from None
        self.config = config
        self.base_url = resolve_base_url(config)
        self._aloop = AsyncLoop(config.concurrency)
        self._client = openai.AsyncOpenAI(
            base_url=self.base_url,
            api_key=resolve_api_key(config, self.base_url),
            timeout=config.timeout_s,
            max_retries=config.max_retries,  # the client retries connection errors, 408, 429, 5xx
        )

    @property
    def model_id(self) -> str:
        return self.config.model

    @property
    def capabilities(self) -> Capabilities:
        return Capabilities(
            structured_output=self.config.structured_output != "none",
            reasoning_field=True,
            parallel=self.config.concurrency,
        )

    async def _create(self, kwargs: dict[str, Any]) -> Any:
        async with self._aloop.semaphore:
            return await self._client.chat.completions.create(**kwargs)

    def chat(self, request: ChatRequest) -> ChatResponse:
        kwargs = build_kwargs(request, self.config)
        start = time.perf_counter()
        try:
            raw = self._aloop.run(self._create(kwargs))
        except Cancelled:
            raise
        except Exception as exc:  # translated below; anything unknown is re-raised
            raise translate_error(exc, self.config, self.base_url) from exc
        latency = time.perf_counter() - start
        return parse_completion(raw.model_dump(), self.model_id, latency)

    def cancel_all(self) -> None:
        """Drop the requests in flight (they fail as cancelled) until :meth:`reopen`."""
        self._aloop.cancel_all()

    def reopen(self) -> None:
        self._aloop.reopen()

    def close(self) -> None:
        self._aloop.reopen()
        self._aloop.run(self._client.close())
        self._aloop.close()


def create(config: Config) -> OpenAIBackend:
    return OpenAIBackend(config)
