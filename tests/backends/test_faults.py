"""Faults between syndgen and a real server are ridden out and counted.

A fault-injecting proxy (``fault_proxy.py``) sits in front of the session's llama_cpp.server
(and of the Ollama stub): 5xx and 429 bursts, requests that hang past the timeout, connections
dropped before or in the middle of a body, unreadable 200s, and a server that dies and comes
back. Direct ``chat()`` calls check each fault and its count; one ``syndgen run`` goes through
a burst and a kill/restart end to end.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
import yaml
from fault_proxy import FaultProxy
from ollama_stub import THINKING_MODEL, OllamaStub

from conftest import Server
from syndgen import faults
from syndgen.api import inspect_run
from syndgen.backends import ollama, openai_compat
from syndgen.backends.base import ChatRequest
from syndgen.config import parse_config
from syndgen.errors import BackendError
from syndgen.export.card import render_card
from syndgen.records import Message
from syndgen.runner.run import run_pipeline
from syndgen.store import RunStore

pytestmark = pytest.mark.server

SRC = Path(__file__).resolve().parents[2] / "src"
HI = ChatRequest(messages=(Message(role="user", content="Say hi."),), max_tokens=4, temperature=0.0, seed=1)


@pytest.fixture(scope="module")
def proxy(llama_server: Server) -> Iterator[FaultProxy]:
    url = urlparse(llama_server.base_url)
    assert url.hostname and url.port
    with FaultProxy(upstream=(url.hostname, url.port)) as p:
        yield p


@pytest.fixture
def clean(proxy: FaultProxy) -> Iterator[FaultProxy]:
    proxy.schedule.clear()
    yield proxy
    proxy.schedule.clear()


def through(proxy: FaultProxy, **extra: Any) -> openai_compat.OpenAIBackend:
    cfg = openai_compat.Config(
        backend="openai",
        model="smollm2-server",
        base_url=proxy.base_url,
        api_key_env="SYNDGEN_TEST_KEY",
        **{"timeout_s": 20.0, **extra},
    )
    return openai_compat.OpenAIBackend(cfg)


def chat_through(proxy: FaultProxy, *plan: str, **extra: Any) -> tuple[dict[str, int], float]:
    backend = through(proxy, **extra)
    proxy.plan(*plan)
    start = time.monotonic()
    try:
        resp = backend.chat(HI)
        assert resp.text and resp.usage.completion_tokens > 0
        return backend.faults(), time.monotonic() - start
    finally:
        backend.close()


def test_5xx_and_429_bursts_are_ridden_out_and_counted(clean: FaultProxy):
    counts, _ = chat_through(clean, "500", "503", "429")
    assert counts == {"requests": 4, "http_500": 1, "http_503": 1, "http_429": 1, "retries": 3}


def test_429_retry_after_is_honoured(clean: FaultProxy):
    counts, elapsed = chat_through(clean, "429:2")
    assert counts == {"requests": 2, "http_429": 1, "retries": 1}
    assert elapsed >= 2.0  # the backoff alone would have waited 0.5 s


def test_request_hanging_past_the_timeout_is_retried(clean: FaultProxy):
    counts, elapsed = chat_through(clean, "hang", timeout_s=4.0)
    assert counts == {"requests": 2, "timeout": 1, "retries": 1}
    assert 4.0 <= elapsed < 15


def test_connections_dropped_before_and_mid_body_are_retried(clean: FaultProxy):
    counts, _ = chat_through(clean, "drop_before", "drop_mid")
    assert counts == {"requests": 3, "disconnected": 2, "retries": 2}


def test_server_killed_and_back_10s_later_is_ridden_out_by_default(clean: FaultProxy):
    counts, elapsed = chat_through(clean, "kill:10")  # default max_retries: 15.5 s of backoff
    assert counts["disconnected"] == 1 and counts["connection"] >= 1, counts
    assert counts["requests"] == counts["retries"] + 1 and "gave_up" not in counts
    assert elapsed >= 10.0


def test_unreadable_bodies_are_retried_and_counted(clean: FaultProxy):
    counts, _ = chat_through(clean, "truncated", "garbage", max_retries=2)
    assert counts == {"requests": 3, "malformed_response": 2, "retries": 2}


def test_unreadable_bodies_past_retries_reject_one_record_until_a_streak(clean: FaultProxy):
    backend = through(clean, max_retries=1)
    try:
        clean.plan("empty", "no_choices", "json_list", "truncated")
        for expected in ("returned no choices \\(2 tries\\)", "not JSON .*\\(2 tries\\)"):
            with pytest.raises(BackendError, match=expected) as info:
                backend.chat(HI)
            assert info.value.record_level and not info.value.retryable
        backend.chat(HI)  # a good reply ends the streak
        clean.plan("garbage", "garbage", "garbage", "garbage", "garbage", "garbage")
        for _ in range(2):
            with pytest.raises(BackendError) as info:
                backend.chat(HI)
            assert info.value.record_level
        with pytest.raises(BackendError, match="3 requests in a row") as info:
            backend.chat(HI)
        assert not info.value.record_level  # the server never answers usefully: the run stops
        counts = backend.faults()
        assert counts == {"requests": 11, "malformed_response": 10, "retries": 5, "gave_up": 5}
    finally:
        backend.close()


def test_ollama_faults_are_ridden_out_and_counted():
    with OllamaStub() as stub, FaultProxy(upstream=("127.0.0.1", stub.server.server_address[1])) as p:
        backend = ollama.OllamaBackend(ollama.Config(backend="ollama", model=THINKING_MODEL, host=p.host))
        try:
            p.plan("503", "drop_before", "garbage", "json_list")
            assert backend.chat(HI).reasoning
            assert backend.faults() == {
                "requests": 5,
                "http_503": 1,
                "disconnected": 1,
                "malformed_response": 2,
                "retries": 4,
            }
        finally:
            backend.close()


def test_ollama_unreadable_reply_past_retries_rejects_its_record():
    with OllamaStub() as stub, FaultProxy(upstream=("127.0.0.1", stub.server.server_address[1])) as p:
        backend = ollama.OllamaBackend(
            ollama.Config(backend="ollama", model=THINKING_MODEL, host=p.host, max_retries=0)
        )
        try:
            p.plan("json_list")
            with pytest.raises(BackendError, match="not a chat response") as info:
                backend.chat(HI)
            assert info.value.record_level
            assert backend.faults() == {"requests": 1, "malformed_response": 1, "gave_up": 1}
        finally:
            backend.close()


def test_an_unreadable_reply_rejects_one_record_and_the_run_goes_on(tmp_path: Path):
    with OllamaStub() as stub, FaultProxy(upstream=("127.0.0.1", stub.server.server_address[1])) as p:
        side = {
            "backend": "ollama",
            "model": THINKING_MODEL,
            "host": p.host,
            "max_retries": 1,
            "concurrency": 1,
        }
        config = parse_config({"count": 1, "workers": 1, "generator": side, "critic": side})
        p.plan("garbage", "truncated")  # the first seed's question: both tries unreadable
        result = run_pipeline(config, tmp_path / "run")
    assert result.samples == 1
    info = inspect_run(tmp_path / "run")
    assert info["rejections_by_reason"] == {"backend_error": 1}


# ---------------------------------------------------------------------- stored and shown


class Reporting:
    def __init__(self, model: str, counts: dict[str, int]) -> None:
        self.model_id = model
        self.counts = counts

    def faults(self) -> dict[str, int]:
        return dict(self.counts)


def test_faults_save_is_idempotent_and_sessions_add_up(tmp_path: Path):
    store = RunStore(tmp_path / "run.sqlite")
    try:
        first = Reporting("m", {"requests": 5, "http_503": 2, "retries": 2})
        faults.save(store, [first, first, None, object()])  # one role each, one without faults
        faults.save(store, [first])  # again at the end of the session: not counted twice
        first.counts["requests"] = 6
        faults.save(store, [first])  # later counts of the same backend replace its earlier ones
        resumed = Reporting("m", {"requests": 3, "timeout": 1, "retries": 1})  # the next session
        faults.save(store, [resumed, Reporting("judge", {"requests": 1})])
        assert faults.load(store) == {
            "Reporting judge": {"requests": 1},
            "Reporting m": {"http_503": 2, "requests": 9, "retries": 3, "timeout": 1},
        }
    finally:
        store.close()


def test_inspect_and_card_show_the_faults(tmp_path: Path):
    config = parse_config({"count": 1, "generator": {"backend": "dryrun"}})
    run_pipeline(config, tmp_path / "run")
    assert inspect_run(tmp_path / "run")["faults"] == {}
    store = RunStore(tmp_path / "run" / "run.sqlite")  # writable: open_existing is read-only
    try:
        faults.save(store, [Reporting("m", {"requests": 7, "http_429": 2, "retries": 2})])
    finally:
        store.close()
    assert inspect_run(tmp_path / "run")["faults"] == {
        "Reporting m": {"http_429": 2, "requests": 7, "retries": 2}
    }
    common: dict[str, Any] = {
        "title": "t",
        "files": [],
        "config": {"generator": {"backend": "openai", "model": "m"}},
        "config_hash": "h",
        "kpis": {"rejections_by_reason": {}},
        "report": {"coverage": {}, "diversity": {}},
    }
    card = render_card(**common, faults={"openai m": {"requests": 7, "http_429": 2, "retries": 2}})
    assert "## Backend faults" in card
    assert "| openai m | 7 | http_429: 2 | 2 | 0 |" in card
    assert "## Backend faults" not in render_card(**common, faults={"openai m": {"requests": 7}})
    assert "## Backend faults" not in render_card(**common)


# ---------------------------------------------------------------------- one real run


@pytest.fixture(scope="module")
def faulty_run(llama_server: Server, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """``syndgen run`` with the openai backend through a 503/500 burst and a 10 s server outage.

    One sample needs two good replies (a question, an answer); only the first of the first
    five requests passes, so the kill (the fifth) lands mid-run whatever the timing. The server
    has one slot, so one request at a time; ``max_retries`` leaves room for the answer's request,
    which meets both the burst and the outage.
    """
    url = urlparse(llama_server.base_url)
    assert url.hostname and url.port
    tmp = tmp_path_factory.mktemp("faulty")
    with FaultProxy(upstream=(url.hostname, url.port)) as p:
        p.plan("pass", "503", "503", "500", "kill:10")
        side = {
            "backend": "openai",
            "model": "smollm2-server",
            "base_url": p.base_url,
            "api_key_env": "SYNDGEN_TEST_KEY",
            "structured_output": "json_object",
            "max_tokens": 200,
            "timeout_s": 60,
            "max_retries": 8,
            "concurrency": 1,
        }
        cfg = {
            "count": 1,
            "seed": 3,
            "max_attempts": 40,
            "task": {"topics": ["rates and speed"], "system_prompt": "Answer in one or two short sentences."},
            "quality": {"require_reasoning": False, "critic": "never", "regenerate": False},
            "generator": side,
        }
        (tmp / "cfg.yaml").write_text(yaml.safe_dump(cfg))
        env = {**os.environ, "PYTHONPATH": f"{SRC}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
        start = time.monotonic()
        run = subprocess.run(
            [sys.executable, "-m", "syndgen", "run", str(tmp / "cfg.yaml"), "--out", str(tmp / "run")],
            capture_output=True,
            text=True,
            timeout=150,
            env=env,
        )
        wall = time.monotonic() - start
        applied = dict(p.applied)
    inspect = subprocess.run(
        [sys.executable, "-m", "syndgen", "inspect", "--json", str(tmp / "run")],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    card = (tmp / "run" / "README.md").read_text() if (tmp / "run" / "README.md").exists() else ""
    yield {"run": run, "inspect": inspect, "applied": applied, "wall": wall, "card": card}


def test_run_survives_a_burst_and_a_server_restart(faulty_run: dict[str, Any]):
    run = faulty_run["run"]
    assert run.returncode == 0, run.stderr
    assert "error:" not in run.stderr and "Traceback" not in run.stderr
    assert faulty_run["applied"]["kill:10"] == 1 and faulty_run["applied"]["503"] == 2
    assert faulty_run["wall"] >= 10  # the outage was waited out, not skipped
    info = json.loads(faulty_run["inspect"].stdout)
    assert info["samples"] == 1


def test_run_reports_its_faults_in_inspect(faulty_run: dict[str, Any]):
    info = json.loads(faulty_run["inspect"].stdout)
    counts = info["faults"]["openai smollm2-server"]
    assert counts["http_503"] == 2 and counts["http_500"] == 1
    assert counts["disconnected"] >= 1 and counts["connection"] >= 1
    assert counts["retries"] >= 5 and "gave_up" not in counts
    assert "## Backend faults" in faulty_run["card"]
