"""``task.dp_seed``: each record's attributes come from a DP synthesizer, not from real rows.

The run fits a DP model (OpenDP's MST or AIM, see :mod:`syndgen.tabular.synth`) on the listed
columns of the seed file, once, at its first session: the spend goes in the privacy budget
ledger against the file's SHA-256, and the synthetic rows drawn from the model are stored in the
run (so a resumed run neither refits nor spends again). Seed ``i`` takes synthetic row ``i``
modulo their number as attributes, beside its topic and axes; the generator never sees a real
row. By post-processing, everything the run writes carries the fit's (epsilon, delta) guarantee
with respect to those columns of that file, and nothing more: the other columns are never read
into a prompt, but whatever the user writes in the config (topics, axes, system prompt, prompt
overrides, examples) is outside the guarantee.
"""

from __future__ import annotations

import math
from typing import Any

from syndgen.config_sections import DpSeedConfig
from syndgen.records import Seed

META_KEY = "dp_seed_rows"
"""The run store's meta key holding the synthetic rows (JSON)."""


def _text(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def synthetic_rows(config: DpSeedConfig, count: int, run_seed: int) -> list[dict[str, str]]:
    """Fit the DP model on ``config.columns`` of ``config.path`` and draw ``count`` rows."""
    from syndgen.extras import require

    require("tabular", "task.dp_seed")
    from syndgen.tabular import synth
    from syndgen.tabular.ledger import Ledger
    from syndgen.tabular.workflow import fit_model, prepare

    prepared = prepare(config.path, schema_file=config.types, columns=list(config.columns))
    model, _ = fit_model(
        config.path,
        epsilon=config.epsilon,
        delta=config.delta,
        synthesizer=config.synthesizer,
        prepared=prepared,
        ledger=Ledger(config.ledger),
        spend_details={"use": "task.dp_seed"},
    )
    frame = synth.sample(model, count, seed=run_seed)
    rows = []
    for record in frame.to_dict(orient="records"):
        row = {name: _text(value) for name, value in record.items()}
        rows.append({name: text for name, text in row.items() if text is not None})
    return rows


def with_row(seed: Seed, rows: tuple[dict[str, str], ...]) -> Seed:
    """``seed`` with synthetic row ``seed.index`` (modulo) merged into its attributes."""
    if not rows:
        return seed
    row = rows[seed.index % len(rows)]
    return seed.model_copy(update={"attributes": {**seed.attributes, **row}})


def guarantee(config: dict[str, Any]) -> str | None:
    """The dataset card's statement of what the DP guarantee covers, or None without dp_seed."""
    dp = (config.get("task") or {}).get("dp_seed")
    if not dp:
        return None
    delta = dp.get("delta")
    columns = ", ".join(f"`{c}`" for c in dp["columns"])
    return (
        f"Each record was written from one synthetic attribute row drawn from a differentially "
        f"private model ({str(dp.get('synthesizer', 'mst')).upper()}, OpenDP) fit on the columns "
        f"{columns} of `{dp['path']}` with epsilon = {dp['epsilon']:g}"
        f"{'' if delta is None else f', delta = {delta:g}'} (delta 1e-6 when a category list was "
        "learnt, else 0), one row per person. The generator never saw a real row, so by "
        "post-processing this dataset carries the same guarantee with respect to those columns of "
        "that file. It covers nothing else: the other columns were never read into a prompt, but "
        "the topics, axes, system prompt, prompt overrides, examples and anything else written in "
        "the config are not protected, and neither is what the generator model knows."
    )
