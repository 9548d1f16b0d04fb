"""Yields on the embedded model: attempts and seconds per kept record, per record kind.

Runs each shipped example the way a new user would (the CLI, default attempt caps) one after the
other, and reads the figures back from ``syndgen inspect --json``. Run from the repository root::

    python bench/yields.py --json bench/results/yields.json --markdown bench/results/yields.md

``--only NAME`` (repeatable) runs some of them; ``--keep DIR`` keeps the run folders.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]

RUNS: dict[str, list[str]] = {
    "qa (demo --count 10)": ["demo", "--count", "10"],
    "math (demo --task math --count 3)": ["demo", "--task", "math", "--count", "3"],
    "code (demo --task code --count 1)": ["demo", "--task", "code", "--count", "1"],
    "conversation (examples/conversations.yaml --count 3)": [
        "run",
        str(ROOT / "examples" / "conversations.yaml"),
        "--count",
        "3",
    ],
    "grounded (examples/grounded.yaml --count 3)": [
        "run",
        str(ROOT / "examples" / "grounded.yaml"),
        "--count",
        "3",
    ],
}


def syndgen(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "syndgen", *args], capture_output=True, text=True, check=False, cwd=ROOT
    )


def measure(name: str, args: list[str], work: Path) -> dict[str, Any]:
    out = work / name.split(" ")[0]
    extra = ["--out", str(out), "--overwrite"]
    if "grounded" in name:
        index = work / "docs-index"
        if not index.exists():
            done = syndgen("ingest", str(ROOT / "examples" / "docs"), "--index", str(index))
            if done.returncode:
                raise SystemExit(f"ingest failed: {done.stderr.strip()}")
        extra += ["--index", str(index)]
    started = time.perf_counter()
    done = syndgen(*args, *extra)
    wall = time.perf_counter() - started
    info = json.loads(syndgen("inspect", str(out), "--json").stdout)
    kpis = info.get("kpis", info)
    samples = int(kpis.get("samples", 0))
    attempts = int(kpis.get("attempts", 0))
    reasons = kpis.get("rejections_by_reason", {})
    return {
        "run": name,
        "exit_code": done.returncode,
        "target": int(args[args.index("--count") + 1]),
        "kept": samples,
        "attempts": attempts,
        "attempts_per_kept": round(attempts / samples, 2) if samples else None,
        "seconds_per_kept": round(wall / samples, 1) if samples else None,
        "wall_s": round(wall, 1),
        "over_quota": int(reasons.get("over_quota", 0)),
        "rejections_by_reason": reasons,
        "kept_evidence": kpis.get("kept_evidence", {}),
        "shapes": kpis.get("shapes", {}),
    }


def markdown(rows: list[dict[str, Any]]) -> str:
    lines = [
        "| run | kept / target | attempts | attempts per kept | seconds per kept | over_quota | exit |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['run']} | {r['kept']} / {r['target']} | {r['attempts']} | {r['attempts_per_kept']} | "
            f"{r['seconds_per_kept']} | {r['over_quota']} | {r['exit_code']} |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path)
    parser.add_argument("--markdown", type=Path)
    parser.add_argument("--only", action="append", default=[], help="a run name prefix (qa, math, ...)")
    parser.add_argument("--keep", type=Path, help="keep the run folders here")
    args = parser.parse_args()
    chosen = {k: v for k, v in RUNS.items() if not args.only or any(k.startswith(o) for o in args.only)}
    work = args.keep or Path(tempfile.mkdtemp(prefix="syndgen-yields-"))
    work.mkdir(parents=True, exist_ok=True)
    rows = []
    for name, run_args in chosen.items():
        row = measure(name, run_args, work)
        print(json.dumps(row), flush=True)
        rows.append(row)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2) + "\n")
    if args.markdown:
        args.markdown.write_text(markdown(rows))
    print(markdown(rows))


if __name__ == "__main__":
    main()
