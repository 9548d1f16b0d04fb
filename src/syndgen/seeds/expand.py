"""Model-proposed topics: expand a root subject into a list of distinct subtopics.

The generator is asked, round after round, for subtopics of the root it has not proposed yet;
a :class:`TopicMemory` (normalised, near-duplicate and embedding aware) keeps only new ones. The
configured topics, if any, seed the memory so proposals do not repeat them. The result is
stored with the run on its first session, so a resumed run plans over the same topics.
"""

from __future__ import annotations

from syndgen.backends.call import ask, request_seed
from syndgen.config_sections import TopicExpansionConfig
from syndgen.context import RunContext
from syndgen.embed import get_embedder
from syndgen.errors import ParseError
from syndgen.seeds.topic_memory import TopicMemory, parse_topic_list


def expand_topics(ctx: RunContext, expansion: TopicExpansionConfig) -> list[str]:
    """Subtopics of ``expansion.root`` the generator proposes, new to the run's topics."""
    cfg = ctx.config
    memory = TopicMemory(embed=get_embedder(cfg.dedup.embedder).encode)
    given = [t for t in ctx.topics if t]
    memory.add_all(given)
    proposed: list[str] = []
    for round_no in range(expansion.max_rounds):
        if len(proposed) >= expansion.count:
            break
        messages = ctx.prompts.render(
            "topics",
            root=expansion.root,
            count=min(10, expansion.count - len(proposed)),
            avoid=memory.topics[-40:],
        )
        response = ask(
            ctx.generator,
            cfg.generator,
            messages,
            seed=request_seed(cfg.seed, round_no, "topics"),
            max_tokens=256,
        )
        for topic in parse_topic_list(response.text):
            if len(proposed) < expansion.count and memory.add(topic):
                proposed.append(topic)
    if not proposed:
        raise ParseError(
            f"the generator proposed no usable topics for {expansion.root!r}",
            hint="list topics in task.topics, or use a stronger generator",
        )
    return proposed
