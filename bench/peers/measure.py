"""Measuring one tool's run: wall time, peak resident memory of its process tree, server tokens."""

from __future__ import annotations

import re
import subprocess
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import psutil

METRIC = re.compile(r"^llamacpp:(prompt_tokens_total|tokens_predicted_total)\s+([0-9.e+]+)", re.M)
PERF_PROMPT = re.compile(r"prompt eval time\s*=\s*[0-9.]+ ms /\s*(\d+) tokens")
PERF_EVAL = re.compile(r"^\S*\s*eval time\s*=\s*[0-9.]+ ms /\s*(\d+) runs", re.M)


@dataclass
class Measured:
    wall_s: float
    peak_rss_mb: float
    returncode: int


def tree_rss(proc: psutil.Process) -> int:
    """Resident bytes of a process and all its children (0 once it is gone)."""
    total = 0
    try:
        for p in [proc, *proc.children(recursive=True)]:
            try:
                total += p.memory_info().rss
            except psutil.Error:
                continue
    except psutil.Error:
        return 0
    return total


def run_measured(cmd: list[str], env: dict[str, str], log: Path, timeout_s: float) -> Measured:
    """Run ``cmd`` to its end, sampling its tree's RSS every 0.2 s; output goes to ``log``."""
    start = time.perf_counter()
    peak = 0
    with log.open("w") as out:
        proc = psutil.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT)
        while proc.poll() is None:
            peak = max(peak, tree_rss(proc))
            if time.perf_counter() - start > timeout_s:
                for child in proc.children(recursive=True):
                    child.kill()
                proc.kill()
            time.sleep(0.2)
    return Measured(time.perf_counter() - start, peak / 2**20, proc.returncode)


def server_metrics(base: str) -> dict[str, float] | None:
    """llama-server's token counters from /metrics (prompt tokens it read, tokens it generated)."""
    try:
        with urllib.request.urlopen(f"{base}/metrics", timeout=5) as response:
            text = response.read().decode()
    except OSError:
        return None
    found = {name: float(value) for name, value in METRIC.findall(text)}
    if len(found) < 2:
        return None
    return {"prompt": found["prompt_tokens_total"], "generated": found["tokens_predicted_total"]}


def perf_log_tokens(text: str) -> dict[str, float]:
    """Prompt tokens read and tokens generated, summed over the llama.cpp perf lines that
    llama-cpp-python's verbose server prints after each completion (pure)."""
    prompt = sum(int(n) for n in PERF_PROMPT.findall(text))
    generated = sum(int(n) for n in PERF_EVAL.findall(text))
    return {"prompt": float(prompt), "generated": float(generated)}
