"""Column types of a table: inferred from the data, or set in a small YAML file.

A schema file names columns and their types; columns it does not name are inferred::

    columns:
      age: {type: integer, bounds: [18, 90], bins: 8}
      sex: {type: categorical, categories: [F, M]}
      diagnosis: categorical
      visit: {type: datetime, bounds: ["2020-01-01", "2024-12-31"]}
      patient_id: identifier          # dropped: never enters the synthesizer

Types: ``categorical`` (its ``categories`` are public when listed, else released with DP, which
needs a delta above zero), ``integer``, ``float`` and ``datetime`` (binned: ``bounds`` given here
are public; without them the bounds are estimated with part of the budget), and ``identifier``
(dropped). Inference reads the data (dtypes and distinct counts), so the inferred *types* are
not covered by the guarantee: set them in the file when that matters.

The identifier guard: a column whose name or values look like a direct identifier (a name,
email, phone, record id, an all-unique string column, an integer column that is a range) is
refused unless the schema file gives it a type (``identifier`` drops it; any other type keeps it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

import yaml

from syndgen.errors import ConfigError, InputError

ColumnType = Literal["categorical", "integer", "float", "datetime", "identifier"]
TYPES: tuple[str, ...] = ("categorical", "integer", "float", "datetime", "identifier")
NUMERIC = ("integer", "float", "datetime")
DEFAULT_BINS = 10
MAX_INFERRED_CATEGORIES = 20
"""An integer column with at most this many distinct values is inferred categorical."""

IDENTIFIER_TOKENS = frozenset(
    {"id", "uuid", "guid", "ssn", "email", "mail", "phone", "mobile", "name", "surname", "firstname",
     "lastname", "fullname", "username", "mrn", "passport", "iban", "address", "nhs", "ip"}
)  # fmt: skip
_WORDS = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")
_KEYS = {"type", "categories", "bounds", "bins"}


@dataclass(frozen=True)
class ColumnSpec:
    """One column: its type, public categories or bounds when known, bins for numbers."""

    name: str
    type: ColumnType
    categories: tuple[Any, ...] | None = None
    bounds: tuple[float, float] | None = None
    bins: int = DEFAULT_BINS
    declared: bool = False
    """True when the schema file set this column (the identifier guard then trusts it)."""

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": self.type}
        if self.categories is not None:
            out["categories"] = list(self.categories)
        if self.bounds is not None:
            out["bounds"] = list(self.bounds)
        if self.type in NUMERIC:
            out["bins"] = self.bins
        return out


@dataclass(frozen=True)
class TableSchema:
    columns: tuple[ColumnSpec, ...]

    @property
    def kept(self) -> tuple[ColumnSpec, ...]:
        """The columns that enter the synthesizer (identifiers dropped)."""
        return tuple(c for c in self.columns if c.type != "identifier")

    @property
    def dropped(self) -> list[str]:
        return [c.name for c in self.columns if c.type == "identifier"]

    def to_dict(self) -> dict[str, Any]:
        return {"columns": {c.name: c.to_dict() for c in self.columns}}


# --------------------------------------------------------------------------- the schema file


def _datetime_bound(value: Any, where: str) -> float:
    import pandas as pd

    try:
        return float(pd.Timestamp(value).value // 10**9)
    except (ValueError, TypeError) as exc:
        raise ConfigError(f"{where}: {value!r} is not a date") from exc


def _bounds(raw: Any, kind: str, where: str) -> tuple[float, float] | None:
    if raw is None:
        return None
    if not isinstance(raw, list | tuple) or len(raw) != 2:
        raise ConfigError(f"{where}: bounds must be [low, high]")
    if kind == "datetime":
        low, high = (_datetime_bound(v, where) for v in raw)
    elif all(isinstance(v, int | float) and not isinstance(v, bool) for v in raw):
        low, high = float(raw[0]), float(raw[1])
    else:
        raise ConfigError(f"{where}: bounds must be two numbers")
    if not low < high:
        raise ConfigError(f"{where}: bounds must be [low, high] with low < high")
    return low, high


def _check_keys(raw: dict[str, Any], kind: str, where: str) -> None:
    unknown = sorted(set(raw) - _KEYS)
    if unknown:
        raise ConfigError(f"{where}: unknown key {unknown[0]!r} (keys: {', '.join(sorted(_KEYS))})")
    if kind not in NUMERIC and ("bounds" in raw or "bins" in raw):
        raise ConfigError(f"{where}: bounds and bins are for integer, float and datetime columns")
    if kind != "categorical" and "categories" in raw:
        raise ConfigError(f"{where}: categories are for categorical columns")


def parse_column(name: str, raw: Any, where: str = "schema") -> ColumnSpec:
    """One entry of the schema file's ``columns`` mapping."""
    where = f"{where}: column {name!r}"
    entry = {"type": raw} if isinstance(raw, str) else raw
    if not isinstance(entry, dict):
        raise ConfigError(f"{where}: give a type name or a mapping with 'type'")
    kind = entry.get("type")
    if kind not in TYPES:
        raise ConfigError(f"{where}: type must be one of {', '.join(TYPES)} (got {kind!r})")
    _check_keys(entry, kind, where)
    categories = entry.get("categories")
    if categories is not None and (not isinstance(categories, list) or not categories):
        raise ConfigError(f"{where}: categories must be a non-empty list")
    bins = entry.get("bins", DEFAULT_BINS)
    if not isinstance(bins, int) or isinstance(bins, bool) or not 2 <= bins <= 64:
        raise ConfigError(f"{where}: bins must be an integer from 2 to 64")
    return ColumnSpec(
        name=name,
        type=kind,
        categories=tuple(categories) if categories is not None else None,
        bounds=_bounds(entry.get("bounds"), kind, where),
        bins=bins,
        declared=True,
    )


