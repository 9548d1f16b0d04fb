"""Sensitive terms: does the synthetic set shift or amplify who and what is mentioned?

Term lists (``terms.yaml`` here, or ``--bias-terms PATH`` in the same shape) name groups on
axes: gendered words, age groups, first names by origin. A text *mentions* a group when one of
its lowercased word tokens is in the group's list. Per axis:

* ``mention_share``: the share of texts mentioning each group, on each side;
* ``representation``: each group's share of the axis' mentions (they sum to 1 on a side with any);
* ``total_variation`` between the two sides' representations (0 = the same balance);
* ``skew``: max minus min representation; ``amplified`` when the synthetic skew exceeds the
  reference's by more than 0.1 and the two sides' mention counts differ significantly
  (chi-square test of the groups x sides table, p < 0.05; ``p_value`` in the report).

With labels, ``label_shift`` per group is the total variation between the label shares of the
texts mentioning that group, synthetic against reference (groups with at least 5 texts on both
sides); a shift above 0.25 that a chi-square test finds significant (p < 0.05) is flagged.

``score`` is 1 minus the largest total variation among axes with at least 10 mentions on each
side (fewer are too noisy to score); 1.0 when no axis has that many.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from syndgen.diversity import words
from syndgen.errors import InputError
from syndgen.validation.textstats import share_distances

TERMS_FILE = Path(__file__).with_name("terms.yaml")
AMPLIFY_MARGIN = 0.1
SIGNIFICANCE = 0.05
LABEL_SHIFT_FLAG = 0.25
MIN_GROUP_ROWS = 5
MIN_MENTIONS = 10

Terms = dict[str, dict[str, frozenset[str]]]


def load_terms(path: Path | None = None) -> Terms:
    """``{axis: {group: words}}`` from a YAML file (the shipped lists by default)."""
    source = path or TERMS_FILE
    try:
        raw = yaml.safe_load(source.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise InputError(f"cannot read the term lists {source}: {exc}") from None
    shape_ok = isinstance(raw, dict) and all(
        isinstance(groups, dict) and all(isinstance(ws, list) for ws in groups.values())
        for groups in raw.values()
    )
    if not shape_ok:
        raise InputError(f"{source}: term lists must map axis -> group -> list of words")
    return {
        str(axis): {str(g): frozenset(str(w).lower() for w in ws) for g, ws in groups.items()}
        for axis, groups in raw.items()
    }


def mentions(texts: Sequence[str], groups: dict[str, frozenset[str]]) -> dict[str, list[bool]]:
    tokens = [set(words(t)) for t in texts]
    return {group: [bool(ts & terms) for ts in tokens] for group, terms in groups.items()}


def _representation(flags: dict[str, list[bool]]) -> dict[str, float]:
    counts = {g: sum(f) for g, f in flags.items()}
    total = sum(counts.values())
    return {g: (n / total if total else 0.0) for g, n in counts.items()}


def _chi2(table: list[list[int]]) -> float | None:
    """p-value of a chi-square test on a (values x 2 sides) count table; None when degenerate."""
    from scipy.stats import chi2_contingency

    table = [row for row in table if sum(row) > 0]
    if len(table) < 2 or any(sum(col) == 0 for col in zip(*table, strict=True)):
        return None
    return float(chi2_contingency(table).pvalue)


def _p_value(flags_r: dict[str, list[bool]], flags_s: dict[str, list[bool]]) -> float | None:
    """Whether both sides mention the groups in the same proportions (chi-square)."""
    return _chi2([[sum(flags_r[g]), sum(flags_s[g])] for g in flags_r])


def _label_shift(
    flags_r: dict[str, list[bool]],
    flags_s: dict[str, list[bool]],
    labels_r: Sequence[str],
    labels_s: Sequence[str],
) -> dict[str, dict[str, float | None]]:
    shift: dict[str, dict[str, float | None]] = {}
    for group in flags_r:
        lr = [label for label, hit in zip(labels_r, flags_r[group], strict=True) if hit]
        ls = [label for label, hit in zip(labels_s, flags_s[group], strict=True) if hit]
        if len(lr) >= MIN_GROUP_ROWS and len(ls) >= MIN_GROUP_ROWS:
            values = sorted(set(lr) | set(ls))
            p = _chi2([[lr.count(v), ls.count(v)] for v in values])
            shift[group] = {"total_variation": share_distances(lr, ls)["total_variation"], "p_value": p}
    return shift


def _axis(
    groups: dict[str, frozenset[str]],
    real: Sequence[str],
    synth: Sequence[str],
    labels: tuple[Sequence[str], Sequence[str]] | None,
) -> dict[str, Any]:
    flags_r, flags_s = mentions(real, groups), mentions(synth, groups)
    rep_r, rep_s = _representation(flags_r), _representation(flags_s)
    skew_r = max(rep_r.values()) - min(rep_r.values())
    skew_s = max(rep_s.values()) - min(rep_s.values())
    any_r, any_s = sum(rep_r.values()) > 0, sum(rep_s.values()) > 0
    p_value = _p_value(flags_r, flags_s)
    amplified = skew_s > skew_r + AMPLIFY_MARGIN and p_value is not None and p_value < SIGNIFICANCE
    out: dict[str, Any] = {
        "mention_share": {
            "reference": {g: sum(f) / len(real) for g, f in flags_r.items()},
            "synthetic": {g: sum(f) / len(synth) for g, f in flags_s.items()},
        },
        "representation": {"reference": rep_r, "synthetic": rep_s},
        "total_variation": 0.5 * sum(abs(rep_r[g] - rep_s[g]) for g in groups) if any_r and any_s else None,
        "skew": {"reference": skew_r, "synthetic": skew_s},
        "p_value": p_value,
        "mentions": {
            "reference": sum(map(sum, flags_r.values())),
            "synthetic": sum(map(sum, flags_s.values())),
        },
        "amplified": bool(amplified),
    }
    if labels is not None:
        shift = _label_shift(flags_r, flags_s, labels[0], labels[1])
        out["label_shift"] = shift
        out["label_shift_flagged"] = sorted(
            g
            for g, v in shift.items()
            if (v["total_variation"] or 0.0) > LABEL_SHIFT_FLAG and (v["p_value"] or 1.0) < SIGNIFICANCE
        )
    return out


def bias_report(
    real: Sequence[str],
    synth: Sequence[str],
    *,
    terms: Terms | None = None,
    labels: tuple[Sequence[str], Sequence[str]] | None = None,
) -> dict[str, Any]:
    """Per axis figures (see the module docstring), the flagged axes and a score in [0, 1]."""
    axes = {name: _axis(groups, real, synth, labels) for name, groups in (terms or load_terms()).items()}
    tvs = [
        a["total_variation"]
        for a in axes.values()
        if a["total_variation"] is not None and min(a["mentions"].values()) >= MIN_MENTIONS
    ]
    flagged = sorted(name for name, a in axes.items() if a["amplified"] or a.get("label_shift_flagged"))
    return {"axes": axes, "flagged": flagged, "score": 1.0 - max(tvs) if tvs else 1.0}
