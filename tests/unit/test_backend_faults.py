"""Pure parts of the HTTP backends' fault handling: backoff, Retry-After, body parsing, mapping."""

from __future__ import annotations

import asyncio
import email.utils
import time

import httpx
import openai
import pytest

from syndgen.backends import openai_compat
from syndgen.backends.common import BackendFault, Retrier, malformed, retry_after_s, retry_delay
from syndgen.faults import FaultCounter

CFG = openai_compat.Config(backend="openai", model="m")
REQ = httpx.Request("POST", "http://h/v1/chat/completions")


def test_backoff_doubles_to_a_cap_and_yields_to_a_longer_retry_after():
    assert [retry_delay(n) for n in range(6)] == [0.5, 1.0, 2.0, 4.0, 8.0, 8.0]
    assert retry_delay(0, retry_after=3) == 3
    assert retry_delay(3, retry_after=1) == 4.0  # never shorter than the backoff
    assert retry_delay(0, retry_after=3600) == 60.0


def test_retry_after_forms():
    assert retry_after_s({"retry-after": "2"}) == 2.0
    assert retry_after_s({"retry-after-ms": "1500", "retry-after": "9"}) == 1.5
    when = email.utils.formatdate(time.time() + 30, usegmt=True)
    assert 25 < (retry_after_s({"retry-after": when}) or 0) <= 30
    assert retry_after_s({"retry-after": "soon"}) is None
    assert retry_after_s(None) is None and retry_after_s({}) is None


@pytest.mark.parametrize(
    ("body", "why"),
    [
        (b"", "empty body"),
        (b"  \n", "empty body"),
        (b'{"choices": [{"mess', "not JSON"),
        (b"\xff\xfe", "not JSON"),
        (b"[1, 2]", "not a completion \\(list\\)"),
        (b'{"id": "x"}', "no choices"),
        (b'{"choices": "oops"}', "no choices"),
        (b'{"choices": [{"finish_reason": "stop"}]}', "without a message"),
        (b'{"choices": [{"message": {"content": 5}}]}', "content is not text"),
    ],
)
def test_unreadable_bodies_are_retryable_record_level_faults(body: bytes, why: str):
    with pytest.raises(BackendFault, match=why) as info:
        openai_compat.parse_body(body, "m", 0.1, "http://h/v1")
    fault = info.value
    assert (fault.kind, fault.retryable, fault.record_level) == ("malformed_response", True, True)
    assert fault.message.startswith("http://h/v1")


def test_a_readable_body_with_odd_usage_still_parses():
    body = (
        b'{"choices": [{"message": {"content": "hi"}, "finish_reason": 3}], "usage": {"prompt_tokens": "x"}}'
    )
    resp = openai_compat.parse_body(body, "m", 0.1)
    assert (resp.text, resp.finish_reason, resp.usage.prompt_tokens, resp.model) == ("hi", None, 0, "m")


def _status(code: int, headers: dict[str, str] | None = None) -> openai.APIStatusError:
    response = httpx.Response(code, request=REQ, headers=headers)
    return openai.APIStatusError(f"status {code}", response=response, body=None)


def test_status_mapping_and_kinds():
    busy = openai_compat.translate_error(_status(429, {"retry-after": "3"}), CFG, "u")
    assert (busy.kind, busy.retryable, busy.retry_after) == ("http_429", True, 3.0)
    assert openai_compat.translate_error(_status(503), CFG, "u").retryable
    not_api = openai_compat.translate_error(_status(501), CFG, "u")
    assert not not_api.retryable and not not_api.record_level and "OpenAI-compatible" in str(not_api)
    assert openai_compat.translate_error(_status(413), CFG, "u").record_level


def test_dropped_connections_are_told_from_refused_ones():
    refused = openai.APIConnectionError(request=REQ)
    refused.__cause__ = httpx.ConnectError("refused")
    assert openai_compat.translate_error(refused, CFG, "u").kind == "connection"
    dropped = openai.APIConnectionError(request=REQ)
    dropped.__cause__ = httpx.RemoteProtocolError("peer closed connection")
    assert openai_compat.translate_error(dropped, CFG, "u").kind == "disconnected"
    with pytest.raises(KeyError):  # not the client's: a bug, re-raised as is
        openai_compat.translate_error(KeyError("x"), CFG, "u")


def test_retrier_counts_retries_and_gives_up_on_what_is_left():
    counter = FaultCounter()
    replies: list[object] = [
        BackendFault("busy", kind="http_503", retryable=True),
        malformed("bad body"),
        "ok",
    ]

    async def send() -> str:
        reply = replies.pop(0)
        if isinstance(reply, BaseException):
            raise reply
        return str(reply)

    async def no_sleep(seconds: float) -> None:
        slept.append(seconds)

    slept: list[float] = []
    retrier = Retrier(2, counter, sleep=no_sleep)

    async def scenario() -> str:
        return await retrier.run(send, lambda exc: malformed(str(exc)))

    assert asyncio.run(scenario()) == "ok"
    assert counter.snapshot() == {"requests": 3, "http_503": 1, "malformed_response": 1, "retries": 2}
    assert slept == [0.5, 1.0]


def test_a_fatal_fault_is_not_retried():
    counter = FaultCounter()

    async def send() -> str:
        raise BackendFault("bad key", kind="http_401")

    with pytest.raises(BackendFault, match="bad key"):
        asyncio.run(Retrier(5, counter).run(send, lambda exc: malformed(str(exc))))
    assert counter.snapshot() == {"requests": 1, "http_401": 1}
