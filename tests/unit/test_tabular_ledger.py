"""The privacy budget ledger: spends add up per file hash; over-budget is refused."""

import json

import pytest

from syndgen.errors import InputError
from syndgen.tabular.ledger import DEFAULT_TOTAL_EPSILON, BudgetExceeded, Ledger, default_ledger_path


def test_spends_add_up_and_the_total_is_enforced(tmp_path):
    ledger = Ledger(tmp_path / "ledger.json")
    ledger.set_total("abc", 2.0, 1e-6)
    ledger.spend("abc", 1.5, 0.0, model="m1")
    with pytest.raises(
        BudgetExceeded, match=r"needs epsilon 1, delta 0; the data set has epsilon 0.5, delta 1e-06 left of 2"
    ):
        ledger.check("abc", 1.0, 0.0)
    with pytest.raises(BudgetExceeded, match="delta"):
        ledger.check("abc", 0.1, 1e-5)
    balance = ledger.check("abc", 0.5, 1e-6)
    assert balance.left_epsilon == 0.5
    ledger.spend("abc", 0.5, 1e-6)
    assert ledger.balance("abc").spent_epsilon == 2.0 and ledger.balance("abc").fits == 2
    with pytest.raises(BudgetExceeded, match="another fit spent"):
        ledger.spend("abc", 0.1, 0.0)
    assert ledger.balance("other").total_epsilon == DEFAULT_TOTAL_EPSILON  # budgets are per data set
    saved = json.loads((tmp_path / "ledger.json").read_text())
    assert [f["epsilon"] for f in saved["datasets"]["abc"]["fits"]] == [1.5, 0.5]


def test_the_total_cannot_go_below_what_is_spent(tmp_path):
    ledger = Ledger(tmp_path / "ledger.json")
    ledger.spend("abc", 3.0, 0.0)
    with pytest.raises(BudgetExceeded, match="cannot go below"):
        ledger.set_total("abc", 2.0, 1e-5)
    assert ledger.set_total("abc", 4.0, 1e-5).left_epsilon == 1.0


def test_a_damaged_ledger_is_one_clear_error(tmp_path):
    path = tmp_path / "ledger.json"
    path.write_text("{not json")
    with pytest.raises(InputError, match="not valid JSON"):
        Ledger(path).balance("abc")
    path.write_text("[]")
    with pytest.raises(InputError, match="not a syndgen privacy ledger"):
        Ledger(path).balance("abc")


def test_the_default_location_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("SYNDGEN_LEDGER", str(tmp_path / "mine.json"))
    assert default_ledger_path() == tmp_path / "mine.json"
    monkeypatch.delenv("SYNDGEN_LEDGER")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert default_ledger_path() == tmp_path / "syndgen" / "privacy-ledger.json"
