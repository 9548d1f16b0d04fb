"""Resident memory of a long run: 100,000 seeds through the pipeline on the dryrun backend.

    python bench/memory_dry_run.py --seeds 100000 --json bench/results/memory.json

Samples the process's resident set size (VmRSS) after warm-up and at the end; the pipeline keeps
a bounded number of seeds in flight and writes every outcome to the store, so growth should stay
small however long the run.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from syndgen.config import RunConfig
from syndgen.runner.run import run_pipeline


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=100_000)
    parser.add_argument("--warmup", type=int, default=5_000)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    side = {"backend": "dryrun", "parallel": 16}
    # The duplicate index grows with the kept records by design (it must remember them), so it
    # is off here: this measures the pipeline itself (planning, reorder buffer, store).
    no_dedup = {"exact": False, "near_threshold": None, "semantic_threshold": None}
    config = RunConfig.model_validate(
        {"count": args.seeds, "generator": side, "critic": side, "dedup": no_dedup}
    )
    samples: list[tuple[int, float]] = []

    def on_outcome(outcome, kept, attempts):  # type: ignore[no-untyped-def]
        if kept == args.warmup or kept % 10_000 == 0:
            samples.append((kept, rss_mb()))

    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        run_pipeline(config, Path(tmp) / "run", on_outcome=on_outcome)
    wall = time.perf_counter() - start
    warm = next(mb for kept, mb in samples if kept >= args.warmup)
    end = samples[-1][1]
    result = {
        "seeds": args.seeds,
        "warmup_seeds": args.warmup,
        "rss_after_warmup_mb": round(warm, 1),
        "rss_at_end_mb": round(end, 1),
        "rss_growth_mb": round(end - warm, 1),
        "seconds": round(wall, 1),
        "seeds_per_s": round(args.seeds / wall, 1),
        "rss_trace_mb": [(k, round(mb, 1)) for k, mb in samples],
    }
    text = json.dumps(result, indent=2)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
