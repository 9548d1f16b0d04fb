"""The ollama backend, through the official client, against Ollama's documented API shapes."""

from __future__ import annotations

from pathlib import Path

import pytest
from ollama_stub import PLAIN_MODEL, THINKING_MODEL, OllamaStub

from conftest import free_port
from syndgen.backends import ollama
from syndgen.backends.base import ChatRequest
from syndgen.config import parse_config
from syndgen.errors import BackendError
from syndgen.export.run_export import export_run
from syndgen.records import Message
from syndgen.runner.run import run_pipeline

HELLO = ChatRequest(messages=(Message(role="user", content="How fast?"),), max_tokens=32, seed=5)


@pytest.fixture
def stub():
    with OllamaStub() as server:
        yield server


def backend(stub: OllamaStub, model: str = THINKING_MODEL, **kw) -> ollama.OllamaBackend:
    return ollama.OllamaBackend(ollama.Config(backend="ollama", model=model, host=stub.host, **kw))


def test_request_asks_for_thinking_and_a_long_context(stub):
    resp = backend(stub).chat(HELLO)
    sent = stub.requests[-1]
    assert sent["think"] is True and sent["stream"] is False
    assert sent["options"]["num_ctx"] == 8192 and sent["options"]["num_predict"] == 32
    assert sent["options"]["seed"] == 5
    assert (resp.text, resp.reasoning) == (
        "The average speed is 60 km/h.",
        "Speed is distance over time: 120 / 2 = 60.",
    )
    assert (resp.usage.prompt_tokens, resp.usage.completion_tokens, resp.model) == (42, 17, THINKING_MODEL)


def test_model_without_thinking_falls_back_once(stub):
    b = backend(stub, model=PLAIN_MODEL)
    resp = b.chat(HELLO)
    assert [r.get("think") for r in stub.requests] == [True, None]
    assert "<think>" in resp.text  # the pipeline splits inline tags
    b.chat(HELLO)
    assert stub.requests[-1].get("think") is None  # remembered


def test_explicit_think_false_is_sent(stub):
    backend(stub, think=False).chat(HELLO)
    assert stub.requests[-1]["think"] is False


def test_model_not_pulled_names_the_pull_command(stub):
    with pytest.raises(BackendError) as info:
        backend(stub, model="qwen3:0.6b", max_retries=0).chat(HELLO)
    assert "ollama pull qwen3:0.6b" in str(info.value)
    assert not info.value.retryable


def test_server_down_is_a_clear_retryable_error():
    cfg = ollama.Config(backend="ollama", host=f"127.0.0.1:{free_port()}", max_retries=0)
    with pytest.raises(BackendError, match="cannot reach the Ollama server") as info:
        ollama.OllamaBackend(cfg).chat(HELLO)
    assert info.value.retryable and "ollama serve" in str(info.value)


def test_pipeline_captures_thinking_field_as_reasoning(stub, tmp_path: Path):
    side = {"backend": "ollama", "model": THINKING_MODEL, "host": stub.host}
    config = parse_config({"count": 2, "generator": side, "critic": side})
    result = run_pipeline(config, tmp_path / "run")
    assert result.samples == 1  # both seeds ask the same question: the second is a duplicate

    def asking(key):
        return [r for r in stub.requests if key in (r.get("format") or {}).get("properties", {})]

    # The question's shape went to the server as a JSON schema; the critic's verdict too.
    assert asking("question") and asking("question")[0]["format"]["required"] == ["question"]
    critic_requests = asking("score")
    assert critic_requests and all(r["think"] is False for r in critic_requests)
    assert critic_requests[0]["format"]["properties"]["score"]["enum"] == [1, 2, 3, 4, 5]
    (written,) = export_run(tmp_path / "run", formats=["sft"], to=["jsonl"], reasoning="field")
    text = (tmp_path / "run" / written.path).read_text()
    assert '"reasoning": "Speed is distance over time: 120 / 2 = 60."' in text
