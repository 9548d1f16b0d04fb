"""Seed plans from parameters: a topic and attribute values for every record, evenly spread.

A plan has topics (a flat list, or a taxonomy whose leaves are topics, kept as paths such as
``science/physics/optics``) and attribute axes, each ``{name, values, per_record}`` where
``per_record`` is an int or a ``[min, max]`` range. Seed ``i`` of a plan is a pure function of
``(i, seed, config)``: a streaming or resumed run computes seed ``i`` without seeds ``0..i-1``.

How values are allocated (the topic is an axis with one value per record):

* The values of an axis are laid out as an endless sequence of *slots*, made of consecutive
  blocks; each block is a permutation of all values, shuffled by
  ``random.Random(f"{seed}:{axis}:{block}")``. Record ``i`` takes the next ``k_i`` slots.
* ``k_i`` cycles through ``min..max`` in the order ``min, max, min+1, max-1, ...`` (``2, 3, 2, 3``
  for ``[2, 3]``), so the slot offset of record ``i`` is O(1) and the slots used by any prefix
  stay within ``(max - min) / 2`` of ``N x mean``.
* A record that straddles two blocks could get one value twice. The repair swaps, inside the
  later block, each repeated value with the next slot holding a value the record does not have.
  A block stays a permutation, so every value still occurs exactly once per block.
* Repairs chain from block to block, so they restart where a record boundary meets a block
  boundary: every ``lcm(slots per k-cycle, n_values)`` slots (a *period*, computed and cached
  as a whole). Seed ``i`` costs at most one period's work, usually one block.

Why this is even: after ``N`` records, ``S`` slots were used, a value occurs ``floor(S/V)`` or
``ceil(S/V)`` times, and ``|S - N x mean| <= (max - min)/2 < V/2``. With ``quota = round(N x
mean / V)`` (half up) the count is always within 1 of the quota.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from typing import Any, TypeAlias

from syndgen.errors import ConfigError

TOPIC_AXIS = "topic"
"""The name under which topics appear in quotas and coverage tables."""

Attributes: TypeAlias = dict[str, str | list[str]]
Cell: TypeAlias = tuple[str, str]
Counts: TypeAlias = Mapping[str, Mapping[str, int]]


@dataclass(frozen=True)
class Axis:
    """One attribute axis. ``as_list`` is True when records get a list of values."""

    name: str
    values: tuple[str, ...]
    min_per_record: int = 1
    max_per_record: int = 1
    as_list: bool = False

    @property
    def pattern(self) -> tuple[int, ...]:
        return k_pattern(self.min_per_record, self.max_per_record)

    @property
    def mean_per_record(self) -> Fraction:
        pattern = self.pattern
        return Fraction(sum(pattern), len(pattern))


# --------------------------------------------------------------------------- the allocator


def k_pattern(low: int, high: int) -> tuple[int, ...]:
    """Values per record over one cycle: ``low, high, low+1, high-1, ...``."""
    out: list[int] = []
    while low < high:
        out += [low, high]
        low, high = low + 1, high - 1
    if low == high:
        out.append(low)
    return tuple(out)


def _check_per_record(n_values: int, low: int, high: int, what: str) -> None:
    if not 1 <= low <= high:
        raise ConfigError(f"{what}: per_record must be >= 1 with min <= max, got [{low}, {high}]")
    if high > n_values:
        raise ConfigError(
            f"{what}: per_record max {high} exceeds its {n_values} values",
            hint="values in one record are distinct; lower per_record or add values",
        )


def _block(key: str, n_values: int, block: int) -> list[int]:
    order = list(range(n_values))
    random.Random(f"{key}:{block}").shuffle(order)
    return order


def _repair_straddle(slots: list[int], start: int, stop: int, n_values: int) -> None:
    """Make ``slots[start:stop]`` distinct by swapping inside the block that holds ``stop - 1``."""
    boundary = (stop - 1) // n_values * n_values
    held = set(slots[start:boundary])
    block_end = boundary + n_values
    spare = stop
    for pos in range(boundary, stop):
        if slots[pos] not in held:
            held.add(slots[pos])
            continue
        # The block holds n_values >= k distinct values, so a value the record lacks is left.
        while spare < block_end and slots[spare] in held:
            spare += 1
        if spare == block_end:  # pragma: no cover - impossible while k <= n_values
            raise AssertionError("no free value left in the block")
        slots[pos], slots[spare] = slots[spare], slots[pos]
        held.add(slots[pos])
        spare += 1


@lru_cache(maxsize=16)
def _period(key: str, n_values: int, pattern: tuple[int, ...], period: int) -> tuple[int, ...]:
    """The repaired slots of one period (a whole number of blocks and of k-cycles)."""
    size = math.lcm(sum(pattern), n_values)
    first_block = period * (size // n_values)
    slots: list[int] = []
    for block in range(first_block, first_block + size // n_values):
        slots += _block(key, n_values, block)
    pos, j = 0, 0
    while pos < size:
        k = pattern[j % len(pattern)]
        if pos // n_values != (pos + k - 1) // n_values:
            _repair_straddle(slots, pos, pos + k, n_values)
        pos, j = pos + k, j + 1
    return tuple(slots)


def slot_offset(index: int, pattern: Sequence[int]) -> int:
    """Slots used by records ``0..index-1``."""
    cycles, rest = divmod(index, len(pattern))
    return cycles * sum(pattern) + sum(pattern[:rest])


def balanced_indices(index: int, *, n_values: int, per_record: int | tuple[int, int], key: str) -> list[int]:
    """Distinct value indices for record ``index``, evenly spread over any prefix of records.

    Pure: the same ``(index, n_values, per_record, key)`` always gives the same list, in slot
    order. Over records ``0..N-1`` every value is used ``floor(S/V)`` or ``ceil(S/V)`` times,
    ``S`` being the number of slots those records take.
    """
    if index < 0:
        raise ValueError(f"record index must be >= 0, got {index}")
    low, high = (per_record, per_record) if isinstance(per_record, int) else per_record
    _check_per_record(n_values, low, high, key)
    pattern = k_pattern(low, high)
    offset = slot_offset(index, pattern)
    size = math.lcm(sum(pattern), n_values)
    period, local = divmod(offset, size)
    slots = _period(key, n_values, pattern, period)
    return list(slots[local : local + pattern[index % len(pattern)]])


# --------------------------------------------------------------------------- config parsing


def _flatten(node: Any, prefix: str, out: list[str]) -> None:
    if isinstance(node, str):
        leaf = node.strip()
        if not leaf:
            raise ConfigError(f"empty topic name under {prefix or 'the topic list'!r}")
        out.append(f"{prefix}/{leaf}" if prefix else leaf)
    elif isinstance(node, Mapping):
        for key, child in node.items():
            name = str(key).strip()
            if not name:
                raise ConfigError(f"empty taxonomy key under {prefix or 'the root'!r}")
            path = f"{prefix}/{name}" if prefix else name
            if child is None or (isinstance(child, (Mapping, list, tuple)) and not child):
                out.append(path)
            else:
                _flatten(child, path, out)
    elif isinstance(node, (list, tuple)):
        for child in node:
            _flatten(child, prefix, out)
    else:
        raise ConfigError(f"topics must be strings, lists or mappings, got {type(node).__name__}")


def flatten_topics(topics: Any) -> tuple[str, ...]:
    """Topics from a flat list or a nested taxonomy, as ``a/b/leaf`` paths in document order."""
    out: list[str] = []
    _flatten(topics, "", out)
    if not out:
        raise ConfigError("the seed plan needs at least one topic")
    seen: set[str] = set()
    for topic in out:
        if topic in seen:
            raise ConfigError(f"topic {topic!r} appears twice in the topic list")
        seen.add(topic)
    return tuple(out)


def _per_record(name: str, raw: Any) -> tuple[int, int, bool]:
    if isinstance(raw, int) and not isinstance(raw, bool):
        return raw, raw, raw > 1
    if (
        isinstance(raw, (list, tuple))
        and len(raw) == 2
        and all(isinstance(x, int) and not isinstance(x, bool) for x in raw)
    ):
        return raw[0], raw[1], True
    raise ConfigError(f"axis {name!r}: per_record must be an int or [min, max], got {raw!r}")


def parse_axis(spec: Mapping[str, Any] | Axis) -> Axis:
    """Validate one axis given as ``{name, values, per_record}`` (per_record defaults to 1)."""
    if isinstance(spec, Axis):
        axis = spec
    else:
        unknown = set(spec) - {"name", "values", "per_record"}
        if unknown:
            raise ConfigError(f"attribute axis: unknown key(s) {sorted(unknown)}")
        name = str(spec.get("name", "")).strip()
        raw_values = spec.get("values")
        if not isinstance(raw_values, (list, tuple)):
            raise ConfigError(f"axis {name!r}: values must be a list of strings")
        low, high, as_list = _per_record(name, spec.get("per_record", 1))
        values = tuple(str(v).strip() for v in raw_values)
        axis = Axis(name, values, low, high, as_list)
    if not axis.name:
        raise ConfigError("every attribute axis needs a name")
    if axis.name == TOPIC_AXIS:
        raise ConfigError(f"{TOPIC_AXIS!r} is reserved for topics; rename the axis")
    if not axis.values or any(not v for v in axis.values):
        raise ConfigError(f"axis {axis.name!r}: values must be a non-empty list of non-empty strings")
    if len(set(axis.values)) != len(axis.values):
        raise ConfigError(f"axis {axis.name!r}: values must be distinct")
    _check_per_record(len(axis.values), axis.min_per_record, axis.max_per_record, f"axis {axis.name!r}")
    return axis


def parse_axes(axes: Iterable[Mapping[str, Any] | Axis]) -> tuple[Axis, ...]:
    parsed = tuple(parse_axis(a) for a in axes)
    names = [a.name for a in parsed]
    for name in names:
        if names.count(name) > 1:
            raise ConfigError(f"attribute axis {name!r} is defined twice")
    return parsed


def _round_half_up(value: Fraction) -> int:
    return math.floor(value + Fraction(1, 2))


# --------------------------------------------------------------------------- the plan


@dataclass(frozen=True)
class AttributePlan:
    """A validated plan: flattened topics, parsed axes and the seed."""

    topics: tuple[str, ...]
    axes: tuple[Axis, ...]
    seed: int

    @classmethod
    def build(
        cls, topics: Any, axes: Iterable[Mapping[str, Any] | Axis] = (), seed: int = 0
    ) -> AttributePlan:
        return cls(flatten_topics(topics), parse_axes(axes), seed)

    def _values_for(self, index: int, axis: Axis) -> str | list[str]:
        picked = balanced_indices(
            index,
            n_values=len(axis.values),
            per_record=(axis.min_per_record, axis.max_per_record),
            key=f"{self.seed}:{axis.name}",
        )
        values = [axis.values[i] for i in sorted(picked)]
        return values if axis.as_list else values[0]

    def at(self, index: int) -> tuple[str, Attributes]:
        """Topic and attributes of record ``index``; list values follow the axis's value order."""
        (topic_idx,) = balanced_indices(
            index, n_values=len(self.topics), per_record=1, key=f"{self.seed}:{TOPIC_AXIS}"
        )
        return self.topics[topic_idx], {axis.name: self._values_for(index, axis) for axis in self.axes}

    def quotas(self, n: int) -> dict[str, dict[str, int]]:
        """Expected count of every topic and value after ``n`` records: ``round(n x mean / V)``."""
        if n < 0:
            raise ValueError(f"n must be >= 0, got {n}")
        topic_quota = _round_half_up(Fraction(n, len(self.topics)))
        out = {TOPIC_AXIS: dict.fromkeys(self.topics, topic_quota)}
        for axis in self.axes:
            quota = _round_half_up(n * axis.mean_per_record / len(axis.values))
            out[axis.name] = dict.fromkeys(axis.values, quota)
        return out
