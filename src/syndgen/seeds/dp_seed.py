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
SPENT_KEY = "dp_seed_spent"
"""The run store's meta key saying what the fit spent, against which file (shown in the card)."""


def _text(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def synthetic_rows(config: DpSeedConfig, count: int, run_seed: int) -> tuple[list[dict[str, str]], str]:
    """Fit the DP model on ``config.columns`` of ``config.path`` and draw ``count`` rows; also
    what the fit spent (``epsilon E, delta D, sha256 H``)."""
    from syndgen.extras import require

    require("tabular", "task.dp_seed")
    from syndgen.tabular import synth
    from syndgen.tabular.ledger import Ledger
    from syndgen.tabular.workflow import fit_model, prepare

    prepared = prepare(config.path, schema_file=config.types, columns=list(config.columns))
    model, info = fit_model(
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
    return rows, f"epsilon {model.epsilon:g}, delta {model.delta:g}, sha256 {info['sha256']}"


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
    columns = ", ".join(f"`{c}`" for c in dp["columns"])
    synthesizer = str(dp.get("synthesizer", "mst")).upper()
    parts = [
        "Each record was written from one synthetic attribute row drawn from a differentially",
        f"private model ({synthesizer}, OpenDP) fit on the columns {columns} of `{dp['path']}`",
        f"with epsilon = {dp['epsilon']:g} and the delta recorded under Lineage (`dp_seed_spent`,",
        "with the file's SHA-256), one row per person. The generator never saw a real row, so by",
        "post-processing this dataset carries the same guarantee with respect to those columns of",
        "that file. It covers nothing else: the other columns were never read into a prompt, but",
        "the topics, axes, system prompt, prompt overrides, examples and anything else written in",
        "the config are not protected, and neither is what the generator model knows.",
    ]
    return " ".join(parts)
