"""Coverage of a dataset over its seed plan: counts per topic and attribute value against quotas.

The table is ``{axis: {value: {"count": int, "quota": int}}}``; the topic is the axis
``"topic"``; a list-valued attribute counts each of its values. Values in ``quotas`` appear even
when never used (count 0); values seen but not planned appear with quota 0, so nothing is hidden.

Skew of an axis is ``max count / min count`` over its *expected* values: those with a positive
quota, plus any value that was used. When an expected value has count 0 the ratio is infinite;
it is reported as ``None`` so the result stays JSON-safe. An axis with no expected values (no
records yet, or fewer records than values so every quota rounds to 0 and nothing was used) has
skew 1.0.

The check (:func:`coverage_ok`) agrees with the quota plan's own guarantee: an axis passes when
every value's count is within one of its quota (``quota - 1 .. quota + 1``; at least 1 for a
quota of 1, except on an axis with more values than its records hold, where some quotas are 0),
or when its skew is at most ``max_skew``. Small runs pass by construction (quotas of
2 may end 1 and 3, a skew of 3); an axis fails only when some value left that band *and* the
skew is above ``max_skew`` (an empty planned value is an infinite skew).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

TOPIC_AXIS = "topic"

Table = dict[str, dict[str, dict[str, int]]]


def _values(value: Any) -> list[str]:
    if isinstance(value, (list, tuple, set, frozenset)):
        return [str(v) for v in value]
    return [str(value)]


def coverage_table(
    attribute_rows: Iterable[tuple[str, Mapping[str, Any]]], quotas: Mapping[str, Mapping[str, int]]
) -> Table:
    """Count ``(topic, attributes)`` rows into a coverage table against ``quotas``."""
    table: Table = {
        axis: {value: {"count": 0, "quota": int(quota)} for value, quota in values.items()}
        for axis, values in quotas.items()
    }

    def bump(axis: str, value: str) -> None:
        cell = table.setdefault(axis, {}).setdefault(value, {"count": 0, "quota": 0})
        cell["count"] += 1

    for topic, attributes in attribute_rows:
        bump(TOPIC_AXIS, topic)
        for axis, value in attributes.items():
            for item in _values(value):
                bump(axis, item)
    return table


def coverage_skew(table: Mapping[str, Mapping[str, Mapping[str, int]]]) -> dict[str, float | None]:
    """``{axis: max/min count}`` over expected values; None when an expected value is unused."""
    out: dict[str, float | None] = {}
    for axis, cells in table.items():
        counts = [c["count"] for c in cells.values() if c["quota"] > 0 or c["count"] > 0]
        if not counts:
            out[axis] = 1.0
        elif min(counts) == 0:
            out[axis] = None
        else:
            out[axis] = max(counts) / min(counts)
    return out


def band(quota: int, sparse: bool = False) -> tuple[int, int]:
    """The counts the check accepts for a value without looking at the skew: within one of its
    quota, and at least one for a quota of 1 (no planned value ends empty). On a *sparse* axis,
    one with fewer records (or slots) than values, where some values have quota 0, every value
    may end with 0 to 2: the run cannot show every value, so no finished sample is turned away
    to make room for one, and none is used more than twice."""
    if sparse:
        return max(0, quota - 1), max(quota, 1) + 1
    return (quota - 1 if quota >= 2 else quota), quota + 1


def is_sparse(quotas: Iterable[int]) -> bool:
    """An axis with more values than its records can hold: some value has quota 0 (pure)."""
    return any(q == 0 for q in quotas)


def outside_band(cells: Mapping[str, Mapping[str, int]]) -> list[tuple[str, int, int]]:
    """``(value, count, quota)`` for every value of an axis whose count is outside its band."""
    found = []
    sparse = is_sparse(cell["quota"] for cell in cells.values())
    for value, cell in cells.items():
        low, high = band(cell["quota"], sparse)
        if not low <= cell["count"] <= high:
            found.append((value, cell["count"], cell["quota"]))
    return found


def axis_ok(cells: Mapping[str, Mapping[str, int]], skew: float | None, max_skew: float) -> bool:
    """An axis passes when every value is within its band (the plan kept its promise, however
    skewed small counts look: quotas of 2 allow 1 and 3, a skew of 3), or when its skew is at
    most ``max_skew``."""
    return not outside_band(cells) or (skew is not None and skew <= max_skew)


def coverage_ok(table: Mapping[str, Mapping[str, Mapping[str, int]]], max_skew: float = 2.0) -> bool:
    """True when every axis passes :func:`axis_ok`."""
    skews = coverage_skew(table)
    return all(axis_ok(cells, skews[axis], max_skew) for axis, cells in table.items())


def underfilled(table: Mapping[str, Mapping[str, Mapping[str, int]]]) -> list[tuple[str, str, int]]:
    """``(axis, value, missing)`` for every cell below its quota, in table order."""
    return [
        (axis, value, cell["quota"] - cell["count"])
        for axis, cells in table.items()
        for value, cell in cells.items()
        if cell["count"] < cell["quota"]
    ]


def table_counts(table: Mapping[str, Mapping[str, Mapping[str, int]]]) -> dict[str, dict[str, int]]:
    """``{axis: {value: count}}``, per axis."""
    return {axis: {value: cell["count"] for value, cell in cells.items()} for axis, cells in table.items()}
