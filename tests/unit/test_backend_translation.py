"""Pure request building and response parsing of each backend (no server)."""

import httpx
import openai
import pytest

from syndgen.backends import llamacpp, ollama, openai_compat
from syndgen.backends.base import ChatRequest, ResponseFormat
from syndgen.backends.common import call_with_retries
from syndgen.errors import BackendError, ConfigError
from syndgen.records import Message

SCHEMA = {"type": "object", "properties": {"score": {"type": "integer"}}}
REQ = ChatRequest(
    messages=(Message(role="system", content="s"), Message(role="user", content="u")),
    max_tokens=64,
    temperature=0.2,
    seed=7,
)


def test_llamacpp_sampling_json_and_think():
    cfg = llamacpp.Config(max_reasoning_chars=300, repeat_penalty=1.2)
    params = llamacpp.sampling_for(REQ, cfg)
    assert (params.max_tokens, params.temperature, params.seed, params.repeat_penalty) == (64, 0.2, 7, 1.2)
    assert params.grammar is None and params.max_reasoning_tokens is None
    as_json = REQ.model_copy(update={"response_format": ResponseFormat(kind="json", schema=SCHEMA)})
    grammar = llamacpp.sampling_for(as_json, cfg).grammar
    assert grammar is not None and "root ::=" in grammar and "score" in grammar
    think = REQ.model_copy(
        update={"response_format": ResponseFormat(kind="think"), "max_reasoning_tokens": 50}
    )
    params = llamacpp.sampling_for(think, cfg)
    assert params.grammar is not None and "[^<]{8,300}" in params.grammar
    assert params.grammar.startswith('root ::= "<think>\\n"')
    assert params.max_reasoning_tokens == 50


def test_llamacpp_model_resolution_errors(tmp_path):
    with pytest.raises(Exception, match="model file not found"):
        llamacpp.resolve_model_path(str(tmp_path / "missing.gguf"))
    with pytest.raises(ConfigError, match="looks like an Ollama model name"):
        llamacpp.resolve_model_path("deepseek-r1:1.5b")
    bogus = tmp_path / "fake.gguf"
    bogus.write_bytes(b"NOPE" + b"\0" * 64)
    with pytest.raises(Exception, match="not a GGUF model file"):
        llamacpp.resolve_model_path(str(bogus))
    assert llamacpp.resolve_model_path("smollm2").name.endswith(".gguf")


def test_openai_kwargs_structured_output_modes():
    fmt = ResponseFormat(kind="json", schema=SCHEMA, name="verdict")
    req = REQ.model_copy(update={"response_format": fmt})
    kw = openai_compat.build_kwargs(req, openai_compat.Config(backend="openai", model="m"))
    assert kw["response_format"] == {
        "type": "json_schema",
        "json_schema": {"name": "verdict", "schema": SCHEMA, "strict": True},
    }
    kw = openai_compat.build_kwargs(
        req, openai_compat.Config(backend="openai", model="m", structured_output="json_object")
    )
    assert kw["response_format"] == {"type": "json_object", "schema": SCHEMA}
    kw = openai_compat.build_kwargs(
        req, openai_compat.Config(backend="openai", model="m", structured_output="none")
    )
    assert "response_format" not in kw
    think = REQ.model_copy(update={"response_format": ResponseFormat(kind="think")})
    assert "response_format" not in openai_compat.build_kwargs(
        think, openai_compat.Config(backend="openai", model="m")
    )


def test_openai_grammar_goes_in_the_body_only_when_asked():
    on = openai_compat.Config(backend="openai", model="m", grammar=True)
    off = openai_compat.Config(backend="openai", model="m")
    think = REQ.model_copy(update={"response_format": ResponseFormat(kind="think")})
    body = openai_compat.build_kwargs(think, on)["extra_body"]["grammar"]
    assert body.startswith('root ::= "<think>\\n" trace')
    assert body == llamacpp.grammar_for(think, llamacpp.Config())
    assert "extra_body" not in openai_compat.build_kwargs(think, off)
    shaped = ResponseFormat(kind="text", grammar='answer ::= "Why?"\n')
    kw = openai_compat.build_kwargs(REQ.model_copy(update={"response_format": shaped}), on)
    assert kw["extra_body"] == {"grammar": 'root ::= answer\nanswer ::= "Why?"\n'}
    json_fmt = ResponseFormat(kind="json", schema=SCHEMA, name="verdict")
    kw = openai_compat.build_kwargs(REQ.model_copy(update={"response_format": json_fmt}), on)
    assert "extra_body" not in kw and kw["response_format"]["type"] == "json_schema"
    assert "extra_body" not in openai_compat.build_kwargs(REQ, on)


