"""The topic plan: seeds cycle through the topic list so every topic gets its turn.

Seed ``i`` takes topic ``i mod n``; ``variant`` counts the rounds so later rounds ask for a
different situation. The plan is a pure function of the config, so a resumed run sees the same
seeds at the same indices.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from syndgen.records import Seed


def topic_plan(topics: Sequence[str], start: int = 0) -> Iterator[Seed]:
    if not topics:
        raise ValueError("a topic plan needs at least one topic")
    index = start
    while True:
        yield Seed(index=index, topic=topics[index % len(topics)], variant=index // len(topics) + 1)
        index += 1
