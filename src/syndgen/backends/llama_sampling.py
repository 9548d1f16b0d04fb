"""Per-sequence sampling on llama.cpp: a sampler chain and, where asked, a grammar.

A grammar is checked against the token the chain picked; only when it rejects that token is the
grammar applied to the whole vocabulary and the token resampled (what llama.cpp's own samplers
do), so constrained output costs little more than free output.
"""

from __future__ import annotations

import ctypes
from dataclasses import dataclass
from typing import Any

import numpy as np

from syndgen.errors import BackendError


@dataclass(frozen=True)
class SamplingParams:
    max_tokens: int
    temperature: float = 0.7
    top_p: float = 0.95
    top_k: int = 40
    min_p: float = 0.05
    repeat_penalty: float = 1.0
    seed: int = 0
    grammar: str | None = None
    max_reasoning_tokens: int | None = None
    ignore_eos: bool = False


class Candidates:
    """A reusable buffer of ``llama_token_data`` for the whole vocabulary (one per engine)."""

    def __init__(self, n_vocab: int) -> None:
        self.n_vocab = n_vocab
        self.data = np.zeros(n_vocab, dtype=[("id", np.int32), ("logit", np.float32), ("p", np.float32)])


class Sampler:
    """One sequence's sampler chain and optional grammar; :meth:`free` releases both."""

    def __init__(self, ll: Any, vocab: Any, n_vocab: int, params: SamplingParams) -> None:
        self._ll = ll
        self.chain: Any = None
        self.grammar: Any = None
        chain = ll.llama_sampler_chain_init(ll.llama_sampler_chain_default_params())
        self.chain = chain
        if params.repeat_penalty != 1.0:
            ll.llama_sampler_chain_add(
                chain, ll.llama_sampler_init_penalties(n_vocab, 64, params.repeat_penalty, 0.0, 0.0)
            )
        if params.temperature <= 0:
            ll.llama_sampler_chain_add(chain, ll.llama_sampler_init_greedy())
        else:
            ll.llama_sampler_chain_add(chain, ll.llama_sampler_init_top_k(params.top_k))
            ll.llama_sampler_chain_add(chain, ll.llama_sampler_init_top_p(params.top_p, 1))
            ll.llama_sampler_chain_add(chain, ll.llama_sampler_init_min_p(params.min_p, 1))
            ll.llama_sampler_chain_add(chain, ll.llama_sampler_init_temp(params.temperature))
            ll.llama_sampler_chain_add(chain, ll.llama_sampler_init_dist(params.seed & 0xFFFFFFFF))
        if params.grammar:
            grammar = ll.llama_sampler_init_grammar(vocab, params.grammar.encode(), b"root")
            if not grammar:
                self.free()
                raise BackendError("llama.cpp could not parse the grammar", record_level=True)
            self.grammar = grammar

    def sample(self, ctx: Any, idx: int, candidates: Candidates) -> int:
        """The next token from the logits of batch position ``idx``."""
        ll = self._ll
        token = int(ll.llama_sampler_sample(self.chain, ctx, idx))
        if self.grammar is None:
            return token
        single = np.array([(token, 1.0, 0.0)], dtype=candidates.data.dtype)
        arr = ll.llama_token_data_array(
            data=single.ctypes.data_as(ll.llama_token_data_p), size=1, selected=-1, sorted=False
        )
        ll.llama_sampler_apply(self.grammar, ctypes.byref(arr))
        if np.isfinite(single["logit"][0]):
            ll.llama_sampler_accept(self.grammar, token)
            return token
        # The grammar rejects the chain's pick: constrain the whole vocabulary and resample.
        logits = ll.llama_get_logits_ith(ctx, idx)
        cand = candidates.data
        cand["logit"] = np.ctypeslib.as_array(logits, shape=(candidates.n_vocab,))
        cand["p"] = 0.0
        cand["id"] = np.arange(candidates.n_vocab, dtype=np.int32)
        arr = ll.llama_token_data_array(
            data=cand.ctypes.data_as(ll.llama_token_data_p),
            size=candidates.n_vocab,
            selected=-1,
            sorted=False,
        )
        ll.llama_sampler_apply(self.grammar, ctypes.byref(arr))
        ll.llama_sampler_apply(self.chain, ctypes.byref(arr))
        if arr.selected < 0:
            raise BackendError("the grammar allows no token here", record_level=True)
        token = int(cand["id"][arr.selected])
        ll.llama_sampler_accept(self.grammar, token)
        return token

    def free(self) -> None:
        if self.chain:
            self._ll.llama_sampler_free(self.chain)
            self.chain = None
        if self.grammar:
            self._ll.llama_sampler_free(self.grammar)
            self.grammar = None
