"""The event log of a job (``events.jsonl``) and its tail as server-sent events.

Writers append whole JSON lines: the server its ``state`` events, the job process ``start``,
``progress``, ``outcome`` (each committed seed), ``token`` (the generator's decoded text,
reasoning and answer apart) and ``end``. Lines of a few KiB appended with one ``write`` on an
``O_APPEND`` file do not interleave. An SSE event's id is the byte offset after its line, so a
client that reconnects with ``Last-Event-ID`` goes on where it stopped; the server holds no
events in memory.
"""

from __future__ import annotations

import asyncio
import json
import os
import threading
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

HEARTBEAT_S = 15.0
POLL_S = 0.1
MAX_LINE = 64 * 1024


class EventLog:
    """Append-only, thread-safe; each event is one line with its ``type`` and time ``t``."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)

    def append(self, type_: str, **data: Any) -> None:
        line = json.dumps({"type": type_, "t": round(time.time(), 3), **data}, ensure_ascii=False)
        payload = (line[:MAX_LINE] if len(line) > MAX_LINE else line).encode() + b"\n"
        with self._lock:
            if self._fd >= 0:
                os.write(self._fd, payload)

    def close(self) -> None:
        with self._lock:
            if self._fd >= 0:
                os.close(self._fd)
                self._fd = -1


def append_event(path: Path, type_: str, **data: Any) -> None:
    """One event, from a writer that does not keep the log open (the server)."""
    log = EventLog(path)
    try:
        log.append(type_, **data)
    finally:
        log.close()


def sse_frame(offset: int, line: bytes) -> bytes:
    """One log line as an SSE frame (pure); the event name is the line's ``type``."""
    try:
        kind = str(json.loads(line).get("type", "message"))
    except (ValueError, AttributeError):
        kind = "message"
    text = line.decode("utf-8", errors="replace")
    return f"id: {offset}\nevent: {kind}\ndata: {text}\n\n".encode()


def complete_lines(chunk: bytes, start: int) -> tuple[list[tuple[int, bytes]], int]:
    """The whole lines in ``chunk`` read at ``start``: (end offset, line) each, and where the
    next read starts (after the last newline; a half-written line waits) (pure)."""
    out, pos = [], 0
    while True:
        nl = chunk.find(b"\n", pos)
        if nl < 0:
            break
        if nl > pos:
            out.append((start + nl + 1, chunk[pos:nl]))
        pos = nl + 1
    return out, start + pos


async def tail(path: Path, start: int, finished: Callable[[], bool]) -> AsyncIterator[bytes]:
    """SSE frames for the log from byte ``start``, following it until the job is finished and
    everything written is sent; a comment every few seconds keeps proxies from closing it."""
    offset = max(0, start)
    idle_since = time.monotonic()
    while True:
        done = finished()  # read before the file: a line written just before the end is not lost
        chunk = b""
        if path.exists():
            with path.open("rb") as fh:
                fh.seek(offset)
                chunk = fh.read(1 << 20)
        lines, offset = complete_lines(chunk, offset)
        for end, line in lines:
            yield sse_frame(end, line)
        if lines:
            idle_since = time.monotonic()
            continue
        if done:
            return
        if time.monotonic() - idle_since > HEARTBEAT_S:
            idle_since = time.monotonic()
            yield b": keep-alive\n\n"
        await asyncio.sleep(POLL_S)
