"""Quota planning: even allocation, top-up after rejections, caps, determinism."""

import random
from collections import Counter

import pytest

from syndgen.config_sections import AxisConfig
from syndgen.seeds.quota import TOPIC, PlanState, QuotaPlanner, per_record_key, split_evenly

PATTERNS = AxisConfig(name="pattern", values=[f"p{i}" for i in range(10)], per_record=(2, 3))
TOPICS = [f"t{i}" for i in range(10)]


def simulate(count, accept, *, window=8, seed=0, axes=(PATTERNS,), topics=TOPICS, max_seeds=5000):
    """Drive a PlanState like the runner: in-order commits, a lag of ``window`` seeds."""
    state = PlanState(QuotaPlanner(topics, list(axes), count, seed, window))
    pending, kept, index = [], [], 0
    while len(kept) < count and index < max_seeds:
        while len(pending) < window and len(kept) + len(pending) < count:
            pending.append(state.next_seed(index))
            index += 1
        seed_ = pending.pop(0)
        ok = accept(seed_) and state.over_quota(seed_) is None
        state.remember(seed_, ok)
        if ok:
            kept.append(seed_)
    return state, kept


def counts(kept, axis):
    found = Counter()
    for s in kept:
        value = s.topic if axis == TOPIC else s.attributes[axis]
        found.update(value if isinstance(value, list) else [value])
    return found


def test_split_evenly_gives_the_remainder_to_the_first_in_order():
    assert split_evenly(7, ["a", "b", "c"], ["c", "a", "b"]) == {"a": 2, "b": 2, "c": 3}


def test_quotas_cover_every_value_and_slot():
    planner = QuotaPlanner(TOPICS, [PATTERNS], 100, 0, 8)
    assert sum(planner.quotas[TOPIC].values()) == 100
    assert planner.quotas[per_record_key("pattern")] == {"2": 50, "3": 50}
    assert set(planner.quotas["pattern"].values()) == {25}


def test_without_rejections_every_value_is_within_one_of_quota():
    state, kept = simulate(100, lambda s: True)
    assert len(kept) == 100
    for axis in (TOPIC, "pattern"):
        quota = state.planner.quotas[axis]
        got = counts(kept, axis)
        assert all(abs(got[v] - q) <= 1 for v, q in quota.items()), (axis, got)
    assert all(len(set(s.attributes["pattern"])) == len(s.attributes["pattern"]) for s in kept)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_coverage_survives_biased_rejections(seed):
    # Conversations with p0 or p1 are rejected 70% of the time: the plan must top them up.
    rng = random.Random(seed)

    def accept(s):
        hard = {"p0", "p1"} & set(s.attributes["pattern"])
        return rng.random() > (0.7 if hard else 0.2)

    state, kept = simulate(100, accept, seed=seed)
    assert len(kept) == 100
    got = counts(kept, "pattern")
    assert all(abs(got[v] - q) <= 1 for v, q in state.planner.quotas["pattern"].items()), got
    topics = counts(kept, TOPIC)
    assert max(topics.values()) - min(topics.values()) <= 2


def test_the_plan_is_a_pure_function_of_config_and_outcomes():
    first = [s for s in simulate(40, lambda s: s.index % 3 != 0, seed=5)[1]]
    again = [s for s in simulate(40, lambda s: s.index % 3 != 0, seed=5)[1]]
    other = [s for s in simulate(40, lambda s: s.index % 3 != 0, seed=6)[1]]
    assert first == again
    assert first != other


def test_over_quota_names_the_full_value():
    planner = QuotaPlanner(["a", "b"], [], 2, 0, 1)
    state = PlanState(planner)
    s0 = state.next_seed(0)
    state.remember(s0, True)
    state.remember(s0.model_copy(update={"index": 1}), True)
    assert "already has 2 of quota 1" in (state.over_quota(s0.model_copy(update={"index": 2})) or "")
