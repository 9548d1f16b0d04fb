"""Token streaming: the tokens a backend decodes, reported as they come, reasoning and answer apart.

Streaming is optional and observes only: nothing a backend returns or stores depends on it. A
process sets one listener (:func:`set_listener`, the server's job worker does); while none is
set, :func:`open_stream` returns ``None`` and backends run exactly as before (Ollama and the
OpenAI-compatible backend keep their non-streaming calls). Each request gets its own stream id,
so a monitor can tell interleaved requests apart.

:class:`ThinkSplitter` is pure: raw text deltas with inline ``<think>`` tags in, channel-tagged
deltas out, with a tag split across two deltas held back until it is whole.
"""

from __future__ import annotations

import codecs
import itertools
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

Channel = Literal["reasoning", "answer"]


@dataclass(frozen=True)
class TokenDelta:
    """A piece of one request's output, as decoded."""

    stream: int
    """The request's stream id (unique in the process)."""
    channel: Channel
    text: str
    model: str
    format: str
    """The request's response format: ``think`` (a generated answer with its trace), ``text``,
    ``json`` (a verdict or structured record)."""
    seed: int | None


TokenListener = Callable[[TokenDelta], None]

_listener: TokenListener | None = None
_ids = itertools.count(1)
_ids_lock = threading.Lock()

_OPEN, _CLOSE = "<think>", "</think>"


def set_listener(listener: TokenListener | None) -> None:
    """Report every decoded token of this process to ``listener`` (``None``: stop)."""
    global _listener
    _listener = listener


def current_listener() -> TokenListener | None:
    return _listener


class ThinkSplitter:
    """Split a stream of raw text into reasoning (inside ``<think>``) and answer deltas (pure)."""

    def __init__(self) -> None:
        self._in_think = False
        self._held = ""

    def feed(self, text: str) -> list[tuple[Channel, str]]:
        data = self._held + text
        self._held = ""
        out: list[tuple[Channel, str]] = []
        while data:
            tag = _CLOSE if self._in_think else _OPEN
            at = data.find(tag)
            if at >= 0:
                self._emit(out, data[:at])
                data = data[at + len(tag) :]
                self._in_think = not self._in_think
                continue
            keep = _partial_suffix(data, tag)
            self._emit(out, data[: len(data) - keep])
            self._held = data[len(data) - keep :]
            break
        return out

    def flush(self) -> list[tuple[Channel, str]]:
        out: list[tuple[Channel, str]] = []
        self._emit(out, self._held)
        self._held = ""
        return out

    def _emit(self, out: list[tuple[Channel, str]], text: str) -> None:
        if text:
            out.append(("reasoning" if self._in_think else "answer", text))


def _partial_suffix(data: str, tag: str) -> int:
    """How many trailing characters of ``data`` could be the start of ``tag``."""
    for n in range(min(len(tag) - 1, len(data)), 0, -1):
        if tag.startswith(data[-n:]):
            return n
    return 0


class TokenStream:
    """One request's stream: raw text (split on ``<think>`` tags) or already separated deltas."""

    def __init__(self, listener: TokenListener, model: str, format: str, seed: int | None) -> None:
        with _ids_lock:
            self.id = next(_ids)
        self._listener, self._model, self._format, self._seed = listener, model, format, seed
        self._splitter = ThinkSplitter()
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")

    def raw(self, text: str) -> None:
        """Text that may hold inline ``<think>`` tags."""
        for channel, piece in self._splitter.feed(text):
            self.emit(channel, piece)

    def raw_bytes(self, data: bytes) -> None:
        """Bytes of a token (a UTF-8 character may span two tokens)."""
        text = self._decoder.decode(data)
        if text:
            self.raw(text)

    def emit(self, channel: Channel, text: str) -> None:
        if text:
            self._listener(TokenDelta(self.id, channel, text, self._model, self._format, self._seed))

    def close(self) -> None:
        rest = self._decoder.decode(b"", final=True)
        if rest:
            self.raw(rest)
        for channel, piece in self._splitter.flush():
            self.emit(channel, piece)


def open_stream(model: str, format: str | None, seed: int | None) -> TokenStream | None:
    """A stream for one request, or ``None`` when nobody listens (the backend then does not stream)."""
    listener = _listener
    if listener is None:
        return None
    return TokenStream(listener, model, format or "text", seed)