def load_schema_file(path: str | Path) -> dict[str, ColumnSpec]:
    """The columns a schema YAML declares, by name."""
    file = Path(path)
    if not file.is_file():
        raise InputError(f"{file}: schema file not found")
    try:
        data = yaml.safe_load(file.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ConfigError(f"{file}: not valid YAML ({str(exc).splitlines()[0]})") from exc
    if not isinstance(data, dict) or not isinstance(data.get("columns"), dict) or set(data) != {"columns"}:
        raise ConfigError(f"{file}: a schema file is a mapping with one key, 'columns'")
    return {str(name): parse_column(str(name), raw, str(file)) for name, raw in data["columns"].items()}


# --------------------------------------------------------------------------- inference


def name_tokens(name: str) -> list[str]:
    """``patientId`` -> ``[patient, id]``; ``E-Mail`` -> ``[e, mail]``."""
    return [w.lower() for w in _WORDS.findall(name)]


def identifier_reason(name: str, series: Any) -> str | None:
    """Why a column looks like a direct identifier, or None when it does not."""
    import pandas as pd

    tokens = name_tokens(name)
    joined = "".join(tokens)
    hit = next((t for t in tokens if t in IDENTIFIER_TOKENS), None)
    if hit or joined in IDENTIFIER_TOKENS:
        return f"its name ({hit or joined!r})"
    values = series.dropna()
    if values.empty:
        return None
    if (
        pd.api.types.is_integer_dtype(values)
        and len(values) >= 20
        and values.is_unique
        and int(values.max()) - int(values.min()) + 1 == len(values)
    ):
        return "its values are a run of distinct integers (a record number)"
    if values.dtype == object or pd.api.types.is_string_dtype(values):
        text = values.astype(str)
        if text.str.match(_EMAIL.pattern).mean() > 0.5:
            return "its values are email addresses"
        if len(text) >= 20 and text.is_unique:
            return "every value is a distinct string"
    return None


def infer_column(name: str, series: Any) -> ColumnSpec:
    """The type a column's dtype and distinct values suggest."""
    import pandas as pd

    if pd.api.types.is_bool_dtype(series):
        return ColumnSpec(name, "categorical")
    if pd.api.types.is_datetime64_any_dtype(series):
        return ColumnSpec(name, "datetime")
    if pd.api.types.is_integer_dtype(series):
        if series.nunique(dropna=True) <= MAX_INFERRED_CATEGORIES:
            return ColumnSpec(name, "categorical")
        return ColumnSpec(name, "integer")
    if pd.api.types.is_float_dtype(series):
        return ColumnSpec(name, "float")
    return ColumnSpec(name, "categorical")


def resolve_schema(
    frame: Any, declared: dict[str, ColumnSpec] | None = None, drop: list[str] | tuple[str, ...] = ()
) -> TableSchema:
    """Every column's spec: declared ones as given, ``drop`` as identifiers, the rest inferred.

    Raises InputError for a declared or dropped column the table lacks and for an undeclared
    column that looks like a direct identifier.
    """
    declared = dict(declared or {})
    for name in drop:
        declared[name] = ColumnSpec(name, "identifier", declared=True)
    absent = [name for name in declared if name not in frame.columns]
    if absent:
        raise InputError(
            f"the schema names column {absent[0]!r}, which the table lacks; "
            f"columns are {', '.join(map(repr, frame.columns))}"
        )
    specs = []
    for name in frame.columns:
        if name in declared:
            specs.append(declared[name])
            continue
        reason = identifier_reason(name, frame[name])
        if reason:
            raise InputError(
                f"column {name!r} looks like a direct identifier ({reason})",
                hint=f"drop it with --drop {name} or '{name}: identifier' in the schema file, "
                f"or give it a type there to keep it",
            )
        specs.append(infer_column(name, frame[name]))
    schema = TableSchema(tuple(specs))
    if not schema.kept:
        raise InputError("no column is left to synthesize once the identifiers are dropped")
    return schema


def column_from_dict(name: str, raw: dict[str, Any]) -> ColumnSpec:
    """A column as :meth:`ColumnSpec.to_dict` wrote it (bounds as numbers, datetimes in seconds)."""
    categories, bounds = raw.get("categories"), raw.get("bounds")
    return ColumnSpec(
        name=name,
        type=raw["type"],
        categories=tuple(categories) if categories is not None else None,
        bounds=(float(bounds[0]), float(bounds[1])) if bounds is not None else None,
        bins=int(raw.get("bins", DEFAULT_BINS)),
        declared=True,
    )


def with_bounds(spec: ColumnSpec, bounds: tuple[float, float]) -> ColumnSpec:
    return replace(spec, bounds=bounds)
