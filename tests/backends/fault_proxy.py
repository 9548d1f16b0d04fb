"""A fault-injecting HTTP proxy on 127.0.0.1 (stdlib asyncio, plain sockets).

It sits in front of a real server and answers each ``POST`` by the next entry of its fault
schedule (:meth:`FaultProxy.plan`); other requests (``GET /v1/models``) and an exhausted schedule
pass through unchanged. Entries:

- ``pass``: forward to the upstream server and relay its reply;
- ``500``, ``503``, ``429``, ``429:2`` (with ``Retry-After: 2``), any status: answer it at once;
- ``hang``: read the request and never answer (the client times out);
- ``drop_before``: close the connection without a byte of reply;
- ``drop_mid``: forward, then send the head and half of the body and close;
- ``truncated``, ``garbage``, ``empty``, ``no_choices``, ``json_list``: a 200 whose body is cut
  JSON, not JSON, empty, a JSON object without ``choices``, or a JSON list;
- ``kill:N``: the server "dies" on this request: the listener closes, every open connection is
  dropped, and it listens again on the same port N seconds later.

With no upstream, ``default`` answers everything (a permanently broken server).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
from collections import Counter, deque

BODIES = {
    "truncated": b'{"id": "cmpl-1", "object": "chat.completion", "choices": [{"index": 0, "mess',
    "garbage": b"<html><body>Bad gateway, but in HTML</body></html>",
    "empty": b"",
    "no_choices": b'{"id": "cmpl-1", "object": "chat.completion", "model": "x"}',
    "json_list": b'[{"choices": []}]',
}
REASONS = {429: "Too Many Requests", 500: "Internal Server Error", 501: "Not Implemented", 503: "Unavailable"}


def _response(status: int, body: bytes, headers: dict[str, str] | None = None) -> bytes:
    lines = [f"HTTP/1.1 {status} {REASONS.get(status, 'Status')}"]
    all_headers = {"content-type": "application/json", "content-length": str(len(body)), **(headers or {})}
    lines += [f"{k}: {v}" for k, v in all_headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def _content_length(head: bytes) -> int | None:
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return int(value.strip())
    return None


def _without_connection(head: bytes, add: bytes = b"") -> bytes:
    lines = [ln for ln in head.rstrip(b"\r\n").split(b"\r\n") if not ln.lower().startswith(b"connection:")]
    if add:
        lines.append(add)
    return b"\r\n".join(lines) + b"\r\n\r\n"


class FaultProxy:
    def __init__(self, upstream: tuple[str, int] | None = None, default: str = "pass") -> None:
        self.upstream = upstream
        self.default = default
        self.schedule: deque[str] = deque()
        self.applied: Counter[str] = Counter()
        self.requests = 0
        self._lock = threading.Lock()
        self._writers: set[asyncio.StreamWriter] = set()
        self._server: asyncio.base_events.Server | None = None
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="fault-proxy", daemon=True)
        self.port = 0

    # ------------------------------------------------------------------ control

    def __enter__(self) -> FaultProxy:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._listen(), self.loop).result(5)
        return self

    def __exit__(self, *exc: object) -> None:
        asyncio.run_coroutine_threadsafe(self._finish(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(5)
        self.loop.close()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    @property
    def host(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def plan(self, *actions: str) -> None:
        with self._lock:
            self.schedule.extend(actions)

    def _next(self) -> str:
        with self._lock:
            self.requests += 1
            action = self.schedule.popleft() if self.schedule else self.default
            self.applied[action] += 1
            return action

    # ------------------------------------------------------------------ serving

    async def _listen(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", self.port, reuse_address=True)
        self.port = self._server.sockets[0].getsockname()[1]

    async def _shut(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None
        for writer in list(self._writers):
            writer.transport.abort()

    async def _finish(self) -> None:
        await self._shut()
        tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _kill(self, seconds: float) -> None:
        await self._shut()
        await asyncio.sleep(seconds)
        await self._listen()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        try:
            while await self._one(reader, writer):
                pass
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            pass
        except asyncio.CancelledError:  # the proxy is closing: end quietly
            pass
        finally:
            self._writers.discard(writer)
            writer.close()

    async def _one(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
        """Serve one request; False when the connection is to be closed."""
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except asyncio.IncompleteReadError:
            return False
        body = await reader.readexactly(_content_length(head) or 0)
        action = self._next() if head.startswith(b"POST") else "pass"
        return await self._apply(action, head, body, reader, writer)

    async def _apply(
        self,
        action: str,
        head: bytes,
        body: bytes,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
    ) -> bool:
        name, _, arg = action.partition(":")
        if name == "pass" or name == "drop_mid":
            reply_head, reply, keep = await self._forward(head, body)
            if name == "drop_mid":
                writer.write(reply_head + reply[: len(reply) // 2])
                await writer.drain()
                writer.transport.abort()
                return False
            writer.write(reply_head + reply)
            await writer.drain()
            return keep
        elif name.isdigit():
            headers = {"retry-after": arg} if arg else {}
            error = {"error": {"message": f"injected {name}", "type": "server_error"}}
            writer.write(_response(int(name), json.dumps(error).encode(), headers))
        elif name in BODIES:
            writer.write(_response(200, BODIES[name]))
        elif name == "hang":
            await reader.read()  # until the client gives up and closes
            return False
        elif name == "drop_before":
            writer.transport.abort()
            return False
        elif name == "kill":
            writer.transport.abort()
            self.loop.create_task(self._kill(float(arg or 10)))
            return False
        else:
            raise ValueError(f"unknown fault action {action!r}")
        await writer.drain()
        return True

    async def _forward(self, head: bytes, body: bytes) -> tuple[bytes, bytes, bool]:
        """Send the request upstream on a fresh connection: the reply's head and body, and
        whether the client's connection can stay open (the reply has a length)."""
        assert self.upstream is not None, "no upstream server to pass to"
        up_reader, up_writer = await asyncio.open_connection(*self.upstream)
        try:
            up_writer.write(_without_connection(head, b"Connection: close") + body)
            await up_writer.drain()
            reply_head = await up_reader.readuntil(b"\r\n\r\n")
            length = _content_length(reply_head)
            reply = await (up_reader.readexactly(length) if length is not None else up_reader.read())
        finally:
            up_writer.close()
            with contextlib.suppress(ConnectionError):
                await up_writer.wait_closed()
        if length is None:
            return _without_connection(reply_head, b"connection: close"), reply, False
        return _without_connection(reply_head), reply, True
