"""Differentially private tabular synthesis with OpenDP (MST or AIM over Private-PGM).

``fit`` releases, under ``(epsilon, delta)``-DP with one row per person, a model of the table:
numeric columns become bin indices (see :mod:`.bounds`), categorical columns keep their values,
and OpenDP's contingency table mechanism measures low-order marginals with noise (MST: the
one-way marginals and a maximum spanning tree of pairs; AIM: marginals chosen adaptively) and
fits a graphical model to them. Categories the schema lists are public keys; the others are
discovered privately, which needs ``delta > 0`` (rare categories fold into a missing value).
``sample`` draws rows from the released model: post-processing, it costs no budget.

A model folder holds ``model.json`` (the schema, epsilon, delta, the source's SHA-256) and
``table.pkl`` (OpenDP's released table, a pickle: load only model folders you made).
"""

from __future__ import annotations

import json
import os
import pickle
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from syndgen.errors import ConfigError, InputError
from syndgen.extras import require
from syndgen.tabular import bounds as binning
from syndgen.tabular.schema import NUMERIC, ColumnSpec, TableSchema, column_from_dict, with_bounds

EPSILON_RANGE = (0.1, 10.0)
MAX_DELTA = 1e-3
SYNTHESIZERS = ("mst", "aim")
DEFAULT_DELTA = 1e-6
"""Used when some category must be discovered privately and no delta is given."""
MODEL_FILE, TABLE_FILE = "model.json", "table.pkl"


@dataclass(frozen=True)
class FittedModel:
    schema: TableSchema
    epsilon: float
    delta: float
    synthesizer: str
    table: Any
    dtypes: dict[str, str]
    meta: dict[str, Any]

    @property
    def complete(self) -> list[str]:
        """Columns with no missing value in the source: sampling never leaves them empty."""
        return list(self.meta.get("complete", []))


def check_epsilon(epsilon: float) -> None:
    low, high = EPSILON_RANGE
    if not low <= epsilon <= high:
        raise ConfigError(
            f"epsilon {epsilon:g} is outside [{low:g}, {high:g}]: below it the data is noise, "
            f"above it the guarantee means little"
        )


def check_synthesizer(name: str) -> None:
    if name not in SYNTHESIZERS:
        raise ConfigError(f"unknown synthesizer {name!r} (choose one of {', '.join(SYNTHESIZERS)})")


def needs_delta(schema: TableSchema) -> bool:
    return any(c.type == "categorical" and c.categories is None for c in schema.kept)


def resolve_delta(schema: TableSchema, delta: float | None) -> float:
    """The delta a fit spends: given, or DEFAULT_DELTA when some category is unknown, else 0."""
    if delta is None:
        return DEFAULT_DELTA if needs_delta(schema) else 0.0
    if not 0 <= delta <= MAX_DELTA:
        raise ConfigError(f"delta {delta:g} must be in [0, {MAX_DELTA:g}]")
    if delta == 0 and needs_delta(schema):
        unknown = next(c.name for c in schema.kept if c.type == "categorical" and c.categories is None)
        raise ConfigError(
            f"delta 0 needs every category known: column {unknown!r} lists none",
            hint="list its categories in the schema file, or give --delta above 0",
        )
    if delta > 0 and not needs_delta(schema):
        return 0.0  # every key is public: the mechanism is pure epsilon-DP and spends no delta
    return delta


def plan_epsilon(schema: TableSchema, epsilon: float) -> tuple[float, float]:
    """``(epsilon for DP bounds, epsilon for the synthesizer)``."""
    unbounded = [c for c in schema.kept if c.type in NUMERIC and c.bounds is None]
    share = epsilon * binning.BOUNDS_SHARE if unbounded else 0.0
    return share, epsilon - share


def _dtype(series: Any) -> str:
    import pandas as pd

    if pd.api.types.is_bool_dtype(series):
        return "bool"
    if pd.api.types.is_integer_dtype(series):
        return "int"
    if pd.api.types.is_float_dtype(series):
        return "float"
    return "str"


