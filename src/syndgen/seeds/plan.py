"""Topic lists and taxonomies, and the plain topic plan.

A taxonomy is a mapping of names to sub-taxonomies or lists of topics; its leaves become topic
paths such as ``science/physics/optics``. Without attribute axes, seed ``i`` takes topic
``i mod n`` and ``variant`` counts the rounds so later rounds ask for a different situation.
Both are pure functions of the config, so a resumed run sees the same seeds at the same indices.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from syndgen.records import Seed


def flatten_topics(topics: Sequence[str] | dict[str, Any], prefix: str = "") -> list[str]:
    """The leaves of a taxonomy as ``a/b/c`` paths, in config order (a list is returned as is)."""
    if isinstance(topics, dict):
        found: list[str] = []
        for name, child in topics.items():
            found.extend(flatten_topics(child, f"{prefix}{name}/"))
        return found
    return [f"{prefix}{t.strip()}" for t in topics]


def topic_plan(topics: Sequence[str], start: int = 0) -> Iterator[Seed]:
    if not topics:
        raise ValueError("a topic plan needs at least one topic")
    index = start
    while True:
        yield Seed(index=index, topic=topics[index % len(topics)], variant=index // len(topics) + 1)
        index += 1
