"""A loopback HTTP server answering ``POST /api/chat`` with the shapes Ollama documents.

Reference: https://github.com/ollama/ollama/blob/main/docs/api.md#generate-a-chat-completion
(non-streaming response; ``message.thinking`` when ``think`` is true; ``{"error": ...}`` with
404 for a model that is not pulled and 400 for a model that does not support thinking).
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

THINKING_MODEL = "deepseek-r1:1.5b"
PLAIN_MODEL = "llama3.2:1b"


class OllamaStub:
    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                stub.requests.append(body)
                status, payload = stub.answer(body)
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.host = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def answer(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        model = body.get("model")
        if model not in (THINKING_MODEL, PLAIN_MODEL):
            return 404, {"error": f'model "{model}" not found, try pulling it first'}
        if body.get("think") and model == PLAIN_MODEL:
            return 400, {"error": f'"{model}" does not support thinking'}
        last = body["messages"][-1]["content"]
        thinking = ""
        fmt = body.get("format")
        wants = fmt.get("properties", {}) if isinstance(fmt, dict) else {}
        if "question" in wants:  # the question's shape as a JSON schema, filled as Ollama would
            content = json.dumps({"question": "A car travels 120 km in 2 hours. What is its average speed?"})
        elif fmt:
            content = '{"rationale": "The steps are correct.", "score": 5}'
        elif last.startswith("Topic:"):
            content = "A car travels 120 km in 2 hours. What is its average speed?"
        else:
            content = "The average speed is 60 km/h."
            if body.get("think"):
                thinking = "Speed is distance over time: 120 / 2 = 60."
            else:
                content = "<think>120 km / 2 h = 60 km/h.</think>The average speed is 60 km/h."
        message = {"role": "assistant", "content": content}
        if thinking:
            message["thinking"] = thinking
        return 200, {
            "model": model,
            "created_at": "2025-05-01T12:00:00.000000Z",
            "message": message,
            "done": True,
            "done_reason": "stop",
            "total_duration": 123456789,
            "load_duration": 1234567,
            "prompt_eval_count": 42,
            "prompt_eval_duration": 1234567,
            "eval_count": 17,
            "eval_duration": 12345678,
        }

    def __enter__(self) -> OllamaStub:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