def _category_text(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _encode(frame: Any, schema: TableSchema) -> tuple[Any, dict[str, list[Any]]]:
    """A polars frame of bin indices and category strings, and the public keys."""
    import polars as pl

    columns: dict[str, Any] = {}
    keys: dict[str, list[Any]] = {}
    for spec in schema.kept:
        if spec.type in NUMERIC:
            values = binning.numeric_values(frame[spec.name], spec)
            columns[spec.name] = pl.Series(spec.name, binning.to_bins(values, spec), dtype=pl.Int64)
            keys[spec.name] = list(range(spec.bins))
        else:
            text = [_category_text(v) for v in frame[spec.name].tolist()]
            columns[spec.name] = pl.Series(spec.name, text, dtype=pl.String)
            if spec.categories is not None:
                keys[spec.name] = list(dict.fromkeys(_category_text(v) for v in spec.categories))
    return pl.DataFrame(columns), keys


def _estimate_bounds(frame: Any, schema: TableSchema, epsilon: float) -> TableSchema:
    unbounded = [c for c in schema.kept if c.type in NUMERIC and c.bounds is None]
    specs = []
    for spec in schema.columns:
        if spec in unbounded:
            values = binning.numeric_values(frame[spec.name], spec)
            spec = with_bounds(spec, binning.dp_bounds(values, epsilon / len(unbounded)))
        specs.append(spec)
    return TableSchema(tuple(specs))


@dataclass(frozen=True)
class Released:
    """What sampling needs of OpenDP's release: the graphical model and each column's keys."""

    model: Any
    """A Private-PGM ``MarkovRandomField`` (picklable, unlike OpenDP's whole table)."""
    keys: dict[str, list[Any]]

    def has_values(self, column: str) -> bool:
        return any(key is not None for key in self.keys[column])

    def synthesize(self, rows: int) -> Any:
        import polars as pl

        indices = self.model.synthetic_data(rows, "sample").df
        return pl.DataFrame(
            {c: pl.Series(c, [keys[i] for i in indices[c].to_numpy()]) for c, keys in self.keys.items()}
        )


def _release_once(
    data: Any, keys: dict[str, list[Any]], epsilon: float, delta: float, synthesizer: str
) -> Released:
    import opendp.prelude as dp
    from opendp.extras import mbi

    dp.enable_features("contrib")
    loss = dp.loss_of(epsilon=epsilon, delta=delta) if delta > 0 else dp.loss_of(epsilon=epsilon)
    context = dp.Context.compositor(
        data=data.lazy(), privacy_unit=dp.unit_of(contributions=1), privacy_loss=loss, split_evenly_over=1
    )
    algorithm = mbi.MST() if synthesizer == "mst" else mbi.AIM()
    query = context.query().select(list(data.columns)).contingency_table(keys=keys, algorithm=algorithm)
    table = query.release()
    return Released(table.model, {c: table.keys[c].to_list() for c in data.columns})


RELEASE_TRIES = 3


def _release(
    data: Any, keys: dict[str, list[Any]], epsilon: float, delta: float, synthesizer: str
) -> Released:
    """OpenDP's release. Its internal budget split can refuse its own next query by a rounding
    error (``insufficient budget for query: 0.14999999999999988 > 0.14999999999999986``); that
    check compares privacy maps of public parameters only, so the refusal says nothing about the
    data, nothing was released, and trying again with epsilon a hair smaller stays within budget."""
    from opendp.mod import OpenDPException

    for attempt in range(RELEASE_TRIES):
        try:
            return _release_once(data, keys, epsilon * (1 - 1e-6 * attempt), delta, synthesizer)
        except OpenDPException as exc:
            if "insufficient budget" not in str(exc) or attempt == RELEASE_TRIES - 1:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


def fit(
    frame: Any, schema: TableSchema, *, epsilon: float, delta: float | None = None, synthesizer: str = "mst"
) -> FittedModel:
    """Release a DP model of ``frame``'s kept columns; spends exactly ``(epsilon, delta)``."""
    require("tabular", "DP tabular synthesis")
    check_epsilon(epsilon)
    check_synthesizer(synthesizer)
    spent_delta = resolve_delta(schema, delta)
    eps_bounds, eps_table = plan_epsilon(schema, epsilon)
    started = time.perf_counter()
    if eps_bounds:
        schema = _estimate_bounds(frame, schema, eps_bounds)
    data, keys = _encode(frame, schema)
    table = _release(data, keys, eps_table, spent_delta, synthesizer)
    meta = {
        "rows": len(frame),
        "epsilon_bounds": eps_bounds,
        "epsilon_synthesizer": eps_table,
        "fit_seconds": round(time.perf_counter() - started, 2),
        "complete": [c.name for c in schema.kept if not frame[c.name].isna().any()],
    }
    dtypes = {c.name: _dtype(frame[c.name]) for c in schema.kept}
    return FittedModel(schema, epsilon, spent_delta, synthesizer, table, dtypes, meta)


def _restore(values: list[Any], kind: str) -> Any:
    import pandas as pd

    series = pd.Series(values, dtype=object)
    if kind == "str":
        return series
    numbers = pd.to_numeric(series, errors="coerce")
    if kind == "float":
        return numbers
    if kind == "bool":
        return series.map({"True": True, "False": False, "1": True, "0": False})
    return numbers.astype("Int64") if numbers.isna().any() else numbers.astype("int64")


def _decode(spec: ColumnSpec, values: list[Any], kind: str, rng: Any) -> Any:
    import pandas as pd

    if spec.type not in NUMERIC:
        return _restore(values, kind)
    drawn = binning.from_bins(values, spec, rng)
    if spec.type == "datetime":
        return pd.to_datetime(pd.Series(drawn).round(), unit="s", utc=True)
    series = pd.Series(drawn)
    if spec.type == "integer":
        return series.astype("Int64") if series.isna().any() else series.astype("int64")
    return series


MAX_DRAWS = 20


def _draw(model: FittedModel, count: int) -> Any:
    """``count`` rows of bin indices and categories, none empty in a complete column.

    A value the model cannot place (a category too rare to be released, or a missing value)
    comes out empty; in a column that had no missing value such rows are drawn again (rejection
    sampling from the released model: still post-processing)."""
    import polars as pl

    # A column that released no category at all stays empty rather than failing the draw.
    complete = [c for c in model.complete if c in model.dtypes and model.table.has_values(c)]
    kept: list[Any] = []
    have = 0
    for _ in range(MAX_DRAWS):
        rows = model.table.synthesize(max(count - have, 16) * 2)
        if complete:
            rows = rows.drop_nulls(subset=complete)
        kept.append(rows)
        have += len(rows)
        if have >= count:
            return pl.concat(kept).head(count)
    raise InputError(
        f"the model leaves most rows empty in {', '.join(complete)}: too few rows per category "
        f"were seen at this epsilon to release the category list",
        hint="list the categories in the schema file, or fit with a larger epsilon",
    )


def sample(model: FittedModel, count: int, *, seed: int = 0) -> Any:
    """``count`` synthetic rows (a pandas DataFrame) in the source's column order."""
    import numpy as np
    import pandas as pd

    if count < 1:
        raise InputError("count must be at least 1")
    np.random.seed(seed)  # OpenDP and Private-PGM draw from numpy's global generator
    rng = np.random.default_rng(seed)
    rows = _draw(model, count)
    columns = {
        spec.name: _decode(spec, rows[spec.name].to_list(), model.dtypes[spec.name], rng)
        for spec in model.schema.kept
    }
    return pd.DataFrame(columns)


# --------------------------------------------------------------------------- the model folder


def _atomic_write(path: Path, data: bytes) -> None:
    handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    with os.fdopen(handle, "wb") as out:
        out.write(data)
    os.replace(tmp, path)


def save(model: FittedModel, out: str | Path, **extra: Any) -> Path:
    folder = Path(out)
    if folder.exists() and not (folder / MODEL_FILE).is_file() and any(folder.iterdir()):
        raise InputError(f"{folder}: the folder holds other files; choose an empty or new --out")
    folder.mkdir(parents=True, exist_ok=True)
    info = {
        "format": 1,
        "synthesizer": model.synthesizer,
        "epsilon": model.epsilon,
        "delta": model.delta,
        "schema": model.schema.to_dict(),
        "dropped": model.schema.dropped,
        "dtypes": model.dtypes,
        **model.meta,
        **extra,
    }
    _atomic_write(folder / TABLE_FILE, pickle.dumps(model.table))
    _atomic_write(folder / MODEL_FILE, (json.dumps(info, indent=2) + "\n").encode())
    return folder


def load(folder: str | Path) -> FittedModel:
    require("tabular", "sampling a DP model")
    path = Path(folder)
    if not (path / MODEL_FILE).is_file() or not (path / TABLE_FILE).is_file():
        raise InputError(f"{path}: not a model folder (made by `syndgen tabular fit`)")
    info = json.loads((path / MODEL_FILE).read_text(encoding="utf-8"))
    with (path / TABLE_FILE).open("rb") as handle:
        table = pickle.load(handle)  # the folder is one this user's fit wrote
    specs = [column_from_dict(name, raw) for name, raw in info["schema"]["columns"].items()]
    schema = TableSchema(tuple(specs))
    meta = {k: v for k, v in info.items() if k not in {"synthesizer", "epsilon", "delta", "schema", "dtypes"}}
    return FittedModel(
        schema, info["epsilon"], info["delta"], info["synthesizer"], table, info["dtypes"], meta
    )
