"""task.dp_seed: the generator writes each record from one synthetic DP row, never a real one.

One real OpenDP fit on a small seed file; a scripted backend captures every prompt."""

import json
import sqlite3

import numpy as np
import pandas as pd
import pytest
import yaml

from fakes import FakeBackend, scripted
from syndgen.config import RunConfig, load_config
from syndgen.errors import ConfigError
from syndgen.export.run_export import export_run
from syndgen.runner.build import build_context
from syndgen.runner.run import run_pipeline

ROWS = 200
RARE = "zebra-fever-ZQX"


def _seed_file(path):
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {
            "patient_name": [f"Patient-{i:03d}-Kx" for i in range(ROWS)],  # never listed: never read
            "age": rng.integers(20, 80, ROWS),
            "diagnosis": rng.choice(["flu", "cold", "asthma"], ROWS),
            "note": [f"real note {i} about a visit" for i in range(ROWS)],
        }
    )
    frame.loc[7, "diagnosis"] = RARE  # one real row only: DP key release must not reveal it
    frame.to_csv(path, index=False)
    return frame


def _config(tmp_path, **dp):
    schema = tmp_path / "types.yaml"
    schema.write_text("columns:\n  age: {type: integer, bounds: [0, 100], bins: 5}\n")
    dp_seed = {
        "path": str(tmp_path / "seed.csv"),
        "columns": ["age", "diagnosis"],
        "epsilon": 2.0,
        "types": str(schema),
        "ledger": str(tmp_path / "ledger.json"),
        **dp,
    }
    return RunConfig(count=4, task={"topics": ["clinical notes"], "dp_seed": dp_seed})


def test_prompts_hold_synthetic_rows_only_and_the_card_states_the_guarantee(tmp_path):
    real = _seed_file(tmp_path / "seed.csv")
    config = _config(tmp_path)
    backend = FakeBackend(scripted())
    ctx = build_context(config, generator=backend, critic=backend, duplicates=False)
    result = run_pipeline(config, tmp_path / "run", context=ctx)
    assert result.samples == 4
    prompts = ["\n".join(m.content for m in r.messages) for r in backend.requests]
    questions = [p for p in prompts if "Topic:" in p]
    assert questions and all("diagnosis: " in p and "age: " in p for p in questions)  # the wiring
    real_only = set(real["patient_name"]) | set(real["note"]) | {RARE}
    assert not [v for v in real_only if any(v in p for p in prompts)]
    # ages come from DP bins, drawn uniformly: the attributes are the stored synthetic rows
    store = sqlite3.connect(tmp_path / "run" / "run.sqlite")
    (stored,) = store.execute("SELECT value FROM meta WHERE key = 'dp_seed_rows'").fetchone()
    rows = json.loads(stored)
    assert len(rows) == config.attempt_cap and {r["diagnosis"] for r in rows} <= {"flu", "cold", "asthma"}
    assert rows[0]["diagnosis"] in questions[0]
    ledger = json.loads((tmp_path / "ledger.json").read_text())
    (entry,) = ledger["datasets"].values()
    assert [(f["epsilon"], f["use"]) for f in entry["fits"]] == [(2.0, "task.dp_seed")]
    export_run(tmp_path / "run")
    card = (tmp_path / "run" / "README.md").read_text()
    assert "## Privacy" in card and "epsilon = 2" in card and "`age`, `diagnosis`" in card
    assert f"dp_seed_spent: `epsilon 2, delta 1e-06, sha256 {next(iter(ledger['datasets']))}`" in card
    # resuming or extending does not fit (nor spend) again
    bigger = config.model_copy(update={"count": 5})
    again = build_context(bigger, generator=backend, critic=backend, duplicates=False)
    run_pipeline(bigger, tmp_path / "run", context=again)
    (after,) = json.loads((tmp_path / "ledger.json").read_text())["datasets"].values()
    assert len(after["fits"]) == 1


def test_bad_dp_seed_configs_are_refused(tmp_path):
    with pytest.raises(ConfigError, match=r"greater than or equal to 0\.1"):
        _config_dict(tmp_path, epsilon=0.01)
    with pytest.raises(ConfigError, match="'topic' is also an axis name"):
        _config_dict(tmp_path, columns=["topic"])


def _config_dict(tmp_path, **dp):
    path = tmp_path / "c.yaml"
    dp_seed = {"path": "seed.csv", "columns": ["age"], "epsilon": 1.0, **dp}
    path.write_text(yaml.safe_dump({"task": {"topics": ["x"], "dp_seed": dp_seed}}))
    return load_config(path)
