"""Pure parts of the server and of token streaming: no HTTP, no process."""

from __future__ import annotations

from pathlib import Path

import pytest

from syndgen.backends.base import ChatRequest, ResponseFormat
from syndgen.backends.dryrun import Config as DryConfig
from syndgen.backends.dryrun import DryRunBackend
from syndgen.backends.ollama import merge_chunks
from syndgen.backends.openai_compat import assemble_completion, parse_completion
from syndgen.backends.stream import ThinkSplitter, TokenDelta, TokenStream, set_listener
from syndgen.errors import ConfigError, InputError, MissingExtraError
from syndgen.records import Message
from syndgen.server.events import complete_lines, sse_frame
from syndgen.server.intake import confine, submit
from syndgen.server.jobs import JobRecord
from syndgen.server.reads import eta_s
from syndgen.server.settings import ServerSettings


def test_think_splitter_holds_a_tag_split_across_deltas() -> None:
    splitter = ThinkSplitter()
    out = []
    for piece in ["<th", "ink>\nstep one", " two</t", "hink>\n\nThe ans", "wer <"]:
        out += splitter.feed(piece)
    out += splitter.flush()
    reasoning = "".join(t for c, t in out if c == "reasoning")
    answer = "".join(t for c, t in out if c == "answer")
    assert reasoning == "\nstep one two" and answer == "\n\nThe answer <"


def test_token_stream_decodes_utf8_split_across_tokens() -> None:
    got: list[TokenDelta] = []
    stream = TokenStream(got.append, "m", "think", 1)
    data = "<think>é</think>ü".encode()
    for i in range(len(data)):
        stream.raw_bytes(data[i : i + 1])
    stream.close()
    assert "".join(d.text for d in got if d.channel == "reasoning") == "é"
    assert "".join(d.text for d in got if d.channel == "answer") == "ü"


def test_dryrun_streams_the_same_text_it_returns() -> None:
    backend = DryRunBackend(DryConfig(backend="dryrun"))
    request = ChatRequest(
        messages=(Message(role="user", content="q"),), seed=7, response_format=ResponseFormat(kind="think")
    )
    quiet = backend.chat(request)
    got: list[TokenDelta] = []
    set_listener(got.append)
    try:
        loud = backend.chat(request)
    finally:
        set_listener(None)
    assert loud == quiet.model_copy(update={"latency_s": loud.latency_s})
    assert "".join(d.text for d in got if d.channel == "answer").strip() in quiet.text
    assert "".join(d.text for d in got if d.channel == "reasoning") in quiet.text
    assert len({d.stream for d in got}) == 1 and len(got) > 5


def test_ollama_chunks_merge_into_one_reply() -> None:
    chunks = [
        {"model": "r1", "message": {"role": "assistant", "content": "", "thinking": "Let "}, "done": False},
        {"model": "r1", "message": {"role": "assistant", "content": "", "thinking": "me."}, "done": False},
        {"model": "r1", "message": {"role": "assistant", "content": "42"}, "done": False},
        {"model": "r1", "message": {"content": ""}, "done": True, "done_reason": "stop", "eval_count": 9},
    ]
    merged = merge_chunks(chunks)
    assert merged["message"] == {"role": "assistant", "content": "42", "thinking": "Let me."}
    assert merged["done_reason"] == "stop" and merged["eval_count"] == 9


def test_openai_chunks_assemble_into_a_completion() -> None:
    chunks = [
        {"model": "x", "choices": [{"delta": {"reasoning_content": "think "}}]},
        {"model": "x", "choices": [{"delta": {"content": "an"}}]},
        {"model": "x", "choices": [{"delta": {"content": "swer"}, "finish_reason": "stop"}]},
        {"model": "x", "choices": [], "usage": {"prompt_tokens": 3, "completion_tokens": 4}},
    ]
    response = parse_completion(assemble_completion(chunks), "x", 0.1)
    assert response.text == "answer" and response.reasoning == "think "
    assert response.finish_reason == "stop" and response.usage.completion_tokens == 4


def test_a_stream_without_usage_counts_its_text_chunks_as_completion_tokens() -> None:
    chunks = [
        {"model": "x", "choices": [{"delta": {"role": "assistant"}}]},
        {"model": "x", "choices": [{"delta": {"content": "an"}}]},
        {"model": "x", "choices": [{"delta": {"content": "swer"}, "finish_reason": "length"}]},
    ]
    response = parse_completion(assemble_completion(chunks), "x", 0.1)
    assert response.text == "answer"
    assert (response.usage.prompt_tokens, response.usage.completion_tokens) == (0, 2)


def test_confine_resolves_inside_the_allowed_folders(tmp_path: Path) -> None:
    root = (tmp_path / "inputs").resolve()
    root.mkdir()
    assert confine("a/b.jsonl", (root,), "x") == str(root / "a" / "b.jsonl")
    with pytest.raises(InputError, match="outside the folders"):
        confine("../escape.jsonl", (root,), "task.examples.path")
    (root / "link").symlink_to("/etc")
    with pytest.raises(InputError, match="outside the folders"):
        confine("link/passwd", (root,), "x")


def test_submit_keeps_secrets_out_of_the_public_config(tmp_path: Path) -> None:
    body = b"count: 2\ngenerator:\n  backend: openai\n  model: m\n  api_key: sk-abc\n"
    sub = submit(body, (tmp_path,))
    assert sub.secrets == {"generator": "sk-abc"}
    assert "api_key" not in sub.public["generator"] and "sk-abc" not in repr(sub.public)
    with pytest.raises(ConfigError, match="did you mean 'count'"):
        submit(b"cuont: 2\n", (tmp_path,))


def test_eta_follows_the_session_pace() -> None:
    record = JobRecord(
        id="j", name="j", state="running", created_at=0, target=10, backend="dryrun", embedded=False
    )
    progress = {"samples": 6, "resumed_samples": 2, "session_started_at": 100.0, "target": 10}
    assert eta_s(record, progress, now=120.0) == 20.0  # 4 samples in 20 s, 4 to go
    assert eta_s(record, {**progress, "samples": 2}, now=120.0) is None
    assert eta_s(record.model_copy(update={"state": "done"}), progress) is None


def test_event_lines_and_frames() -> None:
    lines, nxt = complete_lines(b'{"type": "a"}\n{"type": "b"}\n{"type', 100)
    assert [end for end, _ in lines] == [114, 128] and nxt == 128
    frame = sse_frame(114, b'{"type": "progress", "samples": 1}').decode()
    assert frame.startswith("id: 114\nevent: progress\ndata: {") and frame.endswith("\n\n")


def test_a_network_bind_needs_a_token() -> None:
    with pytest.raises(ConfigError, match="token is required"):
        ServerSettings(host="0.0.0.0").check()
    ServerSettings(host="127.0.0.1").check()
    ServerSettings(host="::1").check()


def test_serve_without_its_extra_names_the_pip_command(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    from syndgen.server import require_serve

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda n, *a: None if n == "fastapi" else real(n, *a))
    with pytest.raises(MissingExtraError, match=r"pip install 'syndgen\[serve\]'"):
        require_serve()
