"""The job API on a real ``syndgen serve`` process on 127.0.0.1, driven by ``syndgen.Client``."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from serve_harness import Serve, alive, dryrun, has_samples, job_pid, wait_for

from syndgen.client import ApiError, Client

pytestmark = pytest.mark.server


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Serve]:
    workdir = tmp_path_factory.mktemp("serve") / "work"
    serve = Serve(workdir, "--max-running", "4").start()
    yield serve
    serve.stop()


@pytest.fixture
def client(server: Serve) -> Iterator[Client]:
    with server.client() as c:
        yield c


def test_a_job_streams_tokens_outcomes_and_exports(client: Client) -> None:
    job = client.submit(dryrun(6, latency_s=0.02, workers=2), name="first")
    assert job["state"] == "queued" and job["target"] == 6 and job["name"] == "first"
    events = list(client.events(job["id"]))
    types = [e["type"] for e in events]
    end = types.index("end")
    tokens = [e for e in events[:end] if e["type"] == "token"]
    assert tokens, "no token arrived before the job ended"
    assert {"reasoning", "answer"} <= {t["channel"] for t in tokens if t["format"] == "think"}
    outcomes = [e for e in events if e["type"] == "outcome"]
    assert sum(o["accepted"] for o in outcomes) == 6
    assert events[-1] == {**events[-1], "type": "state", "state": "done"}
    assert types.index("progress") < end

    detail = client.job(job["id"])
    assert detail["state"] == "done" and detail["run"]["samples"] == 6
    assert detail["run"]["rejection_rate"] == 0.0 and detail["eta_s"] is None
    rows = client.export(job["id"], "sft").decode().splitlines()
    assert len(rows) == 6 and all(json.loads(r)["messages"] for r in rows)
    assert client.export(job["id"], "sft", to="parquet")[:4] == b"PAR1"

    page = client.samples(job["id"], limit=4)
    assert page["total"] == 6 and len(page["items"]) == 4
    rest = client.samples(job["id"], limit=4, offset=4)["items"]
    seeds = [s["seed_index"] for s in page["items"] + rest]
    assert len(seeds) == len(set(seeds)) == 6
    assert client.samples(job["id"], min_score=5)["total"] == 6
    assert client.samples(job["id"], topic="no such topic")["total"] == 0
    assert client.rejections(job["id"])["total"] == 0

    listed = client.jobs(state="done")
    assert job["id"] in {j["id"] for j in listed["items"]}
    assert job["id"] not in {j["id"] for j in client.jobs(state="running")["items"]}


def test_rejections_are_paged_and_filtered(client: Client) -> None:
    # the critic gives 2 out of 5: every attempt is rejected at the quality gate
    config = dryrun(2, max_attempts=4)
    config["critic"] = {"backend": "dryrun", "score": 2}
    job = client.submit(config)
    detail = client.wait(job["id"], timeout=60)
    assert detail["state"] == "incomplete" and "attempt cap" in detail["error"]
    everything = client.rejections(job["id"], limit=500)
    assert everything["total"] >= 4
    reason = everything["items"][0]["reason"]
    same = client.rejections(job["id"], reason=reason)
    assert same["total"] >= 1 and {r["reason"] for r in same["items"]} == {reason}
    assert client.rejections(job["id"], limit=1)["items"] == everything["items"][:1]


@pytest.mark.parametrize(
    ("body", "status", "words"),
    [
        (b"count: [1, 2\n", 400, "invalid YAML at line"),
        (b"cuont: 5\n", 400, "did you mean 'count'"),
        (b"- 1\n- 2\n", 400, "top level must be a mapping"),
        (b"", 400, "is empty"),
        (b"\xff\xfe", 400, "not UTF-8"),
        (b"a: &x 1\nb: *x\n", 400, "anchors and aliases"),
        (b"count: 2\ntask:\n  examples:\n    path: /etc/passwd\n", 400, "outside the folders"),
        (b"count: 2\ntask:\n  examples:\n    path: ../../../etc/passwd\n", 400, "outside the folders"),
        (b"count: 2\nprompts:\n  answer: /etc/hostname\n", 400, "outside the folders"),
        (b"count: 2\ngenerator:\n  backend: llamacpp\n  model: /etc/passwd\n", 400, "outside the folders"),
    ],
)
def test_bad_configs_are_one_4xx_line(server: Serve, body: bytes, status: int, words: str) -> None:
    r = httpx.post(f"{server.url}/v1/jobs", content=body)
    assert r.status_code == status, r.text
    assert words in r.json()["error"] and "Traceback" not in r.text


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/v1/jobs/nope", 404),
        ("GET", "/v1/jobs/..%2F..%2Fetc", 404),
        ("GET", "/v1/jobs/..%2Fjobs/samples", 404),
        ("POST", "/v1/jobs/nope/cancel", 404),
        ("POST", "/v1/jobs/nope/resume", 404),
        ("DELETE", "/v1/jobs/nope", 404),
        ("GET", "/v1/jobs/nope/events", 404),
        ("GET", "/v1/jobs/nope/exports/sft", 404),
        ("GET", "/v1/jobs?state=exploded", 422),
        ("GET", "/v1/jobs/nope/samples?limit=0", 422),
    ],
)
def test_unknown_jobs_and_bad_queries(server: Serve, method: str, path: str, status: int) -> None:
    r = httpx.request(method, f"{server.url}{path}")
    assert r.status_code == status, r.text
    assert r.json()["error"]


def test_export_names_are_not_paths(client: Client, server: Serve) -> None:
    job = client.wait(client.submit(dryrun(1))["id"])
    for name in ("..%2F..%2Fjob.json", "..%2Fconfig.json", "nope"):
        r = httpx.get(f"{server.url}/v1/jobs/{job['id']}/exports/{name}")
        assert r.status_code == 404, r.text


def test_oversized_bodies_are_refused(server: Serve) -> None:
    big = b"count: 2\n" + b"#" * (1 << 20) + b"\n"
    assert httpx.post(f"{server.url}/v1/jobs", content=big).status_code == 413

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it arrives
        for _ in range(20):
            yield b"#" * 65536 + b"\n"

    r = httpx.post(f"{server.url}/v1/jobs", content=chunks())
    assert r.status_code == 413 and "over" in r.json()["error"]


def test_secrets_are_neither_stored_nor_returned(client: Client, server: Serve) -> None:
    secret = "sk-test-do-not-store-4242"
    seen: list[str] = []

    class Refuse(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_POST(self) -> None:
            seen.append(self.headers.get("Authorization", ""))
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            body = b'{"error": {"message": "bad key"}}'
            self.send_response(401)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    upstream = ThreadingHTTPServer(("127.0.0.1", 0), Refuse)
    threading.Thread(target=upstream.serve_forever, daemon=True).start()
    config = {
        "count": 1,
        "generator": {
            "backend": "openai",
            "model": "m",
            "base_url": f"http://127.0.0.1:{upstream.server_address[1]}/v1",
            "api_key": secret,
            "max_retries": 0,
        },
        "critic": {"backend": "dryrun"},
    }
    try:
        job = client.submit(config)
        assert secret not in json.dumps(job)
        detail = client.wait(job["id"], timeout=60)
    finally:
        upstream.shutdown()
    assert f"Bearer {secret}" in seen, "the job process did not get the key"
    assert detail["state"] == "failed" and "refused the API key" in detail["error"]
    assert secret not in json.dumps(detail) and secret not in json.dumps(client.jobs())
    for path in (server.workdir / "jobs" / job["id"]).rglob("*"):
        if path.is_file():
            assert secret.encode() not in path.read_bytes(), path


def test_cancel_then_resume_completes_without_duplicates(client: Client) -> None:
    job = client.submit(dryrun(16, latency_s=0.1, workers=1))
    wait_for(lambda: has_samples(client, job["id"], 2), what="2 samples")
    assert client.cancel(job["id"])["cancel_requested"] is True
    stopped = client.wait(job["id"], timeout=30)
    assert stopped["state"] == "cancelled"
    kept = stopped["run"]["samples"]
    assert 2 <= kept < 16
    with pytest.raises(ApiError) as err:
        client.cancel(job["id"])
    assert err.value.status == 409
    assert client.resume(job["id"])["state"] == "queued"
    done = client.wait(job["id"], timeout=60)
    assert done["state"] == "done" and done["run"]["samples"] == 16 and done["sessions"] == 2
    seeds = [s["seed_index"] for s in client.samples(job["id"], limit=100)["items"]]
    assert len(seeds) == len(set(seeds)) == 16


def test_a_queued_job_cancels_at_once_and_delete_needs_it_finished(client: Client, server: Serve) -> None:
    job = client.submit(dryrun(40, latency_s=0.05, workers=1))
    with pytest.raises(ApiError) as err:
        client.delete(job["id"])
    assert err.value.status == 409
    client.cancel(job["id"])
    client.wait(job["id"])
    folder = server.workdir / "jobs" / job["id"]
    client.delete(job["id"])
    assert folder.is_dir(), "a delete without purge keeps the data"
    with pytest.raises(ApiError):
        client.job(job["id"])
    other = client.wait(client.submit(dryrun(1))["id"])
    assert client.delete(other["id"], purge=True)["purged"] is True
    assert not (server.workdir / "jobs" / other["id"]).exists()


def test_a_killed_job_process_is_marked_and_resumes(client: Client, server: Serve) -> None:
    neighbour = client.submit(dryrun(30, latency_s=0.05, workers=1))
    job = client.submit(dryrun(12, latency_s=0.1, workers=1))
    wait_for(lambda: has_samples(client, job["id"], 2), what="progress")
    pid = job_pid(server.workdir, job["id"])
    signal_kill(pid)
    dead = client.wait(job["id"], timeout=30)
    assert dead["state"] == "interrupted" and "signal 9" in dead["error"]
    assert client.job(neighbour["id"])["state"] in ("running", "done"), "another job was taken down"
    assert client.resume(job["id"])["state"] == "queued"
    done = client.wait(job["id"], timeout=60)
    assert done["state"] == "done" and done["run"]["samples"] == 12
    seeds = [s["seed_index"] for s in client.samples(job["id"], limit=100)["items"]]
    assert len(set(seeds)) == 12
    assert client.wait(client.job(neighbour["id"])["id"], timeout=60)["state"] == "done"


def signal_kill(pid: int) -> None:
    import os

    os.kill(pid, signal.SIGKILL)
    wait_for(lambda: not alive(pid), what="the job process to die")


@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGTERM])
def test_a_server_restart_mid_job_resumes_it(tmp_path: Path, how: int) -> None:
    workdir = tmp_path / "work"
    first = Serve(workdir, "--max-running", "2").start()
    with first.client() as client:
        job = client.submit(dryrun(14, latency_s=0.1, workers=1))
        wait_for(
            lambda: (client.job(job["id"]).get("progress") or {}).get("samples", 0) >= 2, what="progress"
        )
        pid = job_pid(workdir, job["id"])
    first.stop(how)
    wait_for(lambda: not alive(pid), what="the job process to stop with its server")
    second = Serve(workdir, "--max-running", "2").start()
    try:
        with second.client() as client:
            done = client.wait(job["id"], timeout=60)
            assert done["state"] == "done" and done["run"]["samples"] == 14
            assert done["sessions"] == 2
    finally:
        second.stop()


def test_without_resume_a_restart_marks_running_jobs_interrupted(tmp_path: Path) -> None:
    workdir = tmp_path / "work"
    first = Serve(workdir).start()
    with first.client() as client:
        job = client.submit(dryrun(30, latency_s=0.1, workers=1))
        wait_for(lambda: client.job(job["id"])["state"] == "running", what="running")
    first.stop(signal.SIGKILL)
    second = Serve(workdir, "--no-resume-interrupted").start()
    try:
        with second.client() as client:
            detail = client.job(job["id"])
            assert detail["state"] == "interrupted" and "server stopped" in detail["error"]
    finally:
        second.stop()


def test_a_token_is_enforced_on_loopback(tmp_path: Path) -> None:
    serve = Serve(tmp_path / "work", token="s3cret-token-value").start()
    try:
        assert httpx.get(f"{serve.url}/v1/jobs").status_code == 401
        bad = {"Authorization": "Bearer s3cret-token-valuX"}
        assert httpx.get(f"{serve.url}/v1/jobs", headers=bad).status_code == 401
        assert httpx.get(f"{serve.url}/docs").status_code == 401
        with serve.client() as client:
            assert client.jobs()["total"] == 0
            assert httpx.get(f"{serve.url}/openapi.json", headers=client._http.headers).status_code == 200
    finally:
        serve.stop()


def test_a_network_bind_without_a_token_is_refused(tmp_path: Path) -> None:
    cmd = [sys.executable, "-m", "syndgen", "serve", "--host", "0.0.0.0", "--workdir", str(tmp_path)]
    env = {k: v for k, v in __import__("os").environ.items() if k != "SYNDGEN_TOKEN"}
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60, env=env)
    assert proc.returncode == 2
    assert "not a loopback address: a token is required" in proc.stderr
    assert "Traceback" not in proc.stderr
