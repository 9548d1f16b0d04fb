"""k-anonymity, l-diversity, generalisation and synthetic-vs-real risk on hand-built tables."""

import json

import pandas as pd
import pytest

from syndgen.cli import main
from syndgen.errors import InputError
from syndgen.tabular.anonymity import anonymity
from syndgen.tabular.generalise import generalise
from syndgen.tabular.risk import distance_to_closest, exact_match_share

ROWS = [
    # age, zip, sex, diagnosis: four classes whose sizes (3, 2, 4, 1) and distinct diagnoses (2, 1, 4, 1)
    (30, "12345", "F", "flu"), (30, "12345", "F", "flu"), (30, "12345", "F", "cold"),
    (40, "12346", "M", "flu"), (40, "12346", "M", "flu"),
    (50, "12347", "F", "a"), (50, "12347", "F", "b"), (50, "12347", "F", "c"), (50, "12347", "F", "d"),
    (60, None, "M", "e"),
]  # fmt: skip
QIS = ["age", "zip", "sex"]


@pytest.fixture
def table():
    return pd.DataFrame(ROWS, columns=["age", "zip", "sex", "diagnosis"])


def test_k_and_l_of_a_table_whose_answer_is_known(table):
    report = anonymity(table, QIS, k=3, sensitive="diagnosis", l=2)
    assert (report.k, report.l, report.classes) == (1, 1, 4)
    assert report.below_k_count == 2 and report.rows_below_k == 3
    assert [(c.size, c.values["age"]) for c in report.below_k] == [(1, 60), (2, 40)]
    assert report.below_k[0].values["zip"] is None  # a missing value is a class of its own
    assert sorted(c.values["age"] for c in report.below_l) == [40, 60]
    assert not report.k_ok and not report.l_ok
    without_singleton = anonymity(table[table.age != 60], QIS, k=2, sensitive="diagnosis", l=1)
    assert (without_singleton.k, without_singleton.l, without_singleton.k_ok) == (2, 1, True)


def test_bad_columns_are_one_clear_error(table):
    with pytest.raises(InputError, match="quasi-identifier column 'postcode' is not in the table"):
        anonymity(table, ["postcode"])
    with pytest.raises(InputError, match="cannot also be a quasi-identifier"):
        anonymity(table, QIS, sensitive="age")
    with pytest.raises(InputError, match="at least one"):
        anonymity(table, [])


def test_generalisation_reaches_k_and_reports_what_it_lost(table):
    big = pd.concat([table] * 3, ignore_index=True)
    big["age"] = big["age"] + big.index % 7  # make ages distinct enough that k=5 needs binning
    before = anonymity(big, ["age", "zip"], k=5)
    assert before.k < 5
    result = generalise(big, ["age", "zip"], 5, max_suppression=0.1)
    after = anonymity(result.frame, ["age", "zip"], k=5)
    assert after.k >= 5 and result.suppressed == 3  # the three rows with no zip cannot join a class
    assert result.levels["age"] > 0 and 0 < result.precision_loss < 1
    everything = generalise(big, ["age", "zip"], 5, max_suppression=0.0)
    assert everything.precision_loss == 1.0  # no suppression allowed: every column to its top
    assert result.methods == {"age": "bin", "zip": "truncate"}


def test_truncation_and_suppression(table):
    frame = pd.DataFrame({"zip": ["12345", "12346", "12399", "12388", "99999"]})
    result = generalise(frame, ["zip"], 2, max_suppression=0.2)
    assert set(result.frame["zip"]) == {"123**"} and result.suppressed == 1  # '99999' alone is dropped
    assert result.to_dict()["suppressed_share"] == 0.2
    with pytest.raises(InputError, match="no generalisation reaches"):
        generalise(frame, ["zip"], 6)


def test_exact_match_share_and_distance_to_closest_record(table):
    synthetic = table.astype({"age": float})
    synthetic.loc[:4, "age"] = [31.0, 41.0, 51.0, 61.0, 71.0]  # 5 of 10 rows no longer match
    assert exact_match_share(synthetic, table, QIS) == 0.5
    copies = distance_to_closest(table, table, table.sample(frac=1.0, random_state=0))
    assert copies["exact_copies_share"] == 1.0 and copies["synthetic_median"] == 0.0
    far = table.assign(age=table.age + 100, sex="X")
    risk = distance_to_closest(far, table, table)
    assert risk["synthetic_median"] > risk["holdout_median"] and risk["share_closer_than_holdout_p5"] == 0.0


def test_privacy_check_command_reports_k_and_l_as_json(table, tmp_path, capsys):
    data = tmp_path / "people.csv"
    table.to_csv(data, index=False)
    report = tmp_path / "report.json"
    args = ["privacy", "check", str(data), "--quasi-identifiers", "age,zip,sex", "--k", "2"]
    with pytest.raises(SystemExit) as exit_info:
        main([*args, "--l", "2", "--sensitive", "diagnosis", "--json", str(report)])
    assert exit_info.value.code == 1  # below target
    payload = json.loads(report.read_text())
    assert (payload["report"]["k"], payload["report"]["l"]) == (1, 1)
    assert "k = 1 (target 2: BELOW TARGET)" in capsys.readouterr().out
    out = tmp_path / "generalised.csv"
    with pytest.raises(SystemExit) as exit_info:
        main(
            [
                *args,
                "--generalise",
                "--max-suppression",
                "0.1",
                "--generalised-out",
                str(out),
                "--real",
                str(data),
            ]
        )
    assert exit_info.value.code == 0
    assert pd.read_csv(out).groupby(["age", "zip", "sex"], dropna=False).size().min() >= 2
    printed = capsys.readouterr().out
    assert "generalised: precision loss" in printed and "exact_qi_match_share = 1.0" in printed


def test_privacy_check_bad_flags_are_one_line(table, tmp_path, capsys):
    data = tmp_path / "people.csv"
    table.to_csv(data, index=False)
    with pytest.raises(SystemExit) as exit_info:
        main(["privacy", "check", str(data), "--quasi-identifiers", "age", "--l", "2"])
    assert exit_info.value.code == 2
    assert "error: --l needs --sensitive COLUMN" in capsys.readouterr().err
