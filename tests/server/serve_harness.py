"""``syndgen serve`` started by the tests as a real process on 127.0.0.1."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from syndgen.client import Client


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Serve:
    def __init__(self, workdir: Path, *args: str, token: str | None = None) -> None:
        self.workdir, self.args, self.token = workdir, list(args), token
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None
        self.log_path = workdir.parent / f"{workdir.name}-serve.log"

    def start(self, timeout: float = 60.0) -> Serve:
        cmd = [
            sys.executable,
            "-m",
            "syndgen",
            "serve",
            "--port",
            str(self.port),
            "--workdir",
            str(self.workdir),
        ]
        cmd += self.args + (["--token", self.token] if self.token else [])
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"syndgen serve exited: {self.log_path.read_text()[-3000:]}")
            try:
                if httpx.get(f"{self.url}/v1/health", headers=headers, timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError("syndgen serve did not start")

    def client(self) -> Client:
        return Client(self.url, self.token)

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30.0) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(sig)
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def rss_kib(self) -> int:
        assert self.process is not None
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        return 0


def job_pid(workdir: Path, job_id: str, timeout: float = 20.0) -> int:
    """The pid of a job's process: the holder its run folder's lock names."""
    lock = workdir / "jobs" / job_id / "run" / ".lock"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if lock.exists() and (text := lock.read_text().strip()).isdigit():
            return int(text)
        time.sleep(0.05)
    raise TimeoutError(f"job {job_id} never locked its run folder")


def wait_for(predicate, timeout: float = 30.0, what: str = "condition"):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise TimeoutError(f"{what} not reached in {timeout:g}s")


def has_samples(client: Client, job_id: str, n: int) -> bool:
    return bool((client.job(job_id).get("progress") or {}).get("samples", 0) >= n)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie is dead for our purposes
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except OSError:
        return False


def dryrun(
    count: int, latency_s: float = 0.0, workers: int | None = None, **extra: object
) -> dict[str, object]:
    config: dict[str, object] = {
        "count": count,
        "generator": {"backend": "dryrun", "latency_s": latency_s},
        **extra,
    }
    if workers is not None:
        config["workers"] = workers
    return config
