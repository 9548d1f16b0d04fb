"""Cost growth with the work: syndgen's verified records per hour and peak memory at N = 10,
100 and 1,000 kept records, on the ``dryrun`` backend (scripted replies, no model), so that what
grows is the pipeline's own cost (planning, checks, dedup index, store), not the model's."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import measure

SIZES = (10, 100, 1000)


def growth(here: Path, work: Path, spec: dict[str, Any], say: Any, sizes=SIZES) -> list[dict[str, Any]]:
    rows = []
    for n in sizes:
        out = work / f"growth-{n}"
        out.mkdir(parents=True, exist_ok=True)
        job = out / "job.json"
        job.write_text(json.dumps({**spec, "count": n}))
        cmd = [sys.executable, str(here / "jobs" / "syndgen_job.py"), "--base-url", "dryrun"]
        cmd += ["--model", "dryrun", "--job", str(job), "--out", str(out)]
        env = {**os.environ, "PYTHONPATH": str(here / "jobs"), "HF_HUB_OFFLINE": "1"}
        got = measure.run_measured(cmd, env, out / "log.txt", timeout_s=1800)
        report = json.loads((out / "report.json").read_text()) if got.returncode == 0 else {}
        kept = int(report.get("kept") or 0)
        rows.append(
            {
                "n": n,
                "kept": kept,
                "wall_s": round(got.wall_s, 2),
                "verified_per_hour": round(kept / got.wall_s * 3600, 1),
                "s_per_record": round(got.wall_s / kept, 4) if kept else None,
                "peak_rss_mb": round(got.peak_rss_mb, 1),
            }
        )
        say(f"growth N={n}: kept {kept} in {got.wall_s:.1f} s, peak {got.peak_rss_mb:.0f} MB")
    return rows
