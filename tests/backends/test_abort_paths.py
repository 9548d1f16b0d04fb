"""Every fatal backend error ends the process promptly: one ``error:`` line, no hang, no traceback.

Each case runs ``python -m syndgen run`` in a subprocess with a timeout against a real loopback
endpoint that fails in its own way, because the hang this guards against was in interpreter
exit (pool threads still blocked on requests of a closed event loop).
"""

from __future__ import annotations

import functools
import gc
import os
import re
import subprocess
import sys
import threading
import time
import warnings
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml
from fault_proxy import FaultProxy

from conftest import free_port
from syndgen.backends import ollama, openai_compat
from syndgen.backends.base import ChatRequest
from syndgen.backends.common import AsyncLoop
from syndgen.errors import Cancelled, ConfigError
from syndgen.records import Message

pytestmark = pytest.mark.server

SRC = Path(__file__).resolve().parents[2] / "src"
HI = ChatRequest(messages=(Message(role="user", content="hi"),), max_tokens=4)


@pytest.fixture
def web_page_server(tmp_path: Path) -> Iterator[str]:
    """A plain static file server: GET serves files, POST is 501 (a URL that is not an API)."""
    (tmp_path / "index.html").write_text("<html>not an API</html>")
    handler = functools.partial(SimpleHTTPRequestHandler, directory=str(tmp_path))
    handler.log_message = lambda *a: None  # type: ignore[method-assign]
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()
    server.server_close()


@pytest.fixture
def garbage_server() -> Iterator[str]:
    """Answers every POST with 200 and an HTML body the client cannot read as a completion."""
    with FaultProxy(upstream=None, default="garbage") as proxy:
        yield proxy.base_url


def run_cli(tmp_path: Path, side: dict[str, object]) -> subprocess.CompletedProcess[str]:
    cfg = tmp_path / "cfg.yaml"
    cfg.write_text(yaml.safe_dump({"count": 1, "max_attempts": 12, "generator": side}))
    env = {**os.environ, "PYTHONPATH": f"{SRC}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    env["SOME_VAR"] = "sk-test"
    env["PYTHONWARNINGS"] = "default"  # a "never awaited" RuntimeWarning would show on stderr
    cmd = [sys.executable, "-m", "syndgen", "run", str(cfg), "--out", str(tmp_path / "run")]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=60, env=env, cwd=tmp_path)


def assert_one_clean_error(result: subprocess.CompletedProcess[str], expected: str) -> None:
    assert result.returncode != 0, result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, result.stderr
    assert expected in errors[0], result.stderr
    for noise in ("Traceback", "never awaited", "Task was destroyed", "Exception ignored"):
        assert noise not in result.stderr, result.stderr


def openai_side(base_url: str) -> dict[str, object]:
    return {
        "backend": "openai",
        "base_url": base_url,
        "model": "x",
        "max_retries": 1,
        "api_key_env": "SOME_VAR",
        "timeout_s": 10,
    }


def test_connection_refused_past_retries_exits(tmp_path: Path):
    start = time.monotonic()
    result = run_cli(tmp_path, openai_side(f"http://127.0.0.1:{free_port()}/v1"))
    assert_one_clean_error(result, "cannot reach the server at http://127.0.0.1:")
    assert result.returncode == 3 and time.monotonic() - start < 30


def test_501_from_a_url_that_is_not_an_api_exits(tmp_path: Path, web_page_server: str):
    result = run_cli(tmp_path, openai_side(web_page_server))
    assert_one_clean_error(result, "answered 501")
    assert "OpenAI-compatible API" in result.stderr


def test_unreadable_200s_reject_records_then_stop_the_run(tmp_path: Path, garbage_server: str):
    result = run_cli(tmp_path, openai_side(garbage_server))
    assert_one_clean_error(result, "not JSON")
    assert re.search(r"for \d+ requests in a row \(check that base_url", result.stderr), result.stderr


def test_ollama_server_down_exits(tmp_path: Path):
    side = {"backend": "ollama", "host": f"127.0.0.1:{free_port()}", "max_retries": 1}
    result = run_cli(tmp_path, side)
    assert_one_clean_error(result, "cannot reach the Ollama server")


