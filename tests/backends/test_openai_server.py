"""The openai backend against a real OpenAI-compatible server (llama_cpp.server) on 127.0.0.1."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from conftest import SERVER_KEY, Server, free_port
from syndgen.backends import openai_compat
from syndgen.backends.base import ChatRequest
from syndgen.cli import app
from syndgen.config import parse_config
from syndgen.errors import BackendError
from syndgen.export.run_export import export_run
from syndgen.records import Message
from syndgen.runner.run import run_pipeline
from syndgen.steps.critic import VERDICT_FORMAT, parse_verdict


def backend_for(server: Server, **extra) -> openai_compat.OpenAIBackend:
    cfg = openai_compat.Config(
        backend="openai",
        model="smollm2-server",
        base_url=server.base_url,
        api_key_env="SYNDGEN_TEST_KEY",
        structured_output="json_object",
        **extra,
    )
    return openai_compat.OpenAIBackend(cfg)


def test_plain_chat(llama_server: Server):
    backend = backend_for(llama_server)
    resp = backend.chat(
        ChatRequest(
            messages=(Message(role="user", content="Say hello."),), max_tokens=16, temperature=0.0, seed=1
        )
    )
    assert resp.text.strip()
    assert resp.usage.prompt_tokens > 0 and resp.usage.completion_tokens > 0
    assert resp.finish_reason in {"stop", "length"}


def test_structured_verdict_is_valid_json(llama_server: Server):
    backend = backend_for(llama_server)
    resp = backend.chat(
        ChatRequest(
            messages=(Message(role="user", content="Rate the answer 2+2=4 from 1 to 5 as JSON."),),
            max_tokens=80,
            temperature=0.0,
            seed=1,
            response_format=VERDICT_FORMAT,
        )
    )
    score, _ = parse_verdict(resp.text)
    assert 1 <= score <= 5


def test_wrong_key_is_a_clear_non_retryable_error(llama_server: Server):
    cfg = openai_compat.Config(
        backend="openai", model="m", base_url=llama_server.base_url, api_key="wrong-key", max_retries=0
    )
    with pytest.raises(BackendError, match="refused the API key") as info:
        openai_compat.OpenAIBackend(cfg).chat(
            ChatRequest(messages=(Message(role="user", content="hi"),), max_tokens=4)
        )
    assert not info.value.retryable


def test_unreachable_server_is_retryable_and_clear():
    cfg = openai_compat.Config(
        backend="openai", model="m", base_url=f"http://127.0.0.1:{free_port()}/v1", max_retries=0, timeout_s=5
    )
    with pytest.raises(BackendError, match="cannot reach the server") as info:
        openai_compat.OpenAIBackend(cfg).chat(
            ChatRequest(messages=(Message(role="user", content="hi"),), max_tokens=4)
        )
    assert info.value.retryable


def server_config(server: Server) -> dict:
    side = {
        "backend": "openai",
        "model": "smollm2-server",
        "base_url": server.base_url,
        "api_key_env": "SYNDGEN_TEST_KEY",
        "structured_output": "json_object",
        "max_tokens": 320,
    }
    return {
        "count": 1,
        "seed": 3,
        "max_attempts": 40,
        "task": {"topics": ["rates and speed", "unit conversion"]},
        "quality": {"require_reasoning": False, "threshold": 3},
        "generator": {**side, "temperature": 0.7},
        "critic": {**side, "temperature": 0.0},
    }


def test_pipeline_end_to_end_through_the_server(llama_server: Server, tmp_path: Path):
    config = parse_config(server_config(llama_server))
    result = run_pipeline(config, tmp_path / "run")
    assert result.samples == 1
    files = export_run(tmp_path / "run", formats=["sft"], to=["jsonl"])
    text = (tmp_path / "run" / files[0].path).read_text()
    assert '"generator_model": "smollm2-server"' in text


def test_api_key_is_never_written_to_the_run_folder(llama_server: Server, tmp_path: Path):
    data = server_config(llama_server)
    data["generator"] = {**data["generator"], "api_key": SERVER_KEY}
    data["critic"] = {**data["critic"], "api_key": SERVER_KEY}
    cfg_path = tmp_path / "cfg.yaml"
    cfg_path.write_text(yaml.safe_dump(data))
    result = CliRunner().invoke(app, ["run", str(cfg_path), "--out", str(tmp_path / "run")])
    assert result.exit_code == 0, result.output
    assert SERVER_KEY not in result.output
    for path in (tmp_path / "run").rglob("*"):
        if path.is_file():
            assert SERVER_KEY.encode() not in path.read_bytes(), path


def test_cli_reports_unreachable_server_in_one_line(tmp_path: Path):
    cfg_path = tmp_path / "down.yaml"
    cfg_path.write_text(
        yaml.safe_dump(
            {
                "count": 1,
                "generator": {
                    "backend": "openai",
                    "model": "m",
                    "base_url": f"http://127.0.0.1:{free_port()}/v1",
                    "max_retries": 0,
                    "timeout_s": 5,
                },
            }
        )
    )
    result = CliRunner().invoke(app, ["run", str(cfg_path), "--out", str(tmp_path / "run")])
    assert result.exit_code == 3
    lines = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(lines) == 1 and "cannot reach the server at http://127.0.0.1:" in lines[0]
    assert "Traceback" not in result.output


def test_streamed_tokens_arrive_as_decoded_and_add_up_to_the_reply(llama_server: Server):
    from syndgen.backends import stream

    deltas: list[stream.TokenDelta] = []
    stream.set_listener(deltas.append)
    try:
        resp = backend_for(llama_server).chat(
            ChatRequest(
                messages=(Message(role="user", content="Count from one to five in words."),),
                max_tokens=24,
                temperature=0.0,
                seed=1,
            )
        )
    finally:
        stream.set_listener(None)
    assert len(deltas) > 1, "the reply came in one piece, not as a stream"
    assert {d.stream for d in deltas} == {deltas[0].stream}
    assert {d.model for d in deltas} == {"smollm2-server"}
    streamed = "".join(d.text for d in deltas if d.channel == "answer")
    assert streamed.strip() and streamed.strip() == resp.text.strip()
    assert resp.usage.completion_tokens > 0
