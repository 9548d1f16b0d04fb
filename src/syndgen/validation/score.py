"""The overall score in [0, 1] and the verdict against the platform's bars.

Each measured family gives one component in [0, 1] (1 = indistinguishable from the reference,
or no worse than it):

* similarity: text: MAUVE; table: SDMetrics' quality score;
* coverage: text: the share of reference clusters reached; table: mean range / category coverage;
* diversity (text): the mean of ``synthetic distinct-2 / reference distinct-2`` and
  ``(1 - synthetic self-similarity) / (1 - reference self-similarity)``, each capped at 1, times
  ``1 - max(0, synthetic near-duplicate rate - reference near-duplicate rate)``;
* utility: ``min(1, TSTR / TRTR accuracy)``;
* privacy: text: ``min(1, DCR ratio) * (1 - near-copy share)``; table: SDMetrics'
  ``DCRBaselineProtection`` score ``* (1 - exact-copy share)``;
* bias (text): ``1 - the largest total variation`` of a term axis' representation.

``overall`` is the plain mean of the components that were measured. The verdict checks the bars:
similarity > 0.85, coverage >= 0.95 and utility ratio >= 0.9 (those measured); it passes when
every measured bar does.
"""

from __future__ import annotations

from typing import Any

BARS = {
    "similarity": (0.85, ">"),
    "coverage": (0.95, ">="),
    "utility": (0.9, ">="),
}


def _cap(value: float) -> float:
    return max(0.0, min(1.0, value))


def _ratio(synth: float | None, real: float | None) -> float | None:
    if synth is None or real is None:
        return None
    if real <= 0:
        return 1.0 if synth <= 0 else _cap(synth)
    return _cap(synth / real)


def diversity_component(synth: dict[str, Any], real: dict[str, Any]) -> float:
    parts = [_ratio(synth["distinct_2"], real["distinct_2"])]
    if synth.get("self_similarity") is not None and real.get("self_similarity") is not None:
        parts.append(_ratio(1.0 - synth["self_similarity"], 1.0 - real["self_similarity"]))
    found = [p for p in parts if p is not None]
    spread = sum(found) / len(found) if found else 1.0
    excess = max(0.0, synth["near_duplicate_rate"] - real["near_duplicate_rate"])
    return _cap(spread * (1.0 - excess))


def _text_components(metrics: dict[str, Any]) -> dict[str, float]:
    found: dict[str, float] = {}
    if "similarity" in metrics:
        found["similarity"] = _cap(metrics["similarity"]["mauve"])
    if "coverage" in metrics:
        found["coverage"] = _cap(metrics["coverage"]["share"])
    if "diversity" in metrics:
        d = metrics["diversity"]
        found["diversity"] = diversity_component(d["synthetic"], d["reference"])
    if "privacy" in metrics:
        p = metrics["privacy"]
        ratio = p["dcr_ratio"] if p["dcr_ratio"] is not None else 1.0
        found["privacy"] = _cap(min(1.0, ratio) * (1.0 - p["near_copies"]))
    if "bias" in metrics:
        found["bias"] = _cap(metrics["bias"]["score"])
    return found


def _table_components(metrics: dict[str, Any]) -> dict[str, float]:
    found: dict[str, float] = {}
    if "quality" in metrics:
        found["similarity"] = _cap(metrics["quality"]["score"])
    if "coverage" in metrics:
        found["coverage"] = _cap(metrics["coverage"]["share"])
    if "privacy" in metrics:
        p = metrics["privacy"]
        found["privacy"] = _cap(p["dcr_baseline_protection"] * (1.0 - p["exact_copies"]))
    return found


def components(kind: str, metrics: dict[str, Any]) -> dict[str, float]:
    """One score in [0, 1] per measured family."""
    found = _text_components(metrics) if kind == "text" else _table_components(metrics)
    if "utility" in metrics:
        found["utility"] = _cap(metrics["utility"]["ratio"])
    return found


def _bar_value(name: str, parts: dict[str, float], metrics: dict[str, Any]) -> float | None:
    if name == "utility":
        return float(metrics["utility"]["ratio"]) if "utility" in metrics else None
    return parts.get(name)


def verdict(parts: dict[str, float], metrics: dict[str, Any]) -> dict[str, Any]:
    """Each measured bar with its value and whether it passes, and the overall pass."""
    bars: list[dict[str, Any]] = []
    for name, (bar, op) in BARS.items():
        value = _bar_value(name, parts, metrics)
        if value is None:
            continue
        ok = value > bar if op == ">" else value >= bar
        bars.append({"name": name, "value": value, "bar": f"{op} {bar}", "passed": ok})
    failed = [str(b["name"]) for b in bars if not b["passed"]]
    if not bars:
        summary = "no bar measured"
    elif failed:
        summary = f"below the bar on {', '.join(failed)}"
    else:
        summary = "meets every measured bar"
    return {"passed": bool(bars) and not failed, "bars": bars, "summary": summary}


def overall(parts: dict[str, float]) -> float | None:
    return sum(parts.values()) / len(parts) if parts else None