def test_bad_base_url_is_one_config_line_not_a_missing_key(tmp_path: Path):
    side = {"backend": "openai", "base_url": "not a url", "model": "x"}
    result = run_cli(tmp_path, side)
    assert_one_clean_error(result, "generator.base_url: not an http(s) URL with a host: 'not a url'")
    assert result.returncode == 2 and "API key" not in result.stderr


@pytest.mark.parametrize("url", ["not a url", "ftp://h/v1", "http:///v1", "127.0.0.1:8000/v1"])
def test_base_url_needs_an_http_scheme_and_a_host(url: str):
    with pytest.raises(ValueError, match="not an http\\(s\\) URL with a host"):
        openai_compat.Config(backend="openai", model="m", base_url=url)
    assert openai_compat.Config(backend="openai", model="m", base_url="https://h:1/v1").base_url


def test_bad_openai_base_url_variable_is_a_config_error(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("OPENAI_BASE_URL", "localhost:8000")
    with pytest.raises(ConfigError, match=r"\$OPENAI_BASE_URL is not an http\(s\) URL"):
        openai_compat.OpenAIBackend(openai_compat.Config(backend="openai", model="m"))


# ---------------------------------------------------------------------- AsyncLoop.close


def _never_awaited(caught: list[warnings.WarningMessage]) -> list[str]:
    gc.collect()
    return [str(w.message) for w in caught if "never awaited" in str(w.message)]


@pytest.mark.parametrize("kind", ["openai", "ollama"])
def test_close_releases_every_waiting_caller_at_once(kind: str):
    with FaultProxy(upstream=None, default="hang") as proxy, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if kind == "openai":
            backend: object = openai_compat.OpenAIBackend(
                openai_compat.Config(backend="openai", model="m", base_url=proxy.base_url, concurrency=2)
            )
        else:
            backend = ollama.OllamaBackend(ollama.Config(backend="ollama", host=proxy.host, concurrency=2))
        outcomes: list[BaseException | None] = []

        def call() -> None:
            try:
                backend.chat(HI)  # type: ignore[attr-defined]
                outcomes.append(None)
            except BaseException as exc:  # noqa: BLE001 - recorded, asserted below
                outcomes.append(exc)

        threads = [threading.Thread(target=call) for _ in range(5)]  # 2 sent, 3 queued
        for t in threads:
            t.start()
        deadline = time.monotonic() + 10
        while proxy.requests < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
        start = time.monotonic()
        backend.close()  # type: ignore[attr-defined]
        for t in threads:
            t.join(timeout=5)
        assert time.monotonic() - start < 3
        assert not any(t.is_alive() for t in threads)
        assert len(outcomes) == 5 and all(isinstance(e, Cancelled) for e in outcomes), outcomes
        with pytest.raises(Cancelled, match="closed"):
            backend.chat(HI)  # type: ignore[attr-defined]
        backend.close()  # type: ignore[attr-defined]  # twice is harmless
        assert _never_awaited(caught) == []


def test_run_after_close_fails_fast_and_closes_its_coroutine():
    aloop = AsyncLoop(1)
    aloop.close()
    import asyncio

    coro = asyncio.sleep(5)
    start = time.monotonic()
    with pytest.raises(Cancelled):
        aloop.run(coro)
    assert time.monotonic() - start < 0.5 and coro.cr_frame is None  # closed, never awaited-warned
    assert aloop.loop.is_closed()


def test_close_racing_many_submitters_leaves_nothing_behind():
    import asyncio

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        aloop = AsyncLoop(4)
        done: list[str] = []

        def submit() -> None:
            for _ in range(50):
                try:
                    aloop.run(asyncio.sleep(0.01))
                except Cancelled:
                    done.append("cancelled")
                    return
            done.append("finished")

        threads = [threading.Thread(target=submit) for _ in range(8)]
        for t in threads:
            t.start()
        time.sleep(0.05)
        aloop.close()
        for t in threads:
            t.join(timeout=5)
        assert not any(t.is_alive() for t in threads) and len(done) == 8
        assert _never_awaited(caught) == []