@pytest.mark.parametrize("field", ["reasoning_content", "reasoning"])
def test_openai_parse_reasoning_fields(field):
    raw = {
        "model": "deepseek-reasoner",
        "choices": [{"message": {"content": "4", field: "2+2"}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 3, "completion_tokens": 9},
    }
    resp = openai_compat.parse_completion(raw, "x", 1.0)
    assert (resp.text, resp.reasoning, resp.model, resp.usage.completion_tokens) == (
        "4",
        "2+2",
        "deepseek-reasoner",
        9,
    )


def test_openai_key_resolution(monkeypatch):
    cfg = openai_compat.Config(backend="openai", model="m", api_key_env="MY_KEY")
    monkeypatch.delenv("MY_KEY", raising=False)
    assert openai_compat.resolve_api_key(cfg, "http://127.0.0.1:8000/v1") == "not-needed"
    with pytest.raises(ConfigError, match=r"export MY_KEY="):
        openai_compat.resolve_api_key(cfg, "https://api.example.com/v1")
    monkeypatch.setenv("MY_KEY", "k-1")
    assert openai_compat.resolve_api_key(cfg, "https://api.example.com/v1") == "k-1"


def test_openai_error_translation():
    cfg = openai_compat.Config(backend="openai", model="m")
    req = httpx.Request("POST", "http://h/v1/chat/completions")
    conn = openai_compat.translate_error(openai.APIConnectionError(request=req), cfg, "http://h/v1")
    assert conn.retryable and "cannot reach" in conn.message
    resp = httpx.Response(404, request=req)
    nf = openai_compat.translate_error(openai.NotFoundError("nope", response=resp, body=None), cfg, "u")
    assert not nf.retryable and "does not serve model 'm'" in nf.message
    bad = openai_compat.translate_error(
        openai.BadRequestError("too long", response=httpx.Response(400, request=req), body=None), cfg, "u"
    )
    assert bad.record_level
    auth = openai_compat.translate_error(
        openai.AuthenticationError("no", response=httpx.Response(401, request=req), body=None), cfg, "u"
    )
    assert "$OPENAI_API_KEY" in str(auth)


def test_ollama_kwargs_context_thinking_and_format():
    cfg = ollama.Config(backend="ollama", model="deepseek-r1:1.5b", num_ctx=16384)
    kw = ollama.build_kwargs(REQ, cfg, think=True)
    assert kw["options"] == {
        "temperature": 0.2,
        "top_p": 0.95,
        "num_predict": 64,
        "num_ctx": 16384,
        "seed": 7,
    }
    assert kw["think"] is True and kw["stream"] is False and "format" not in kw
    fmt = REQ.model_copy(update={"response_format": ResponseFormat(kind="json", schema=SCHEMA)})
    kw = ollama.build_kwargs(fmt, cfg, think=True)
    assert kw["format"] == SCHEMA and kw["think"] is False


def test_ollama_parse_documented_response():
    raw = {
        "model": "deepseek-r1:1.5b",
        "created_at": "2025-01-01T00:00:00Z",
        "message": {"role": "assistant", "content": "The answer is 4.", "thinking": "2 plus 2"},
        "done": True,
        "done_reason": "stop",
        "prompt_eval_count": 26,
        "eval_count": 290,
    }
    resp = ollama.parse_response(raw, "x", 0.3)
    assert (resp.text, resp.reasoning, resp.usage.prompt_tokens, resp.usage.completion_tokens) == (
        "The answer is 4.",
        "2 plus 2",
        26,
        290,
    )


def test_ollama_host_resolution(monkeypatch):
    monkeypatch.setenv("OLLAMA_HOST", "10.0.0.5:11434")
    assert ollama.resolve_host(ollama.Config(backend="ollama")) == "http://10.0.0.5:11434"
    assert ollama.resolve_host(ollama.Config(backend="ollama", host="http://h:1/")) == "http://h:1"


def test_retries_only_retryable():
    calls = []

    def flaky():
        calls.append(1)
        if len(calls) < 3:
            raise BackendError("busy", retryable=True)
        return "ok"

    assert call_with_retries(flaky, retries=3, sleep=lambda _: None) == "ok"
    assert len(calls) == 3
    calls.clear()

    def fatal():
        calls.append(1)
        raise BackendError("bad key")

    with pytest.raises(BackendError, match="bad key"):
        call_with_retries(fatal, retries=5, sleep=lambda _: None)
    assert len(calls) == 1
