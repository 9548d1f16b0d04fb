"""k-anonymity and l-diversity of a table, by pandas group-bys.

An *equivalence class* is the set of rows that share every quasi-identifier value (a missing
value is a value of its own). The table is k-anonymous for the smallest class size ``k``, and
(distinct) l-diverse for the smallest number of distinct sensitive values in a class ``l``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from syndgen.errors import InputError

MAX_LISTED = 50
"""Classes below the target listed in a report (the count of all of them is always given)."""


@dataclass(frozen=True)
class ClassInfo:
    values: dict[str, Any]
    size: int
    distinct_sensitive: int | None = None


@dataclass(frozen=True)
class AnonymityReport:
    rows: int
    quasi_identifiers: tuple[str, ...]
    k: int
    classes: int
    k_target: int
    below_k: list[ClassInfo]
    below_k_count: int
    rows_below_k: int
    sensitive: str | None = None
    l: int | None = None  # noqa: E741 - the name the literature uses
    l_target: int | None = None
    below_l: list[ClassInfo] = field(default_factory=list)
    below_l_count: int = 0

    @property
    def k_ok(self) -> bool:
        return self.k >= self.k_target

    @property
    def l_ok(self) -> bool:
        return self.l is None or self.l_target is None or self.l >= self.l_target

    def to_dict(self) -> dict[str, Any]:
        def listed(items: list[ClassInfo]) -> list[dict[str, Any]]:
            out = []
            for c in items:
                row: dict[str, Any] = {"values": c.values, "size": c.size}
                if c.distinct_sensitive is not None:
                    row["distinct_sensitive"] = c.distinct_sensitive
                out.append(row)
            return out

        return {
            "rows": self.rows,
            "quasi_identifiers": list(self.quasi_identifiers),
            "k": self.k,
            "k_target": self.k_target,
            "k_ok": self.k_ok,
            "classes": self.classes,
            "classes_below_k": self.below_k_count,
            "rows_below_k": self.rows_below_k,
            "below_k": listed(self.below_k),
            "sensitive": self.sensitive,
            "l": self.l,
            "l_target": self.l_target,
            "l_ok": self.l_ok,
            "classes_below_l": self.below_l_count,
            "below_l": listed(self.below_l),
        }


def _plain(values: dict[str, Any]) -> dict[str, Any]:
    """JSON-friendly values: numpy scalars to Python, NaN to None."""
    out: dict[str, Any] = {}
    for key, value in values.items():
        item = value.item() if hasattr(value, "item") else value
        out[key] = None if isinstance(item, float) and item != item else item
    return out


def check_columns(frame: Any, columns: list[str], what: str) -> None:
    absent = [c for c in columns if c not in frame.columns]
    if absent:
        raise InputError(
            f"{what} column {absent[0]!r} is not in the table; "
            f"columns are {', '.join(map(repr, frame.columns))}"
        )


def class_sizes(frame: Any, quasi_identifiers: list[str]) -> Any:
    """Rows per equivalence class (a Series indexed by the QI values)."""
    return frame.groupby(quasi_identifiers, dropna=False, observed=True).size()


def _infos(index_values: Any, names: list[str], sizes: Any, distinct: Any = None) -> list[ClassInfo]:
    out = []
    for position, key in enumerate(index_values):
        values = _plain(dict(zip(names, key if isinstance(key, tuple) else (key,), strict=True)))
        extra = int(distinct.iloc[position]) if distinct is not None else None
        out.append(ClassInfo(values, int(sizes.iloc[position]), extra))
    return out


def anonymity(
    frame: Any,
    quasi_identifiers: list[str],
    *,
    k: int = 5,
    sensitive: str | None = None,
    l: int | None = None,  # noqa: E741
) -> AnonymityReport:
    """The achieved ``k`` (and ``l`` with a sensitive column) and the classes below the targets."""
    if not quasi_identifiers:
        raise InputError("name at least one quasi-identifier column")
    check_columns(frame, quasi_identifiers, "quasi-identifier")
    if frame.empty:
        raise InputError("the table has no rows")
    if k < 1 or (l is not None and l < 1):
        raise InputError("k and l must be at least 1")
    sizes = class_sizes(frame, quasi_identifiers)
    small = sizes[sizes < k].sort_values(kind="stable")
    report: dict[str, Any] = {
        "rows": len(frame),
        "quasi_identifiers": tuple(quasi_identifiers),
        "k": int(sizes.min()),
        "classes": len(sizes),
        "k_target": k,
        "below_k": _infos(small.index[:MAX_LISTED], quasi_identifiers, small),
        "below_k_count": len(small),
        "rows_below_k": int(small.sum()),
    }
    if sensitive is not None:
        if sensitive in quasi_identifiers:
            raise InputError(f"the sensitive column {sensitive!r} cannot also be a quasi-identifier")
        check_columns(frame, [sensitive], "sensitive")
        grouped = frame.groupby(quasi_identifiers, dropna=False, observed=True)[sensitive]
        distinct = grouped.nunique(dropna=False)
        group_sizes = grouped.size()  # the same groups in the same order as ``distinct``
        target = l if l is not None else 2
        mask = (distinct < target).to_numpy()
        low, low_sizes = distinct[mask], group_sizes[mask]
        order = low.to_numpy().argsort(kind="stable")[:MAX_LISTED]
        report |= {
            "sensitive": sensitive,
            "l": int(distinct.min()),
            "l_target": target,
            "below_l": _infos(low.index[order], quasi_identifiers, low_sizes.iloc[order], low.iloc[order]),
            "below_l_count": int(mask.sum()),
        }
    return AnonymityReport(**report)
