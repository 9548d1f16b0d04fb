"""Seed plans from parameters: even allocation on every prefix, purity, distinct values."""

from __future__ import annotations

import itertools
import math
import random
from collections import Counter
from fractions import Fraction

import pytest

from syndgen.errors import ConfigError
from syndgen.seeds.axes import (
    AttributePlan,
    balanced_indices,
    flatten_topics,
    k_pattern,
    parse_axes,
)


def expected_quota(n: int, low: int, high: int, n_values: int) -> int:
    """The documented quota: round(n x mean per record / values), halves rounded up."""
    return math.floor(Fraction(n * (low + high), 2 * n_values) + Fraction(1, 2))


def values_of(attr: str | list[str]) -> list[str]:
    return attr if isinstance(attr, list) else [attr]


# Configurations chosen to hit the hard cases: max == number of values (every block boundary
# needs a repair), wide ranges, a single value, prime sizes (long repair periods).
CONFIGS = [
    (10, 2, 3),
    (3, 2, 3),
    (2, 2, 2),
    (1, 1, 1),
    (7, 1, 7),
    (5, 1, 4),
    (13, 3, 5),
    (4, 4, 4),
    (6, 2, 6),
    (11, 1, 1),
]


# --------------------------------------------------------------------------- topics and axes


def test_taxonomy_leaves_become_paths():
    taxonomy = {
        "science": {"physics": ["optics", "mechanics"], "biology": None},
        "art": "painting",
        "history": [],
    }
    assert flatten_topics(taxonomy) == (
        "science/physics/optics",
        "science/physics/mechanics",
        "science/biology",
        "art/painting",
        "history",
    )


def test_flat_list_and_mixed_list():
    assert flatten_topics(["a", " b "]) == ("a", "b")
    assert flatten_topics(["x", {"y": ["z"]}]) == ("x", "y/z")


@pytest.mark.parametrize(
    "topics, fragment",
    [([], "at least one topic"), (["a", "a"], "appears twice"), (["a", " "], "empty topic"), ([3], "int")],
)
def test_bad_topics(topics, fragment):
    with pytest.raises(ConfigError, match=fragment):
        flatten_topics(topics)


@pytest.mark.parametrize(
    "axis, fragment",
    [
        ({"name": "p", "values": ["a", "b"], "per_record": 3}, "exceeds its 2 values"),
        ({"name": "p", "values": ["a", "b"], "per_record": 0}, ">= 1"),
        ({"name": "p", "values": ["a", "b"], "per_record": [2, 1]}, "min <= max"),
        ({"name": "p", "values": ["a", "b"], "per_record": "2"}, "int or \\[min, max\\]"),
        ({"name": "p", "values": ["a", "b"], "per_record": True}, "int or \\[min, max\\]"),
        ({"name": "p", "values": ["a", "a"]}, "distinct"),
        ({"name": "p", "values": []}, "non-empty"),
        ({"name": "p", "values": "abc"}, "list of strings"),
        ({"name": "", "values": ["a"]}, "needs a name"),
        ({"name": "topic", "values": ["a"]}, "reserved"),
        ({"name": "p", "values": ["a"], "weights": [1]}, "unknown key"),
    ],
)
def test_bad_axes(axis, fragment):
    with pytest.raises(ConfigError, match=fragment):
        parse_axes([axis])


def test_axis_defined_twice():
    with pytest.raises(ConfigError, match="defined twice"):
        parse_axes([{"name": "p", "values": ["a"]}, {"name": "p", "values": ["b"]}])


def test_k_pattern_alternates_and_stays_close_to_the_mean():
    assert k_pattern(2, 3) == (2, 3)
    assert k_pattern(4, 4) == (4,)
    for low, high in [(1, 4), (1, 7), (2, 6), (3, 5)]:
        pattern = k_pattern(low, high)
        assert sorted(pattern) == list(range(low, high + 1))
        mean = Fraction(low + high, 2)
        for r in range(len(pattern) + 1):
            assert abs(sum(pattern[:r]) - r * mean) <= Fraction(high - low, 2)


# --------------------------------------------------------------------------- evenness


@pytest.mark.parametrize("n_values, low, high", CONFIGS)
@pytest.mark.parametrize("seed", [0, 7])
def test_every_prefix_is_within_one_of_its_quota(n_values, low, high, seed):
    key = f"{seed}:axis"
    counts: Counter[int] = Counter()
    horizon = 3 * math.lcm(sum(k_pattern(low, high)), n_values) + 40
    for index in range(horizon):
        picked = balanced_indices(index, n_values=n_values, per_record=(low, high), key=key)
        assert low <= len(picked) <= high
        assert len(set(picked)) == len(picked), f"record {index} repeats a value: {picked}"
        counts.update(picked)
        quota = expected_quota(index + 1, low, high, n_values)
        for value in range(n_values):
            assert abs(counts[value] - quota) <= 1, (index, value, counts[value], quota)


