"""Quota planning: seeds aimed at what the kept data still lacks, so coverage survives filtering.

Every axis value (topics included) has a quota for a run of ``count`` records. The plan for
seed ``i`` gives it the topic, the number of values per record and the values with the largest
remaining deficit, where the deficit counts the samples *kept* by seeds committed at least
``window`` seeds earlier plus what the seeds in the window were planned to bring (optimistically:
a seed in flight is assumed kept until its outcome is known). Seeds are committed in order and
seed ``i`` is only started once seed ``i - window`` is committed, so the plan is a pure function
of the config, the run seed and earlier outcomes: the same command gives the same plan, and on
the embedded backend the same data. A rejected seed's values come back into deficit and later
seeds top them up. At commit time a finished sample is turned away (``over_quota``) only when,
with it kept, the coverage check could no longer pass whatever the records still to come bring
(:meth:`QuotaPlanner.over_quota`); ties are broken by a permutation fixed by the run seed.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from syndgen.config_sections import AxisConfig
from syndgen.coverage import band, is_sparse
from syndgen.records import Seed
from syndgen.seeds.dp_seed import with_row

TOPIC = "topic"


def per_record_key(axis: str) -> str:
    """The pseudo-axis that balances how many values of ``axis`` a record applies."""
    return f"{axis}.per_record"


def split_evenly(total: int, values: Sequence[str], order: Sequence[str]) -> dict[str, int]:
    """``total`` spread over ``values``; the remainder goes to the first values in ``order``."""
    base, extra = divmod(total, len(values))
    lucky = set(order[:extra])
    return {v: base + (1 if v in lucky else 0) for v in values}


def _order(values: Sequence[str], run_seed: int, axis: str) -> list[str]:
    ordered = list(values)
    random.Random(f"{run_seed}:{axis}").shuffle(ordered)
    return ordered


def attribute_values(seed: Seed) -> dict[str, list[str]]:
    """The values a seed applies, per axis, topic included (pure)."""
    found: dict[str, list[str]] = {TOPIC: [seed.topic]}
    for name, value in seed.attributes.items():
        found[name] = list(value) if isinstance(value, list) else [value]
    return found


@dataclass
class QuotaPlanner:
    topics: Sequence[str]
    axes: Sequence[AxisConfig]
    count: int
    run_seed: int
    window: int
    max_skew: float = 2.0
    _orders: dict[str, list[str]] = field(init=False)
    quotas: dict[str, dict[str, int]] = field(init=False)

    def __post_init__(self) -> None:
        self._orders = {TOPIC: _order(self.topics, self.run_seed, TOPIC)}
        self.quotas = {TOPIC: split_evenly(self.count, self.topics, self._orders[TOPIC])}
        for axis in self.axes:
            low, high = axis.bounds
            sizes = [str(k) for k in range(low, high + 1)]
            self._orders[per_record_key(axis.name)] = sizes
            size_quota = split_evenly(self.count, sizes, sizes)
            self.quotas[per_record_key(axis.name)] = size_quota
            slots = sum(int(k) * n for k, n in size_quota.items())
            self._orders[axis.name] = _order(axis.values, self.run_seed, axis.name)
            self.quotas[axis.name] = split_evenly(slots, axis.values, self._orders[axis.name])

    # ------------------------------------------------------------------ planning

    def plan(
        self,
        index: int,
        filled: Mapping[str, Counter[str]],
        planned: Sequence[Seed],
        tried: Mapping[str, Counter[str]] | None = None,
    ) -> Seed:
        """Seed ``index`` given kept counts (seeds before the window), the seeds in the window,
        and how often each value was tried before the window (its acceptance rate weighs the
        seeds in flight: a value that is often rejected is planned more often)."""
        load: dict[str, dict[str, float]] = {
            axis: {v: float(filled.get(axis, Counter())[v]) for v in self._orders[axis]}
            for axis in self.quotas
        }
        for seed in planned:
            for name, values in self._with_sizes(seed).items():
                if name not in load:
                    continue
                for value in values:
                    if value in load[name]:
                        load[name][value] += self._rate(name, value, filled, tried)
        topic = self._pick(TOPIC, load, 1, index)[0]
        attributes: dict[str, str | list[str]] = {}
        for axis in self.axes:
            _, high = axis.bounds
            size = int(self._pick(per_record_key(axis.name), load, 1, index)[0])
            chosen = self._pick(axis.name, load, size, index)
            as_list = high > 1 or not isinstance(axis.per_record, int)
            attributes[axis.name] = chosen if as_list else chosen[0]
        variant = int(filled.get(TOPIC, Counter())[topic]) + sum(1 for s in planned if s.topic == topic) + 1
        return Seed(index=index, topic=topic, variant=variant, attributes=attributes)

    @staticmethod
    def _rate(
        axis: str, value: str, filled: Mapping[str, Counter[str]], tried: Mapping[str, Counter[str]] | None
    ) -> float:
        if tried is None:
            return 1.0
        kept = filled.get(axis, Counter())[value]
        attempts = tried.get(axis, Counter())[value]
        return max(0.2, (kept + 1) / (attempts + 1))

    def _pick(self, axis: str, load: Mapping[str, Mapping[str, float]], n: int, index: int) -> list[str]:
        order = self._orders[axis]
        quota = self.quotas[axis]
        rotate = index % len(order)
        rank = {v: (i - rotate) % len(order) for i, v in enumerate(order)}
        # Largest remaining share of quota first; a fixed rotating order breaks ties.
        ranked = sorted(order, key=lambda v: ((load[axis][v] + 1) / max(quota[v], 1e-9), rank[v]))
        return sorted(ranked[:n], key=lambda v: rank[v]) if n > 1 else ranked[:1]

    def _with_sizes(self, seed: Seed) -> dict[str, list[str]]:
        values = attribute_values(seed)
        for axis in self.axes:
            if axis.name in values:
                values[per_record_key(axis.name)] = [str(len(values[axis.name]))]
        return values

    # ------------------------------------------------------------------ acceptance

    def kept_values(self, seed: Seed) -> dict[str, list[str]]:
        return self._with_sizes(seed)

    def over_quota(self, seed: Seed, kept: Mapping[str, Counter[str]]) -> str | None:
        """Why keeping this seed's sample would break the coverage check, or None.

        A finished sample is turned away only when, with it kept, no way of filling the records
        still to come could pass the coverage check (:func:`syndgen.coverage.axis_ok`: every
        value within its band, or the axis' skew at most ``max_skew``). How many values a record
        applies is planned, not checked: it must stay within its quota.
        """
        adds = self._with_sizes(seed)
        for axis in self.axes:
            name = per_record_key(axis.name)
            for size in adds.get(name, []):
                if kept.get(name, Counter())[size] + 1 > self.quotas[name][size]:
                    return f"{name}={size} already has {kept[name][size]} of quota {self.quotas[name][size]}"
        for name in [TOPIC, *(a.name for a in self.axes)]:
            after = Counter(kept.get(name, Counter()))
            after.update(adds.get(name, []))
            if not self._reachable(name, after, self._slots_left(name, kept, adds)):
                return self._why(name, after, adds.get(name, []))
        return None

    def _why(self, name: str, after: Counter[str], added: list[str]) -> str:
        quota = self.quotas[name]
        sparse = is_sparse(quota.values())
        full = [v for v in added if v in quota and after[v] > band(quota[v], sparse)[1]]
        if full:
            value = full[0]
            return f"{name}={value} already has {after[value] - 1} of quota {quota[value]}"
        lagging = min(quota, key=lambda v: after[v] - quota[v])
        return f"too few records would be left to bring {name}={lagging} to its floor"

    def _slots_left(self, name: str, kept: Mapping[str, Counter[str]], adds: Mapping[str, list[str]]) -> int:
        """How many more values of axis ``name`` the records still to come will bring."""
        if name == TOPIC:
            return self.count - sum(kept.get(TOPIC, Counter()).values()) - len(adds.get(TOPIC, []))
        sizes = Counter(kept.get(per_record_key(name), Counter()))
        sizes.update(adds.get(per_record_key(name), []))
        return sum(int(k) * max(0, q - sizes[k]) for k, q in self.quotas[per_record_key(name)].items())

    def _reachable(self, name: str, after: Counter[str], slots_left: int) -> bool:
        """Whether ``slots_left`` more values can bring axis ``name`` to pass the coverage check."""
        quota = self.quotas[name]
        sparse = is_sparse(quota.values())
        in_band = all(after[v] <= band(q, sparse)[1] for v, q in quota.items())
        if in_band and sum(max(0, band(q, sparse)[0] - after[v]) for v, q in quota.items()) <= slots_left:
            return True
        expected = [v for v, q in quota.items() if q > 0 or after[v] > 0]
        if not expected:
            return True
        floor = max(1, math.ceil(max(after[v] for v in expected) / self.max_skew))
        return sum(max(0, floor - after[v]) for v in expected) <= slots_left


class PlanState:
    """The planner plus the run's memory of what was planned and kept, updated in seed order.

    With ``adaptive=False`` (``coverage.enforce: false``) seeds follow the static even plan of
    :mod:`syndgen.seeds.axes` instead: every prefix of the plan is within one of its quotas, but
    rejections are not made up for.
    """

    def __init__(
        self, planner: QuotaPlanner, *, adaptive: bool = True, rows: tuple[dict[str, str], ...] = ()
    ) -> None:
        self.planner = planner
        self.rows = rows
        """``task.dp_seed``'s synthetic attribute rows, merged into every seed planned."""
        self._static = None
        if not adaptive:
            from syndgen.seeds.axes import AttributePlan

            specs = [
                {"name": a.name, "values": list(a.values), "per_record": a.per_record} for a in planner.axes
            ]
            self._static = AttributePlan.build(list(planner.topics), specs, planner.run_seed)
        self.window = planner.window
        self.kept: dict[str, Counter[str]] = {axis: Counter() for axis in planner.quotas}
        self._filled: dict[str, Counter[str]] = {axis: Counter() for axis in planner.quotas}
        self._tried: dict[str, Counter[str]] = {axis: Counter() for axis in planner.quotas}
        self._lagging: list[tuple[int, bool, dict[str, list[str]]]] = []  # not yet behind the window
        self._planned: dict[int, Seed] = {}

    def remember(self, seed: Seed, accepted: bool) -> None:
        """Record a committed seed (in seed order), as planned and, if so, as kept."""
        self._planned[seed.index] = seed
        values = self.planner.kept_values(seed)
        if accepted:
            for axis, found in values.items():
                if axis in self.kept:
                    self.kept[axis].update(found)
        self._lagging.append((seed.index, accepted, values))

    def next_seed(self, index: int) -> Seed:
        return with_row(self._next_seed(index), self.rows)

    def _next_seed(self, index: int) -> Seed:
        if self._static is not None:
            topic, attributes = self._static.at(index)
            variant = index // len(self.planner.topics) + 1
            return Seed(index=index, topic=topic, variant=variant, attributes=attributes)
        limit = index - self.window
        while self._lagging and self._lagging[0][0] < limit:
            _, accepted, values = self._lagging.pop(0)
            for axis, found in values.items():
                if axis in self._filled:
                    self._tried[axis].update(found)
                    if accepted:
                        self._filled[axis].update(found)
        for old in [i for i in self._planned if i < limit]:
            del self._planned[old]
        window = [s for i, s in sorted(self._planned.items()) if i >= limit]
        seed = self.planner.plan(index, self._filled, window, self._tried)
        self._planned[index] = seed
        return seed

    def over_quota(self, seed: Seed) -> str | None:
        return self.planner.over_quota(seed, self.kept)
