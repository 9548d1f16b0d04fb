"""A recognisable fake API key, given in the run config, reaches the server and nothing else: not
the run folder's files, the store's bytes, the card, the audit log, nor the command output."""

import json
import threading
import typing
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import yaml
from typer.testing import CliRunner

from fakes import scripted
from syndgen.backends.base import ChatRequest
from syndgen.cli import app
from syndgen.records import Message

FAKE_KEY = "sk-syndgenFAKEkey-0123456789abcdefLEAKCHECK"
NEEDLES = [FAKE_KEY, FAKE_KEY[3:20], "LEAKCHECK"]


class _Handler(BaseHTTPRequestHandler):
    respond = staticmethod(scripted())
    seen_keys: typing.ClassVar[list[str]] = []

    def log_message(self, *args):
        pass

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).seen_keys.append(self.headers.get("Authorization", ""))
        messages = tuple(Message(role=m["role"], content=m["content"]) for m in body["messages"])
        text = type(self).respond(ChatRequest(messages=messages, max_tokens=64))
        reply = {
            "id": "x",
            "object": "chat.completion",
            "created": 0,
            "model": body["model"],
            "choices": [
                {"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}
            ],
            "usage": {"prompt_tokens": 5, "completion_tokens": 5, "total_tokens": 10},
        }
        data = json.dumps(reply).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture
def stub_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()
    server.server_close()


def test_the_api_key_never_enters_the_run_folder(tmp_path, stub_server):
    _Handler.seen_keys = []
    evals = tmp_path / "eval.jsonl"
    evals.write_text(json.dumps({"question": "an unrelated benchmark item about tides and moons"}) + "\n")
    config = {
        "count": 2,
        "task": {"topics": ["tides", "moons"]},
        "dedup": {"semantic_threshold": None},
        "generator": {
            "backend": "openai",
            "model": "stub-model",
            "base_url": stub_server,
            "api_key": FAKE_KEY,
            "structured_output": "none",
        },
        "privacy": {"leakage": {"enabled": True}, "decontaminate": [str(evals)]},
    }
    path = tmp_path / "run.yaml"
    path.write_text(yaml.safe_dump(config))
    out = tmp_path / "run"
    runner = CliRunner()
    outputs = []
    for argv in (
        ["run", str(path), "--out", str(out)],
        ["run", str(path), "--out", str(out)],  # a resume
        ["export", str(out)],
        ["inspect", str(out), "--json"],
        ["audit", str(out), "--json", "--verify"],
        ["leakage", str(out), "--against", str(evals), "--no-embed", "--json"],
    ):
        result = runner.invoke(app, argv)
        assert result.exit_code == 0, (argv, result.output)
        outputs.append(result.output)
    assert _Handler.seen_keys and all(k == f"Bearer {FAKE_KEY}" for k in _Handler.seen_keys)
    files = [p for p in out.rglob("*") if p.is_file()]
    assert {p.name for p in files} >= {"run.sqlite", "config.yaml", "README.md", "sft.jsonl"}
    for file in files:
        data = file.read_bytes()
        for needle in NEEDLES:
            assert needle.encode() not in data, (file, needle)
    for text in outputs:
        assert not any(needle in text for needle in NEEDLES)
    audit = json.loads(outputs[4])
    assert [e["payload"]["event"] for e in audit["entries"] if e["kind"] == "run"] == ["start", "resume"]
    generator = audit["entries"][0]["payload"]["models"]["generator"]
    assert generator == {"backend": "openai", "model": "stub-model", "server": stub_server}
