"""One job on the embedded model through the server: its tokens arrive before it ends."""

from __future__ import annotations

from pathlib import Path

import pytest
from serve_harness import Serve

pytestmark = [pytest.mark.server, pytest.mark.integration]


def test_an_embedded_model_job_streams_tokens(tmp_path: Path) -> None:
    serve = Serve(tmp_path / "work").start()
    try:
        with serve.client() as client:
            config = {"count": 1, "max_attempts": 4, "generator": {"backend": "llamacpp", "max_tokens": 96}}
            job = client.submit(config)
            assert job["embedded"] is True
            events = list(client.events(job["id"]))
            types = [e["type"] for e in events]
            end = types.index("end")
            tokens = [e for e in events[:end] if e["type"] == "token"]
            assert tokens and all(t["model"] == "smollm2" for t in tokens)
            assert {"reasoning", "answer"} <= {t["channel"] for t in tokens}
            detail = client.wait(job["id"], timeout=300)
            assert detail["state"] in ("done", "incomplete")
            assert detail["run"]["attempts"] >= 1
    finally:
        serve.stop()
