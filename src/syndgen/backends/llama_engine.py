"""Continuous batching on llama.cpp: many sequences decoded together in one context.

One engine owns one llama.cpp context with ``parallel`` sequence slots and one decode thread.
Requests from any number of threads join the batch as soon as a slot is free and leave it as
soon as they finish: every step is a single ``llama_decode`` call carrying one new token for each
generating sequence plus chunks of the prompts being read in. Each sequence has its own sampler
chain (temperature, top-p, its own seed) and, where asked, its own grammar.

* **Prefix reuse.** A slot keeps the tokens of its last sequence in the KV cache; a new request
  goes to the free slot sharing the longest prefix with its prompt and only the rest is read.
  When another sequence (running or not) shares a longer prefix, its cache is copied into the
  slot first (``llama_memory_seq_cp``: a memory copy, far cheaper than reading the tokens again
  on a CPU, where reading a prompt token costs about as much as generating one). Prompts put
  their fixed parts first, so the critic's instructions and examples are read once per run.
* **Grammar, cheaply.** A grammar constrains only what it must (see
  :mod:`syndgen.backends.llama_sampling`), so constrained output costs little more than free.
* **Reasoning cap.** A sequence that has written ``max_reasoning_tokens`` inside a ``<think>``
  block without closing it is stopped with ``finish_reason="reasoning_cap"``.

Built on llama.cpp's C API as llama-cpp-python exposes it (``llama_batch``, ``llama_decode``,
``llama_sampler_*``, ``llama_memory_*``).
"""

from __future__ import annotations

import ctypes
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from syndgen.backends.llama_sampling import Candidates, Sampler, SamplingParams
from syndgen.errors import BackendError, Cancelled

COPY_MIN_TOKENS = 32
"""Copy another sequence's cache when it saves reading at least this many prompt tokens."""
THINK_OPEN = "<think>"
THINK_CLOSE = "</think>"


@dataclass(frozen=True)
class Generation:
    text: str
    tokens: tuple[int, ...]
    prompt_tokens: int
    completion_tokens: int
    finish_reason: str
    cached_tokens: int
    latency_s: float


@dataclass
class EngineStats:
    """Where the engine's time went, for benchmarks (seconds and token counts since start)."""

    steps: int = 0
    decode_s: float = 0.0  # inside llama_decode
    sample_s: float = 0.0  # sampling and bookkeeping after each decode
    waiting_s: float = 0.0  # work was known but the step could not start (lockstep)
    idle_s: float = 0.0  # nothing to do
    generated_tokens: int = 0
    prompt_tokens: int = 0  # prompt tokens read (decoded)
    reused_tokens: int = 0  # prompt tokens served from a cache (the slot's own or a copy)
    copied_tokens: int = 0  # of those, copied from another sequence's cache

    def as_dict(self) -> dict[str, float]:
        return {k: round(v, 3) if isinstance(v, float) else v for k, v in self.__dict__.items()}


@dataclass
class _Request:
    prompt: list[int]
    params: SamplingParams
    future: Future[Generation]
    submitted: float = field(default_factory=time.perf_counter)


@dataclass
class _Slot:
    seq_id: int
    cached: list[int] = field(default_factory=list)
    request: _Request | None = None
    pending: list[int] = field(default_factory=list)
    generated: list[int] = field(default_factory=list)
    pieces: list[bytes] = field(default_factory=list)
    sampler: Sampler | None = None
    reused: int = 0
    think_tokens: int = 0
    in_think: bool = False
    batch_index: int = -1


