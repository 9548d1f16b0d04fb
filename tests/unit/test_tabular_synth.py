"""DP fit and sample through the CLI (one real OpenDP fit per module), the budget ledger's
refusals, and the binning that carries numbers through the synthesizer."""

import json

import numpy as np
import pandas as pd
import pytest

from syndgen.cli import main
from syndgen.errors import ConfigError
from syndgen.tabular import bounds as binning
from syndgen.tabular import synth
from syndgen.tabular.schema import ColumnSpec, TableSchema, resolve_schema

ROWS = 240


def _people(seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    age = rng.integers(18, 81, ROWS)
    old = age > 50
    smoker = np.where(
        old, rng.choice(["yes", "no"], ROWS, p=[0.85, 0.15]), rng.choice(["yes", "no"], ROWS, p=[0.1, 0.9])
    )
    return pd.DataFrame({"person_id": np.arange(ROWS), "age": age, "smoker": smoker})


@pytest.fixture(scope="module")
def fitted(tmp_path_factory):
    root = tmp_path_factory.mktemp("tabular")
    source = root / "people.csv"
    _people().to_csv(source, index=False)
    schema = root / "schema.yaml"
    schema.write_text(
        "columns:\n  age: {type: integer, bounds: [18, 80], bins: 4}\n"
        "  smoker: {type: categorical, categories: ['yes', 'no']}\n"
    )
    ledger = root / "ledger.json"
    args = ["tabular", "fit", str(source), "--epsilon", "3", "--schema", str(schema), "--drop", "person_id"]
    args += ["--out", str(root / "model"), "--ledger", str(ledger), "--budget-epsilon", "4"]
    with pytest.raises(SystemExit) as exit_info:
        main(args)
    assert exit_info.value.code == 0
    return {"root": root, "source": source, "schema": schema, "ledger": ledger, "model": root / "model"}


def _run(args: list[str]) -> int:
    with pytest.raises(SystemExit) as exit_info:
        main(args)
    return int(exit_info.value.code or 0)


def test_fit_writes_a_model_and_records_the_spend(fitted):
    info = json.loads((fitted["model"] / "model.json").read_text())
    assert (info["epsilon"], info["delta"], info["synthesizer"]) == (
        3.0,
        0.0,
        "mst",
    )  # all keys public: pure DP
    assert info["dropped"] == ["person_id"] and info["schema"]["columns"]["person_id"] == {
        "type": "identifier"
    }
    ledger = json.loads(fitted["ledger"].read_text())
    (entry,) = ledger["datasets"].values()
    assert entry["total_epsilon"] == 4.0 and [f["epsilon"] for f in entry["fits"]] == [3.0]


def test_sample_draws_rows_that_keep_the_columns_and_their_relation(fitted, capsys):
    out = fitted["root"] / "synth.parquet"
    assert _run(["tabular", "sample", str(fitted["model"]), "--count", "400", "--out", str(out)]) == 0
    rows = pd.read_parquet(out)
    assert list(rows.columns) == ["age", "smoker"] and len(rows) == 400
    assert rows["age"].between(18, 80).all() and rows["age"].dtype == np.int64
    assert set(rows["smoker"]) <= {"yes", "no"} and rows["smoker"].notna().all()
    old = rows["age"] > 50
    # the real gap is 0.85 vs 0.10; the DP model must keep most of it
    assert (rows.loc[old, "smoker"] == "yes").mean() - (rows.loc[~old, "smoker"] == "yes").mean() > 0.3
    again = synth.sample(synth.load(fitted["model"]), 400, seed=0)
    pd.testing.assert_frame_equal(again, rows)  # same seed, same rows
    assert "wrote" in capsys.readouterr().out


def test_an_over_budget_fit_is_refused_with_one_line_and_writes_nothing(fitted, capsys):
    out = fitted["root"] / "model2"
    args = ["tabular", "fit", str(fitted["source"]), "--epsilon", "2", "--schema", str(fitted["schema"])]
    code = _run([*args, "--drop", "person_id", "--out", str(out), "--ledger", str(fitted["ledger"])])
    err = capsys.readouterr().err
    assert (
        code == 2
        and "over budget: this fit needs epsilon 2" in err
        and "has epsilon 1, delta 1e-05 left of 4" in err
    )
    assert len(err.strip().splitlines()) == 2  # the progress line and the one error line
    assert not out.exists()
    assert (
        _run(["privacy", "budget", str(fitted["source"]), "--ledger", str(fitted["ledger"]), "--json"]) == 0
    )
    assert json.loads(capsys.readouterr().out)["left_epsilon"] == pytest.approx(1.0)


@pytest.mark.parametrize("epsilon", ["0.05", "10.5"])
def test_epsilon_outside_the_range_is_refused(fitted, epsilon, capsys):
    args = ["tabular", "fit", str(fitted["source"]), "--epsilon", epsilon, "--out", str(fitted["root"] / "m")]
    assert _run([*args, "--ledger", str(fitted["ledger"])]) == 2
    assert "is outside [0.1, 10]: below it the data is noise" in capsys.readouterr().err


def test_an_identifier_column_is_refused_unless_marked(fitted, capsys):
    args = ["tabular", "fit", str(fitted["source"]), "--epsilon", "1", "--out", str(fitted["root"] / "m")]
    assert _run([*args, "--ledger", str(fitted["ledger"])]) == 2
    assert "column 'person_id' looks like a direct identifier (its name ('id'))" in capsys.readouterr().err


def test_delta_is_needed_only_when_categories_must_be_learnt():
    frame = _people()[["age", "smoker"]]
    inferred = resolve_schema(frame)
    assert synth.resolve_delta(inferred, None) == synth.DEFAULT_DELTA
    with pytest.raises(ConfigError, match="column 'smoker' lists none"):
        synth.resolve_delta(inferred, 0.0)
    public = TableSchema((ColumnSpec("smoker", "categorical", categories=("yes", "no")),))
    assert synth.resolve_delta(public, 1e-6) == 0.0
    with pytest.raises(ConfigError, match=r"delta 0\.01 must be in"):
        synth.resolve_delta(public, 0.01)
    assert synth.plan_epsilon(inferred, 1.0) == pytest.approx(
        (binning.BOUNDS_SHARE, 1 - binning.BOUNDS_SHARE)
    )
    with pytest.raises(ConfigError, match="unknown synthesizer 'gan'"):
        synth.check_synthesizer("gan")


def test_dp_bounds_cover_the_data_within_a_factor_of_two():
    values = np.random.default_rng(1).uniform(20, 60, 2000)
    low, high = binning.dp_bounds(values, 1.0)
    assert 8 <= low <= 20 and 60 <= high <= 128
    assert binning.bucket_edges(binning.bucket_of(-3.0)) == (-4.0, -2.0)
    assert binning.bucket_of(0.0) == 0


@pytest.mark.parametrize(
    "spec",
    [
        ColumnSpec("n", "integer", bounds=(0, 9), bins=4),
        ColumnSpec("x", "float", bounds=(-1.0, 1.0), bins=8),
        ColumnSpec("t", "datetime", bounds=(1.7e9, 1.8e9), bins=5),
    ],
)
def test_values_come_back_inside_their_bins(spec):
    rng = np.random.default_rng(0)
    low, high = spec.bounds
    values = np.append(rng.uniform(low, high, 200), [np.nan, high + 5])
    if spec.type == "integer":
        values = np.floor(values)
    bins = binning.to_bins(values, spec)
    assert bins[-2] is None and bins[-1] == spec.bins - 1  # missing stays missing; outside is clipped
    drawn = binning.from_bins(bins, spec, rng)
    assert np.isnan(drawn[-2])
    again = binning.to_bins(drawn, spec)
    assert again[:-2] == bins[:-2]
    if spec.type == "integer":
        assert np.all(drawn[~np.isnan(drawn)] == np.floor(drawn[~np.isnan(drawn)]))


def test_privacy_budget_shows_and_sets_the_total(fitted, capsys):
    args = ["privacy", "budget", str(fitted["source"]), "--ledger", str(fitted["ledger"])]
    assert _run([*args, "--total-epsilon", "5"]) == 0
    out = capsys.readouterr().out
    assert "epsilon 3 spent of 5" in out and "mst ->" in out
    assert _run([*args, "--total-epsilon", "2"]) == 2  # below what is spent
    assert "cannot go below" in capsys.readouterr().err
    assert _run([*args, "--total-epsilon", "4"]) == 0
