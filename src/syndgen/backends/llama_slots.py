"""Two parts of the engine that need no scheduling: the model's vocabulary, and the choice of
the slot a new request goes to (with the prefix cache it can reuse or copy)."""

from __future__ import annotations

import ctypes
from typing import Any

from syndgen.backends.llama_state import Slot, common_prefix

COPY_MIN_TOKENS = 32
"""Copy another sequence's cache when it saves reading at least this many prompt tokens."""


class Vocabulary:
    """Tokenizing and detokenizing with a loaded model's vocabulary."""

    def __init__(self, ll: Any, model: Any, vocab: Any) -> None:
        self._ll, self._model, self._vocab = ll, model, vocab
        self.n_tokens = int(ll.llama_vocab_n_tokens(vocab))
        self._piece_buf = ctypes.create_string_buffer(256)

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


def place(ll: Any, mem: Any, slots: list[Slot], free: list[Slot], prompt: list[int]) -> tuple[Slot, int, int]:
    """The free slot sharing the longest prefix with ``prompt``, its cache trimmed to that prefix;
    when another sequence has read a longer part of the prompt, its cache is copied first.
    Returns the slot, the prompt tokens it already holds, and how many of those were copied."""
    slot = max(free, key=lambda s: (common_prefix(s.cached, prompt), -s.seq_id))
    common = min(common_prefix(slot.cached, prompt), len(prompt) - 1)
    donor = max(slots, key=lambda s: (common_prefix(s.cached, prompt), -s.seq_id))
    shared = min(common_prefix(donor.cached, prompt), len(prompt) - 1)
    copied = 0
    if donor is not slot and shared - common >= COPY_MIN_TOKENS:
        ll.llama_memory_seq_cp(mem, donor.seq_id, slot.seq_id, -1, -1)
        slot.cached = donor.cached[:shared]
        common = copied = shared
    ll.llama_memory_seq_rm(mem, slot.seq_id, common, -1)
    slot.cached = slot.cached[:common]
    return slot, common, copied
