"""Coverage tables against quotas: counts, skew (with zero counts), under-filled cells."""

from __future__ import annotations

import json

from syndgen.coverage import coverage_ok, coverage_skew, coverage_table, underfilled
from syndgen.seeds.axes import AttributePlan

QUOTAS = {"topic": {"optics": 2, "lasers": 2}, "pattern": {"a": 2, "b": 2, "c": 2}}


def test_table_counts_topics_and_each_list_value():
    rows = [
        ("optics", {"pattern": ["a", "b"]}),
        ("lasers", {"pattern": ["a", "c"], "tone": "dry"}),
        ("optics", {"pattern": ("b",)}),
    ]
    table = coverage_table(rows, QUOTAS)
    assert table["topic"] == {"optics": {"count": 2, "quota": 2}, "lasers": {"count": 1, "quota": 2}}
    assert table["pattern"] == {
        "a": {"count": 2, "quota": 2},
        "b": {"count": 2, "quota": 2},
        "c": {"count": 1, "quota": 2},
    }
    # A value nobody planned is shown with quota 0 instead of being dropped.
    assert table["tone"] == {"dry": {"count": 1, "quota": 0}}


def test_unused_values_appear_with_count_zero():
    table = coverage_table([("optics", {"pattern": "a"})], QUOTAS)
    assert table["topic"]["lasers"] == {"count": 0, "quota": 2}
    assert table["pattern"]["c"] == {"count": 0, "quota": 2}


def test_skew_is_max_over_min():
    rows = (
        [("optics", {"pattern": "a"})] * 3 + [("lasers", {"pattern": "b"})] + [("lasers", {"pattern": "c"})]
    )
    skew = coverage_skew(coverage_table(rows, QUOTAS))
    assert skew == {"topic": 1.5, "pattern": 3.0}  # topics 3/2; pattern a=3, b=1, c=1


def test_zero_count_on_an_expected_value_is_none_and_json_safe():
    table = coverage_table([("optics", {"pattern": "a"})], QUOTAS)
    skew = coverage_skew(table)
    assert skew == {"topic": None, "pattern": None}
    json.dumps(skew, allow_nan=False)
    assert coverage_ok(table) is False


def test_values_with_zero_quota_and_no_use_do_not_count():
    # 3 records over 10 values: every quota rounds to 0; an even plan is not skewed.
    quotas = {"pattern": {v: 0 for v in "abcdefghij"}}
    table = coverage_table([("t", {"pattern": v}) for v in "abc"], quotas)
    assert coverage_skew(table)["pattern"] == 1.0
    assert coverage_skew(coverage_table([], quotas)) == {"pattern": 1.0}


def test_coverage_ok_uses_max_skew_outside_the_band():
    # optics is two above its quota (outside quota +- 1): the skew 5/3 decides
    rows = [("optics", {})] * 5 + [("lasers", {})] * 3
    table = coverage_table(rows, {"topic": {"optics": 3, "lasers": 3}})
    assert coverage_ok(table, max_skew=2.0)
    assert not coverage_ok(table, max_skew=1.5)


def test_coverage_ok_within_one_of_every_quota_passes_any_max_skew():
    rows = [("optics", {})] * 4 + [("lasers", {})] * 2  # quota 3 each: 4 and 2, skew 2
    table = coverage_table(rows, {"topic": {"optics": 3, "lasers": 3}})
    assert coverage_ok(table, max_skew=1.0)


def test_underfilled_lists_missing_counts():
    table = coverage_table([("optics", {"pattern": ["a", "b"]}), ("optics", {"pattern": "a"})], QUOTAS)
    assert underfilled(table) == [("topic", "lasers", 2), ("pattern", "b", 1), ("pattern", "c", 2)]


def test_a_planned_run_is_balanced_and_topup_reads_the_table():
    plan = AttributePlan.build(
        {"physics": ["optics", "lasers", "acoustics"], "chemistry": ["acids", "polymers"]},
        [{"name": "pattern", "values": [f"p{i}" for i in range(10)], "per_record": [2, 3]}],
        seed=1,
    )
    n = 200
    table = coverage_table((plan.at(i) for i in range(n)), plan.quotas(n))
    # Every count is within 1 of a quota of 40 (topics) or 50 (patterns): skew <= 51/49.
    assert all(skew is not None and skew <= 51 / 49 for skew in coverage_skew(table).values())
    assert coverage_ok(table, max_skew=1.05)
    # Drop the records of one topic: the table shows the hole and top-up targets it.
    kept = [plan.at(i) for i in range(n) if plan.at(i)[0] != "physics/lasers"]
    table = coverage_table(kept, plan.quotas(n))
    assert coverage_skew(table)["topic"] is None
    assert ("topic", "physics/lasers", 40) in underfilled(table)