class LlamaEngine:
    """A llama.cpp context serving up to ``parallel`` sequences at once."""

    def __init__(
        self,
        model_path: Path,
        *,
        n_ctx: int,
        parallel: int,
        n_threads: int,
        n_gpu_layers: int = 0,
        n_batch: int = 512,
    ) -> None:
        import llama_cpp

        _quiet_logs(llama_cpp)
        self._ll = llama_cpp
        self.parallel = parallel
        self.n_ctx = n_ctx
        self.n_batch = n_batch
        mparams = llama_cpp.llama_model_default_params()
        mparams.n_gpu_layers = n_gpu_layers
        self._model = llama_cpp.llama_model_load_from_file(str(model_path).encode(), mparams)
        if not self._model:
            raise BackendError(
                f"llama.cpp could not load {model_path}", hint="check that the file is a complete GGUF model"
            )
        cparams = llama_cpp.llama_context_default_params()
        cparams.n_ctx = n_ctx * parallel
        cparams.n_batch = n_batch
        cparams.n_ubatch = n_batch
        cparams.n_seq_max = parallel
        cparams.n_threads = n_threads
        cparams.n_threads_batch = n_threads
        cparams.kv_unified = False  # each sequence attends over its own cells only
        cparams.no_perf = True
        self._ctx = llama_cpp.llama_init_from_model(self._model, cparams)
        if not self._ctx:
            llama_cpp.llama_model_free(self._model)
            raise BackendError(f"llama.cpp could not create a context of {n_ctx * parallel} tokens")
        self._mem = llama_cpp.llama_get_memory(self._ctx)
        self._vocab = llama_cpp.llama_model_get_vocab(self._model)
        self.n_vocab = llama_cpp.llama_vocab_n_tokens(self._vocab)
        self._batch = llama_cpp.llama_batch_init(n_batch, 0, 1)
        self._slots = [_Slot(seq_id=i) for i in range(parallel)]
        self._cond = threading.Condition()
        self._incoming: list[_Request] = []  # guarded by _cond
        self._waiting: list[_Request] = []  # engine thread only
        self._expected = 0  # lockstep: clients that will submit before the next step
        self._held = 0  # lockstep: the caller is changing the set of clients
        self._stop = threading.Event()
        self._broken: BackendError | None = None
        self._refusing = False  # cancel_all() until reopen(): new requests fail at once
        self._cancel = False  # the engine thread is to drop every request it holds
        self.stats = EngineStats()
        self._candidates = Candidates(self.n_vocab)
        self._piece_buf = ctypes.create_string_buffer(256)
        self._thread = threading.Thread(target=self._loop, name="llama-engine", daemon=True)
        self._thread.start()

    # ------------------------------------------------------------------ vocabulary

    def tokenize(self, text: str, *, add_special: bool) -> list[int]:
        data = text.encode("utf-8")
        size = len(data) + 16
        buf = (self._ll.llama_token * size)()
        n = self._ll.llama_tokenize(self._vocab, data, len(data), buf, size, add_special, True)
        if n < 0:
            size = -n
            buf = (self._ll.llama_token * size)()
            n = self._ll.llama_tokenize(self._vocab, data, len(data), buf, size, add_special, True)
        return list(buf[:n])

    def piece(self, token: int, special: bool = False) -> bytes:
        n = self._ll.llama_token_to_piece(self._vocab, token, self._piece_buf, 256, 0, special)
        return bytes(self._piece_buf.raw[: max(n, 0)])

    def special_text(self, token: int) -> str:
        return self.piece(token, special=True).decode("utf-8", errors="replace") if token >= 0 else ""

    @property
    def bos(self) -> int:
        return int(self._ll.llama_vocab_bos(self._vocab))

    @property
    def eos(self) -> int:
        return int(self._ll.llama_vocab_eos(self._vocab))

    def metadata(self, key: str) -> str | None:
        buf = ctypes.create_string_buffer(1 << 16)
        n = self._ll.llama_model_meta_val_str(self._model, key.encode(), buf, len(buf))
        return None if n < 0 else buf.value.decode("utf-8", errors="replace")

    # ------------------------------------------------------------------ requests

    def submit(self, prompt: list[int], params: SamplingParams) -> Future[Generation]:
        future: Future[Generation] = Future()
        if len(prompt) + params.max_tokens > self.n_ctx:
            future.set_exception(
                BackendError(
                    f"prompt of {len(prompt)} tokens plus max_tokens {params.max_tokens} exceeds "
                    f"the context of {self.n_ctx} tokens",
                    hint="raise n_ctx or lower max_tokens",
                    record_level=True,
                )
            )
            return future
        if self._stop.is_set():
            future.set_exception(self._broken or BackendError("the llama.cpp engine is closed"))
            return future
        with self._cond:
            if self._refusing:
                future.set_exception(Cancelled("the request was cancelled"))
                return future
            self._incoming.append(_Request(prompt=prompt, params=params, future=future))
            self._cond.notify()
        return future

    # ------------------------------------------------------------------ lockstep

    def clients(self, delta: int) -> None:
        r"""Lockstep scheduling: ``delta`` clients join (+) or leave (-).

        While clients are registered, a decode step starts only when every one of them has a
        request queued or running (none is still preparing its next request) and nobody
        :meth:`hold`\ s the engine. The batches then depend only on the outputs, not on thread
        timing, so the same run gives the same tokens.
        """
        with self._cond:
            self._expected += delta
            self._cond.notify()

    def settled(self, finished: int) -> bool:
        """Is every registered client either waiting on a request or among ``finished``?"""
        with self._cond:
            return self._known() + finished >= self._expected

    def release_clients(self) -> None:
        """Leave lockstep: the engine steps freely again (used when a run is aborted)."""
        with self._cond:
            self._expected = 0
            self._cond.notify()

    @contextmanager
    def hold(self) -> Iterator[None]:
        with self._cond:
            self._held += 1
        try:
            yield
        finally:
            with self._cond:
                self._held -= 1
                self._cond.notify()

    def reset(self) -> None:
        """Forget every cached prefix, so the engine computes as if it had just started.

        Only between requests (none running or queued): the runner calls it at a wave boundary,
        so that a run resumed there replays the same batches, hence the same tokens.
        """
        with self._cond:
            if self._known():
                raise BackendError("the engine cannot be reset while requests are in flight")
            self._ll.llama_memory_clear(self._mem, True)
            for slot in self._slots:
                slot.cached = []

    def cancel_all(self) -> None:
        """Drop every queued and running request (callers get :class:`Cancelled`) and refuse new
        ones until :meth:`reopen`; the engine and its caches stay usable."""
        with self._cond:
            self._refusing = True
            self._cancel = True
            self._cond.notify()

    def reopen(self) -> None:
        with self._cond:
            self._refusing = False
            self._expected = 0

    def close(self) -> None:
        if self._stop.is_set():
            return
        with self._cond:
            self._stop.set()
            self._cond.notify()
        self._thread.join()
        for slot in self._slots:
            self._free_samplers(slot)
        self._ll.llama_batch_free(self._batch)
        self._ll.llama_free(self._ctx)
        self._ll.llama_model_free(self._model)

    # ------------------------------------------------------------------ decode loop

    def _loop(self) -> None:
        try:
            self._serve()
        except Exception as exc:  # noqa: BLE001 - the engine is broken: fail every request, never hang one
            self._broken = BackendError(f"the llama.cpp engine stopped: {type(exc).__name__}: {exc}")
            self._stop.set()
            self._fail_active(self._broken)
        with self._cond:
            leftovers = self._waiting + self._incoming
            self._waiting, self._incoming = [], []
        for request in leftovers:
            request.future.set_exception(self._broken or BackendError("the llama.cpp engine was closed"))

    def _known(self) -> int:
        """Requests running, waiting for a slot or just submitted (called with _cond held)."""
        active = sum(1 for s in self._slots if s.request is not None)
        return active + len(self._waiting) + len(self._incoming)

    def _ready(self) -> bool:
        """May a step start? (called with _cond held)"""
        known = self._known()
        if known == 0:
            return False
        if self._expected > 0:
            return self._held == 0 and known >= self._expected
        return True

    def _serve(self) -> None:
        stats = self.stats
        while True:
            with self._cond:
                while not self._stop.is_set() and not self._cancel and not self._ready():
                    start = time.perf_counter()
                    known = self._known()
                    self._cond.wait()
                    if known:
                        stats.waiting_s += time.perf_counter() - start
                    else:
                        stats.idle_s += time.perf_counter() - start
                if self._stop.is_set():
                    break
                self._waiting.extend(self._incoming)
                self._incoming.clear()
                cancelling, self._cancel = self._cancel, False
                if cancelling:
                    dropped, self._waiting = self._waiting, []
                    self._expected = 0
            if cancelling:
                for request in dropped:
                    request.future.set_exception(Cancelled("the request was cancelled"))
                self._fail_active(Cancelled("the request was cancelled"), keep_cache=True)
                continue
            # a canonical order, so that slots and batch positions do not depend on timing
            self._waiting.sort(key=lambda r: (r.params.seed, r.prompt))
            self._admit()
            if any(s.request is not None for s in self._slots):
                try:
                    self._step()
                except BackendError as exc:
                    self._fail_active(exc)
        self._fail_active(BackendError("the llama.cpp engine was closed"))

    def _admit(self) -> None:
        while self._waiting:
            free = [s for s in self._slots if s.request is None]
            if not free:
                return
            request = self._waiting.pop(0)
            if not request.future.set_running_or_notify_cancel():
                continue
            prompt = request.prompt
            slot = max(free, key=lambda s: (_common_prefix(s.cached, prompt), -s.seq_id))
            common = min(_common_prefix(slot.cached, prompt), len(prompt) - 1)
            donor = max(self._slots, key=lambda s: (_common_prefix(s.cached, prompt), -s.seq_id))
            shared = min(_common_prefix(donor.cached, prompt), len(prompt) - 1)
            if donor is not slot and shared - common >= COPY_MIN_TOKENS:
                # Another sequence has read a longer part of this prompt: copy its cache.
                self._ll.llama_memory_seq_cp(self._mem, donor.seq_id, slot.seq_id, -1, -1)
                slot.cached = donor.cached[:shared]
                common = shared
                self.stats.copied_tokens += shared
            self._ll.llama_memory_seq_rm(self._mem, slot.seq_id, common, -1)
            slot.cached = slot.cached[:common]
            slot.request = request
            slot.reused = common
            self.stats.reused_tokens += common
            slot.pending = prompt[common:]
            slot.generated = []
            slot.pieces = []
            slot.think_tokens = 0
            slot.in_think = False
            self._make_samplers(slot, request.params)

    def _make_samplers(self, slot: _Slot, params: SamplingParams) -> None:
        self._free_samplers(slot)
        slot.sampler = Sampler(self._ll, self._vocab, self.n_vocab, params)

    @staticmethod
    def _free_samplers(slot: _Slot) -> None:
        if slot.sampler is not None:
            slot.sampler.free()
            slot.sampler = None

    def _step(self) -> None:
        batch = self._batch
        n = 0
        generating = [s for s in self._slots if s.request is not None and not s.pending]
        for slot in generating:
            self._put(n, slot.generated[-1], len(slot.cached), slot.seq_id, True)
            slot.cached.append(slot.generated[-1])
            slot.batch_index = n
            n += 1
        for slot in self._slots:
            if slot.request is None or not slot.pending or n >= self.n_batch:
                continue
            take = slot.pending[: self.n_batch - n]
            slot.pending = slot.pending[len(take) :]
            for i, token in enumerate(take):
                last = not slot.pending and i == len(take) - 1
                self._put(n, token, len(slot.cached), slot.seq_id, last)
                slot.cached.append(token)
                if last:
                    slot.batch_index = n
                n += 1
        batch.n_tokens = n
        stats = self.stats
        start = time.perf_counter()
        status = self._ll.llama_decode(self._ctx, batch)
        decoded = time.perf_counter()
        if status != 0:
            raise BackendError(f"llama_decode failed with status {status}", record_level=True)
        sampled = 0
        for slot in self._slots:
            if slot.request is None or slot.pending or slot.batch_index < 0:
                continue
            token = self._sample(slot, slot.batch_index)
            slot.batch_index = -1
            sampled += 1
            self._advance(slot, token)
        stats.steps += 1
        stats.generated_tokens += sampled
        stats.prompt_tokens += n - len(generating)
        stats.decode_s += decoded - start
        stats.sample_s += time.perf_counter() - decoded

    def _put(self, i: int, token: int, pos: int, seq: int, logits: bool) -> None:
        b = self._batch
        b.token[i] = token
        b.pos[i] = pos
        b.n_seq_id[i] = 1
        b.seq_id[i][0] = seq
        b.logits[i] = logits

    def _sample(self, slot: _Slot, idx: int) -> int:
        assert slot.sampler is not None
        return slot.sampler.sample(self._ctx, idx, self._candidates)

    def _advance(self, slot: _Slot, token: int) -> None:
        request = slot.request
        assert request is not None
        params = request.params
        is_eog = bool(self._ll.llama_vocab_is_eog(self._vocab, token))
        if is_eog and not params.ignore_eos:
            self._finish(slot, "stop")
            return
        slot.generated.append(token)
        piece = self.piece(token)
        slot.pieces.append(piece)
        if params.max_reasoning_tokens is not None:
            self._track_think(slot, piece)
            if slot.in_think and slot.think_tokens > params.max_reasoning_tokens:
                self._finish(slot, "reasoning_cap")
                return
        if len(slot.generated) >= params.max_tokens:
            self._finish(slot, "length")

    @staticmethod
    def _track_think(slot: _Slot, piece: bytes) -> None:
        tail = b"".join(slot.pieces[-8:]).decode("utf-8", errors="ignore")
        if not slot.in_think and THINK_OPEN in tail and THINK_CLOSE not in tail.split(THINK_OPEN)[-1]:
            slot.in_think = True
        elif slot.in_think and THINK_CLOSE in tail:
            slot.in_think = False
        if slot.in_think:
            slot.think_tokens += 1

    def _finish(self, slot: _Slot, reason: str) -> None:
        request = slot.request
        assert request is not None
        text = b"".join(slot.pieces).decode("utf-8", errors="replace")
        result = Generation(
            text=text,
            tokens=tuple(slot.generated),
            prompt_tokens=len(request.prompt),
            completion_tokens=len(slot.generated),
            finish_reason=reason,
            cached_tokens=slot.reused,
            latency_s=time.perf_counter() - request.submitted,
        )
        slot.request = None
        self._free_samplers(slot)
        request.future.set_result(result)

    def _fail_active(self, exc: BackendError, *, keep_cache: bool = False) -> None:
        """Fail the running requests; their slots keep what is decoded only if ``keep_cache``."""
        for slot in self._slots:
            if slot.request is not None:
                request = slot.request
                slot.request = None
                if not keep_cache:
                    self._ll.llama_memory_seq_rm(self._mem, slot.seq_id, -1, -1)
                    slot.cached = []
                self._free_samplers(slot)
                request.future.set_exception(exc)


_LOG_CALLBACK: Any = None
_GGML_LOG_ERROR = 4


def _quiet_logs(llama_cpp: Any) -> None:
    """Show llama.cpp's errors only; its info and warnings would drown the progress bar."""
    global _LOG_CALLBACK
    if _LOG_CALLBACK is not None:
        return

    @llama_cpp.llama_log_callback  # type: ignore[untyped-decorator]
    def callback(level: int, text: bytes, user_data: ctypes.c_void_p) -> None:
        if level == _GGML_LOG_ERROR:
            sys.stderr.write(text.decode("utf-8", errors="replace"))

    _LOG_CALLBACK = callback
    llama_cpp.llama_log_set(callback, ctypes.c_void_p(0))


def _common_prefix(a: list[int], b: list[int]) -> int:
    n = min(len(a), len(b))
    i = 0
    while i < n and a[i] == b[i]:
        i += 1
    return i
