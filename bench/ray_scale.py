"""Memory and rate of a long dryrun run on Ray, against the local executor.

    python bench/ray_scale.py --seeds 1000000            # the full figure (long on 2 cores)
    python bench/ray_scale.py --seeds 20000 --json bench/results/ray_scale.json

Runs the ``dryrun`` backend (no model: this measures the pipeline) on ``--seeds`` seeds three
ways: the local executor, Ray with 1 actor and Ray with 2 actors, each on a local cluster on
127.0.0.1 started for it. Reports seeds/s and the peak resident memory (VmHWM) of the driver and
of each actor, plus the driver's RSS after warm-up and at the end (flat memory: the growth stays
small however long the run). Duplicate checks are off, as in ``bench/memory_dry_run.py``: the
duplicate index grows with the kept records by design. Writes ``--json`` and the same figures as
a Markdown table next to it.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


def status_kib(pid: int | str, key: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{key}:"):
            return int(line.split()[1])
    return 0


def config(seeds: int, executor: dict[str, Any]) -> dict[str, Any]:
    side = {"backend": "dryrun", "parallel": 16}
    no_dedup = {"exact": False, "near_threshold": None, "semantic_threshold": None}
    return {
        "count": seeds,
        "generator": side,
        "critic": dict(side),
        "dedup": no_dedup,
        "export": {"formats": ["sft"], "to": ["jsonl"]},
        "executor": executor,
    }


def one(seeds: int, executor: dict[str, Any], warmup: int) -> dict[str, Any]:
    """One run in this process (the driver); actors' peak memory read from /proc as they run."""
    import psutil

    from syndgen.config import RunConfig
    from syndgen.runner.run import run_pipeline

    trace: list[tuple[int, float]] = []
    clock: dict[int, float] = {}
    actors: dict[int, int] = {}
    step = max(1, seeds // 20)

    def on_outcome(outcome: Any, kept: int, attempts: int) -> None:
        if kept in (warmup, seeds):
            clock[kept] = time.perf_counter()
        if kept == warmup or kept % step == 0:
            trace.append((kept, status_kib("self", "VmRSS") / 1024))
            for proc in psutil.Process().children(recursive=True):  # this run's cluster only
                with contextlib.suppress(OSError, psutil.Error):
                    if " ".join(proc.cmdline()).startswith("ray::SeedWorker"):
                        actors[proc.pid] = max(actors.get(proc.pid, 0), status_kib(proc.pid, "VmHWM"))

    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        run_pipeline(
            RunConfig.model_validate(config(seeds, executor)), Path(tmp) / "run", on_outcome=on_outcome
        )
        wall = time.perf_counter() - start
    warm = next((mb for kept, mb in trace if kept >= warmup), trace[0][1])
    return {
        "seconds": round(wall, 1),
        "seeds_per_s": round(seeds / wall, 1),
        "seeds_per_s_after_warmup": round((seeds - warmup) / (clock[seeds] - clock[warmup]), 1),
        "driver_rss_after_warmup_mb": round(warm, 1),
        "driver_rss_at_end_mb": round(trace[-1][1], 1),
        "driver_peak_rss_mb": round(status_kib("self", "VmHWM") / 1024, 1),
        "actor_peak_rss_mb": sorted(round(kib / 1024, 1) for kib in actors.values()),
        "driver_rss_trace_mb": [(k, round(mb, 1)) for k, mb in trace],
    }


MODES = {
    "local": {"kind": "local"},
    "ray_1_worker": {"kind": "ray", "workers_per_node": 1, "num_cpus": 2},
    "ray_2_workers": {"kind": "ray", "workers_per_node": 2, "num_cpus": 2},
}


def markdown(result: dict[str, Any]) -> str:
    lines = [
        f"# Ray scale: dryrun, {result['seeds']:,} seeds",
        "",
        f"`{result['command']}`",
        "",
        "| executor | seeds/s (whole run) | seeds/s (after warm-up) | seconds | driver peak RSS (MB) "
        "| driver RSS warm-up → end (MB) | actors' peak RSS (MB) |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for mode, row in result["runs"].items():
        actors = ", ".join(str(mb) for mb in row["actor_peak_rss_mb"]) or "-"
        lines.append(
            f"| {mode} | {row['seeds_per_s']} | {row['seeds_per_s_after_warmup']} | {row['seconds']} | "
            f"{row['driver_peak_rss_mb']} | {row['driver_rss_after_warmup_mb']} → "
            f"{row['driver_rss_at_end_mb']} | {actors} |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=1_000_000)
    parser.add_argument("--warmup", type=int, default=None, help="default: 5%% of --seeds")
    parser.add_argument("--modes", nargs="+", default=list(MODES), choices=list(MODES))
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--mode", help=argparse.SUPPRESS)  # one run, in a child process
    args = parser.parse_args()
    warmup = args.warmup or max(1, args.seeds // 20)
    if args.mode:
        print(json.dumps(one(args.seeds, MODES[args.mode], warmup)))
        return
    runs = {}
    for mode in args.modes:  # each in a fresh process: peak memory is that run's alone
        child = [
            sys.executable,
            __file__,
            "--seeds",
            str(args.seeds),
            "--warmup",
            str(warmup),
            "--mode",
            mode,
        ]
        out = subprocess.run(child, check=True, capture_output=True, text=True).stdout
        runs[mode] = json.loads(out.strip().splitlines()[-1])
        print(
            mode, json.dumps({k: v for k, v in runs[mode].items() if k != "driver_rss_trace_mb"}), flush=True
        )
    command = f"python bench/ray_scale.py --seeds {args.seeds}"
    result = {"seeds": args.seeds, "warmup_seeds": warmup, "command": command, "runs": runs}
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2) + "\n")
        args.json.with_suffix(".md").write_text(markdown(result))
    print(markdown(result))


if __name__ == "__main__":
    main()
