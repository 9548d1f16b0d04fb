"""The training rows: which files a run or a path names, the difficulty mix, the eval split (pure).

A run folder contributes its SFT export (``data/sft.jsonl``, or the difficulty sets a
student-gated run wrote when ``--mix`` weights them) or its DPO export (``data/dpo.jsonl``);
a file contributes its rows as they are. Rows keep only what the trainers read: ``messages``
for SFT, ``prompt``/``chosen``/``rejected`` for DPO.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

from syndgen.errors import ConfigError, InputError
from syndgen.jsonl import read_jsonl

Objective = Literal["sft", "dpo"]
DIFFICULTIES = ("too_easy", "learnable", "too_hard")
COLUMNS: dict[Objective, tuple[str, ...]] = {
    "sft": ("messages",),
    "dpo": ("prompt", "chosen", "rejected"),
}


def parse_mix(spec: str | None) -> dict[str, float]:
    """``learnable=0.7,too_hard=0.3`` -> weights that sum to 1; None or '' -> {}."""
    if not spec:
        return {}
    weights: dict[str, float] = {}
    for part in spec.split(","):
        name, sep, value = part.strip().partition("=")
        if not sep or name not in DIFFICULTIES:
            raise ConfigError(
                f"--mix {spec!r}: {part.strip()!r} is not DIFFICULTY=WEIGHT",
                hint=f"difficulties: {', '.join(DIFFICULTIES)}; e.g. --mix learnable=0.7,too_hard=0.3",
            )
        try:
            weight = float(value)
        except ValueError:
            raise ConfigError(f"--mix {spec!r}: weight {value!r} is not a number") from None
        if weight < 0:
            raise ConfigError(f"--mix {spec!r}: weight of {name} is negative")
        weights[name] = weight
    total = sum(weights.values())
    if total <= 0:
        raise ConfigError(f"--mix {spec!r}: the weights sum to zero")
    return {name: w / total for name, w in weights.items()}


def source_files(path: Path, objective: Objective) -> list[Path]:
    """The JSONL file(s) ``path`` names: itself, or a run folder's export for ``objective``."""
    if path.is_file():
        return [path]
    if not path.is_dir():
        raise InputError(f"training data not found: {path}", hint="give a run folder or a .jsonl file")
    export = path / "data" / f"{objective}.jsonl"
    if not export.is_file():
        raise InputError(
            f"{path} holds no {objective} export ({export.relative_to(path)})",
            hint=f"run `syndgen export {path}` first",
        )
    return [export]


def keep_columns(row: dict[str, Any], objective: Objective, where: str) -> dict[str, Any]:
    """The row reduced to the trainer's columns (and ``difficulty``), or an error naming the gap."""
    absent = [c for c in COLUMNS[objective] if c not in row]
    if absent:
        raise InputError(
            f"{where}: row has no {', '.join(absent)} column for --objective {objective}",
            hint="SFT reads the sft export (messages), DPO the dpo export (prompt, chosen, rejected)",
        )
    kept = {c: row[c] for c in COLUMNS[objective]}
    if "difficulty" in row:
        kept["difficulty"] = row["difficulty"]
    return kept


def load_rows(paths: Sequence[Path], objective: Objective) -> list[dict[str, Any]]:
    """Every row of every input, in order, reduced to the trainer's columns."""
    rows: list[dict[str, Any]] = []
    for path in paths:
        for file in source_files(path, objective):
            rows.extend(keep_columns(r, objective, str(file)) for r in read_jsonl(file))
    if not rows:
        raise InputError("no training rows in " + ", ".join(map(str, paths)))
    return rows


def apply_mix(rows: list[dict[str, Any]], mix: dict[str, float], seed: int) -> list[dict[str, Any]]:
    """Resample rows so each difficulty set holds its weight's share of as many rows as the sets hold.

    A set smaller than its share repeats its rows in turn, a larger one gives a seeded sample.

        Rows without a ``difficulty`` are an error when a mix is asked for; a weighted set with no
        rows is an error too (the weight could not be honoured).
    """
    if not mix:
        return rows
    groups: dict[str, list[dict[str, Any]]] = {name: [] for name in mix}
    for row in rows:
        level = row.get("difficulty")
        if level is None:
            raise InputError("--mix needs rows rated by the student gate (a 'difficulty' column)")
        if level in groups:
            groups[level].append(row)
    empty = [name for name, group in groups.items() if not group and mix[name] > 0]
    if empty:
        raise InputError(f"--mix weights {', '.join(empty)} but the data holds no such rows")
    total = sum(len(group) for group in groups.values())
    rng = random.Random(seed)
    mixed: list[dict[str, Any]] = []
    for name, group in groups.items():
        want = round(total * mix[name])
        order = rng.sample(group, len(group)) if group else []
        mixed.extend(order[i % len(order)] for i in range(want) if order)
    rng.shuffle(mixed)
    return mixed


def split(
    rows: list[dict[str, Any]], fraction: float, seed: int
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """``(train, eval)``: a seeded ``fraction`` of the rows held out (at least one when > 0)."""
    if not 0 <= fraction < 1:
        raise ConfigError(f"--eval-split {fraction} must be in [0, 1)")
    order = list(range(len(rows)))
    random.Random(seed).shuffle(order)
    held = max(1, round(len(rows) * fraction)) if fraction > 0 and len(rows) > 1 else 0
    held_out = {i for i in order[:held]}
    train = [r for i, r in enumerate(rows) if i not in held_out]
    evaluation = [r for i, r in enumerate(rows) if i in held_out]
    return train, evaluation
