"""Load on ``syndgen serve``: N dryrun jobs submitted at once, ``--max-running`` at a time.

    python bench/server_load.py --jobs 100 --max-running 8 --count 3
    python bench/server_load.py --jobs 20 --max-running 20 --count 3 --ray

With ``--ray`` every job runs its seeds on one shared Ray cluster (started for the bench on
127.0.0.1), each job a Ray driver with its own actor.

Starts a real server on 127.0.0.1, submits every job from a thread pool, waits for all, and
checks each finished ``done`` with exactly ``count`` distinct samples. Prints throughput
(jobs/min), p50/p95 API latency (submissions and status polls under the load) and the server's
peak resident memory.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "server"))
from serve_harness import Serve, dryrun

HEAD = (
    "from syndgen.runner.executors.ray_cluster import import_ray, init_local\n"
    "import sys, time\n"
    "ray = import_ray()\n"
    "init_local(ray, num_cpus=2)\n"
    "import os\n"
    "print(ray.get_runtime_context().gcs_address, os.environ.get('RAY_AUTH_MODE', ''), flush=True)\n"
    "sys.stdin.read()\n"  # until the bench closes our stdin
)


def ray_head() -> tuple[subprocess.Popen[str], str]:
    """A Ray cluster on 127.0.0.1 held by a child process; its GCS address. The server (and so
    its jobs) is told the cluster's auth mode; the token is in Ray's own file (~/.ray)."""
    head = subprocess.Popen(
        [sys.executable, "-c", HEAD], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert head.stdout is not None
    address, _, mode = head.stdout.readline().strip().partition(" ")
    if mode:
        os.environ["RAY_AUTH_MODE"] = mode
    return head, address


FINISHED = {"done", "incomplete", "failed", "cancelled", "interrupted"}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--jobs", type=int, default=100)
    parser.add_argument("--max-running", type=int, default=8)
    parser.add_argument("--count", type=int, default=3)
    parser.add_argument("--ray", action="store_true", help="jobs run their seeds on a shared Ray cluster")
    args = parser.parse_args()
    head, extra = None, {}
    if args.ray:
        head, address = ray_head()
        executor = {"kind": "ray", "address": address, "workers_per_node": 1, "cpus_per_worker": 0.05}
        # No embedding dedup: it would load an embedding model in each of the jobs' actors.
        extra = {"executor": executor, "dedup": {"semantic_threshold": None}}
    with tempfile.TemporaryDirectory() as tmp:
        serve = Serve(Path(tmp) / "work", "--max-running", str(args.max_running)).start()
        latencies: list[float] = []
        rss = [serve.rss_kib()]
        try:
            client = serve.client()

            def submit(i: int) -> str:
                start = time.perf_counter()
                job = client.submit(dryrun(args.count, workers=1, **extra), name=f"load-{i}")
                latencies.append(time.perf_counter() - start)
                return str(job["id"])

            t0 = time.perf_counter()
            with ThreadPoolExecutor(16) as pool:
                ids = list(pool.map(submit, range(args.jobs)))
            submitted = time.perf_counter() - t0
            while True:
                start = time.perf_counter()
                listed = client.jobs(limit=1000)
                latencies.append(time.perf_counter() - start)
                rss.append(serve.rss_kib())
                if all(j["state"] in FINISHED for j in listed["items"]):
                    break
                time.sleep(0.25)
            elapsed = time.perf_counter() - t0
            bad = []
            for job_id in ids:
                detail = client.job(job_id)
                seeds = [s["seed_index"] for s in client.samples(job_id, limit=500)["items"]]
                if detail["state"] != "done" or len(seeds) != args.count or len(set(seeds)) != len(seeds):
                    bad.append((job_id, detail["state"], len(seeds), detail.get("error")))
            for log in sorted((Path(tmp) / "work").rglob("worker.log"))[:1] if bad else []:
                print(log.read_text()[-3000:], file=sys.stderr)  # why the first job failed
        finally:
            serve.stop()
            if head is not None:
                head.communicate("")  # closing its stdin stops the cluster
    p95 = statistics.quantiles(latencies, n=20)[18]
    report = {
        "jobs": args.jobs,
        "executor": "ray" if args.ray else "local",
        "max_running": args.max_running,
        "samples_per_job": args.count,
        "all_correct": not bad,
        "bad": bad[:5],
        "submit_all_s": round(submitted, 2),
        "elapsed_s": round(elapsed, 1),
        "jobs_per_min": round(args.jobs / elapsed * 60, 1),
        "api_p50_ms": round(statistics.median(latencies) * 1000, 1),
        "api_p95_ms": round(p95 * 1000, 1),
        "server_rss_mib_start": round(rss[0] / 1024, 1),
        "server_rss_mib_peak": round(max(rss) / 1024, 1),
    }
    print(json.dumps(report, indent=2))
    if bad:
        sys.exit(1)


if __name__ == "__main__":
    main()
