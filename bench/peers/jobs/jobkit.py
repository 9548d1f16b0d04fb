"""What every peer job shares: the job's arguments, its prompts, reading a reply, the report.

Imported by each job script from its own virtualenv (standard library only), so that the job
files hold only what a user of that tool writes.
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path
from typing import Any

THINK = re.compile(r"<think>(.*?)</think>(.*)", re.S)
SCORE = re.compile(r'"score"\s*:\s*"?([1-5])')
EMPTY = {"reasoning": "(no reasoning given)"}  # what the judge prompt says for a reply with no trace


def args() -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base-url", required=True, help="OpenAI-compatible server, ending in /v1")
    parser.add_argument("--model", required=True, help="the model name the server knows")
    parser.add_argument("--job", type=Path, required=True, help="job.json: topics, prompts, settings")
    parser.add_argument("--out", type=Path, required=True, help="folder for kept.jsonl and report.json")
    return parser.parse_args()


def load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text())


def fill(messages: list[dict[str, str]], **values: str) -> list[dict[str, str]]:
    """The job's message templates with @@NAME@@ slots filled."""
    out = []
    for m in messages:
        text = m["content"]
        for key, value in values.items():
            text = text.replace(f"@@{key.upper()}@@", value or EMPTY.get(key, ""))
        out.append({"role": m["role"], "content": text})
    return out


def split_answer(text: str) -> tuple[str, str]:
    """(reasoning, answer) of a reply that thinks in <think> tags; no tags: no reasoning."""
    match = THINK.search(text or "")
    if match is None:
        return "", (text or "").strip()
    return match.group(1).strip(), match.group(2).strip()


def score(text: str) -> int | None:
    """The judge's 1-5 score from its JSON reply (lenient: the first "score": N)."""
    match = SCORE.search(text or "")
    return int(match.group(1)) if match else None


def report(out: Path, rows: list[dict[str, Any]], threshold: int, **extra: Any) -> None:
    """Write the kept rows and a one-line report (kept, attempts, and what the tool counted)."""
    out.mkdir(parents=True, exist_ok=True)
    kept = [r for r in rows if (r.get("score") or 0) >= threshold]
    with (out / "kept.jsonl").open("w") as fh:
        for row in kept:
            fh.write(json.dumps(row) + "\n")
    (out / "report.json").write_text(json.dumps({"kept": len(kept), "attempts": len(rows), **extra}))
