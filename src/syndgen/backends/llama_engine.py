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

import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from pathlib import Path

from syndgen.backends.llama_sampling import Candidates, Sampler, SamplingParams
from syndgen.backends.llama_slots import Vocabulary, place
from syndgen.backends.llama_state import (
    EngineStats,
    Generation,
    Request,
    Slot,
    quiet_logs,
)
from syndgen.errors import BackendError, Cancelled


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

        quiet_logs(llama_cpp)
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
        self.vocab = Vocabulary(llama_cpp, self._model, self._vocab)
        self.n_vocab = self.vocab.n_tokens
        self._batch = llama_cpp.llama_batch_init(n_batch, 0, 1)
        self._slots = [Slot(seq_id=i) for i in range(parallel)]
        self._cond = threading.Condition()
        self._incoming: list[Request] = []  # guarded by _cond
        self._waiting: list[Request] = []  # engine thread only
        self._expected = 0  # lockstep: clients that will submit before the next step
        self._held = 0  # lockstep: the caller is changing the set of clients
        self._stop = threading.Event()
        self._broken: BackendError | None = None
        self._refusing = False  # cancel_all() until reopen(): new requests fail at once
        self._cancel = False  # the engine thread is to drop every request it holds
        self.stats = EngineStats()
        self._candidates = Candidates(self.n_vocab)
        self._thread = threading.Thread(target=self._loop, name="llama-engine", daemon=True)
        self._thread.start()

    # ------------------------------------------------------------------ vocabulary

    def tokenize(self, text: str, *, add_special: bool) -> list[int]:
        return self.vocab.tokenize(text, add_special=add_special)

    # ------------------------------------------------------------------ requests

    def submit(
        self, prompt: list[int], params: SamplingParams, on_piece: Callable[[bytes], None] | None = None
    ) -> Future[Generation]:
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
            self._incoming.append(Request(prompt=prompt, params=params, future=future, on_piece=on_piece))
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
            slot, common, copied = place(self._ll, self._mem, self._slots, free, request.prompt)
            self.stats.copied_tokens += copied
            slot.request = request
            slot.reused = common
            self.stats.reused_tokens += common
            slot.pending = request.prompt[common:]
            slot.generated = []
            slot.pieces = []
            slot.think_tokens = 0
            slot.in_think = False
            self._make_samplers(slot, request.params)

    def _make_samplers(self, slot: Slot, params: SamplingParams) -> None:
        self._free_samplers(slot)
        slot.sampler = Sampler(self._ll, self._vocab, self.n_vocab, params)

    @staticmethod
    def _free_samplers(slot: Slot) -> None:
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

    def _sample(self, slot: Slot, idx: int) -> int:
        assert slot.sampler is not None
        return slot.sampler.sample(self._ctx, idx, self._candidates)

    def _advance(self, slot: Slot, token: int) -> None:
        request = slot.request
        assert request is not None
        params = request.params
        is_eog = bool(self._ll.llama_vocab_is_eog(self._vocab, token))
        if is_eog and not params.ignore_eos:
            self._finish(slot, "stop")
            return
        slot.generated.append(token)
        piece = self.vocab.piece(token)
        slot.pieces.append(piece)
        if request.on_piece is not None:
            request.on_piece(piece)
        if params.max_reasoning_tokens is not None:
            slot.track_think()
            if slot.in_think and slot.think_tokens > params.max_reasoning_tokens:
                self._finish(slot, "reasoning_cap")
                return
        if len(slot.generated) >= params.max_tokens:
            self._finish(slot, "length")

    def _finish(self, slot: Slot, reason: str) -> None:
        request = slot.request
        assert request is not None
        result = slot.result(reason)
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
