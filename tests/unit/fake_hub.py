"""A small fake Hugging Face Hub on 127.0.0.1: enough of the API for create_repo + upload_folder.

Files uploaded in a commit (regular mode, base64 in the NDJSON body) are kept in ``files``.
"""

from __future__ import annotations

import base64
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class FakeHub:
    def __init__(self) -> None:
        self.repos: list[dict[str, Any]] = []
        self.files: dict[str, bytes] = {}
        self.requests: list[str] = []
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> FakeHub:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


class Handler(BaseHTTPRequestHandler):
    hub: FakeHub

    def log_message(self, *args: Any) -> None:
        pass

    def _reply(self, code: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _body(self) -> bytes:
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def do_POST(self) -> None:
        self.hub.requests.append(f"POST {self.path}")
        body = self._body()
        if self.path == "/api/repos/create":
            spec = json.loads(body)
            self.hub.repos.append(spec)
            name = f"{spec.get('organization')}/{spec['name']}"
            prefix = "" if spec.get("type", "model") == "model" else f"{spec['type']}s/"
            return self._reply(200, {"url": f"{self.hub.url}/{prefix}{name}", "name": name})
        if self.path == "/api/validate-yaml":
            return self._reply(200, {"errors": [], "warnings": []})
        if "/preupload/" in self.path:
            files = json.loads(body)["files"]
            return self._reply(
                200,
                {
                    "files": [
                        {"path": f["path"], "uploadMode": "regular", "shouldIgnore": False} for f in files
                    ]
                },
            )
        if "/commit/" in self.path:
            for line in body.decode().splitlines():
                item = json.loads(line)
                if item["key"] == "file":
                    self.hub.files[item["value"]["path"]] = base64.b64decode(item["value"]["content"])
            kind, repo = self.path.split("/")[2], "/".join(self.path.split("/")[3:5])
            prefix = "" if kind == "models" else f"{kind}/"
            url = f"{self.hub.url}/{prefix}{repo}/commit/{'a' * 40}"
            return self._reply(200, {"commitUrl": url, "commitOid": "a" * 40})
        return self._reply(404, {"error": f"not faked: {self.path}"})

    def do_GET(self) -> None:
        self.hub.requests.append(f"GET {self.path}")
        return self._reply(404, {"error": f"not faked: {self.path}"})


def _handler(hub: FakeHub) -> type[BaseHTTPRequestHandler]:
    return type("BoundHandler", (Handler,), {"hub": hub})