def test_plan_counts_and_quotas_agree_for_topics_and_every_axis():
    topics = {"science": ["physics", "chemistry", "biology"], "humanities": ["history", "art"]}
    axes = [
        {"name": "pattern", "values": [f"p{i}" for i in range(10)], "per_record": [2, 3]},
        {"name": "tone", "values": ["formal", "casual", "playful"]},
        {"name": "difficulty", "values": ["easy", "hard"], "per_record": [1, 2]},
    ]
    plan = AttributePlan.build(topics, axes, seed=11)
    counts: dict[str, Counter[str]] = {"topic": Counter(), "pattern": Counter(), "tone": Counter()}
    counts["difficulty"] = Counter()
    for n in range(1, 301):
        topic, attributes = plan.at(n - 1)
        counts["topic"][topic] += 1
        for name, value in attributes.items():
            counts[name].update(values_of(value))
        table = plan.quotas(n)
        assert table == AttributePlan.build(topics, axes).quotas(n)
        assert set(table["topic"]) == set(plan.topics)
        for axis, cells in table.items():
            for value, quota in cells.items():
                assert abs(counts[axis][value] - quota) <= 1, (n, axis, value)
    assert table["pattern"]["p0"] == expected_quota(300, 2, 3, 10) == 75
    assert table["topic"]["science/physics"] == 60


def test_quota_rounds_halves_up():
    # 7 records over 2 values: 3.5 each, rounded up to 4.
    assert AttributePlan.build(["t"], [{"name": "tone", "values": ["x", "y"]}]).quotas(7)["tone"] == {
        "x": 4,
        "y": 4,
    }
    assert AttributePlan.build(["a", "b"]).quotas(0)["topic"] == {"a": 0, "b": 0}


# --------------------------------------------------------------------------- purity and shape


CONFIG = {
    "topics": {"science": {"physics": ["optics", "mechanics"], "biology": None}, "art": ["painting"]},
    "axes": [
        {"name": "pattern", "values": list("abcdefghij"), "per_record": [2, 3]},
        {"name": "tone", "values": ["formal", "casual"]},
        {"name": "audience", "values": ["kids", "adults", "experts"], "per_record": 2},
    ],
}


def test_attribute_types_follow_the_axis():
    topic, attributes = AttributePlan.build(seed=1, **CONFIG).at(0)
    assert topic in flatten_topics(CONFIG["topics"])
    assert isinstance(attributes["tone"], str)  # per_record 1: a single value
    assert isinstance(attributes["pattern"], list) and len(attributes["pattern"]) == 2  # k alternates 2, 3
    assert len(AttributePlan.build(seed=1, **CONFIG).at(1)[1]["pattern"]) == 3
    assert isinstance(attributes["audience"], list) and len(attributes["audience"]) == 2
    values = CONFIG["axes"][0]["values"]
    assert attributes["pattern"] == sorted(attributes["pattern"], key=values.index)


def test_seed_i_does_not_depend_on_earlier_seeds():
    sequential = [AttributePlan.build(seed=5, **CONFIG).at(i) for i in range(120)]
    shuffled = list(range(120))
    random.Random(3).shuffle(shuffled)
    plan = AttributePlan.build(CONFIG["topics"], CONFIG["axes"], seed=5)
    for i in shuffled:
        assert plan.at(i) == sequential[i]
    # Far-away indices are computed directly, and the same twice.
    far = AttributePlan.build(seed=5, **CONFIG).at(10**9 + 7)
    assert far == AttributePlan.build(seed=5, **CONFIG).at(10**9 + 7)
    assert len(set(far[1]["pattern"])) == len(far[1]["pattern"])


def test_different_seeds_give_different_plans():
    plans = [[AttributePlan.build(seed=s, **CONFIG).at(i) for i in range(40)] for s in range(4)]
    for a, b in itertools.combinations(plans, 2):
        assert a != b
    topics_a = [t for t, _ in plans[0]]
    topics_b = [t for t, _ in plans[1]]
    assert topics_a != topics_b


def test_order_varies_between_cycles():
    """Blocks are reshuffled per cycle, so the same values do not pair up forever."""
    pairs = {
        tuple(balanced_indices(i, n_values=10, per_record=2, key="0:p")) for i in range(200)
    }  # 5 records per cycle; a fixed order would give only 5 distinct pairs
    assert len(pairs) > 20


def test_negative_index_is_refused():
    with pytest.raises(ValueError):
        balanced_indices(-1, n_values=3, per_record=1, key="k")


# --------------------------------------------------------------------------- top-up
