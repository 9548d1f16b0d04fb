"""Conversation patterns: was each requested pattern applied by the user turn dealt it?

``task.pattern_check`` picks who decides: ``critic`` asks the critic one short yes/no question
per pattern (far easier than a checklist over a whole transcript); ``embedding`` needs the
turn's MiniLM embedding to be at least ``task.pattern_similarity`` cosine-similar to the
pattern's description (for critics too small to be trusted with the question: the embedded
135M model answers "no" to every one); ``any`` accepts either.
"""

from __future__ import annotations

from dataclasses import replace

from syndgen.backends.base import ResponseFormat
from syndgen.backends.call import ask, request_seed
from syndgen.config_sections import AxisConfig
from syndgen.context import AnswerTask, Assessment, RunContext, SeedContext
from syndgen.embed import get_embedder
from syndgen.records import Rejection, Turn, Usage
from syndgen.steps.equivalence import parse_flag

PATTERN_AXIS = "pattern"

_JUDGE = {"critic": "the critic found", "embedding": "the embedding check found", "any": "both checks found"}

PATTERN_SCHEMA = {
    "type": "object",
    "properties": {"applied": {"type": "boolean"}},
    "required": ["applied"],
    "additionalProperties": False,
}


def pattern_axis(ctx: RunContext) -> AxisConfig | None:
    """The seed plan's ``pattern`` axis, if the config has one."""
    return next((a for a in ctx.config.task.axes if a.name == PATTERN_AXIS), None)


def descriptions(ctx: RunContext) -> dict[str, str]:
    """Pattern value -> its description, from the ``pattern`` axis."""
    axis = pattern_axis(ctx)
    return axis.descriptions if axis else {}


def description_of(ctx: RunContext, pattern: str) -> str:
    return descriptions(ctx).get(pattern, pattern.replace("_", " "))


def critic_says_applied(
    ctx: RunContext, seed_index: int, turns: tuple[Turn, ...], position: int, pattern: str
) -> tuple[bool, Usage]:
    """Ask the critic whether the user turn at ``position`` applies ``pattern`` (yes/no)."""
    cfg = ctx.config
    previous = next((t.content for t in reversed(turns[:position]) if t.role == "assistant"), "")
    messages = ctx.prompts.render(
        "pattern_check",
        message=turns[position].content,
        previous=previous,
        description=description_of(ctx, pattern),
    )
    fmt = ResponseFormat(kind="json", schema=PATTERN_SCHEMA, name="applied")
    response = ask(
        ctx.critic,
        cfg.critic_model,
        messages,
        seed=request_seed(cfg.seed, seed_index, f"pattern:{position}:{pattern}"),
        max_tokens=16,
        response_format=fmt if ctx.critic.capabilities.structured_output else None,
    )
    return parse_flag(response.text, "applied"), response.usage


def similarity_to_pattern(ctx: RunContext, text: str, pattern: str) -> float:
    """Cosine similarity of a user turn and the pattern's description (MiniLM)."""
    vectors = get_embedder(ctx.config.dedup.embedder).encode([text, description_of(ctx, pattern)])
    return float(vectors[0] @ vectors[1])


def pattern_applied(
    ctx: RunContext, seed_index: int, turns: tuple[Turn, ...], position: int, pattern: str
) -> tuple[bool, Usage]:
    """The configured judgement of one pattern on one user turn."""
    mode = ctx.config.task.pattern_check
    if mode != "critic":
        close = (
            similarity_to_pattern(ctx, turns[position].content, pattern) >= ctx.config.task.pattern_similarity
        )
        if close or mode == "embedding":
            return close, Usage()
    return critic_says_applied(ctx, seed_index, turns, position, pattern)


def check_patterns(ctx: RunContext, seen: SeedContext, task: AnswerTask, state: Assessment) -> Assessment:
    """Each requested pattern, checked on the user turn that was asked to apply it (after the
    critic scored the conversation; a conversation the critic did not judge is not checked)."""
    if state.verdict is None:
        return state
    attempt = state.attempt
    flags: dict[str, bool] = {}
    usage = state.verdict.usage
    for position, turn in enumerate(attempt.turns):
        if turn.role != "user" or not turn.pattern:
            continue
        for pattern in turn.pattern.split(", "):
            flags[pattern], spent = pattern_applied(ctx, attempt.seed_index, attempt.turns, position, pattern)
            usage = usage + spent
    verdict = state.verdict.model_copy(update={"flags": flags, "usage": usage})
    missing = [p for p, ok in flags.items() if not ok]
    if not missing:
        return replace(state, verdict=verdict)
    problem = Rejection(
        seed_index=attempt.seed_index,
        attempt_no=attempt.attempt_no,
        stage="critic",
        reason="pattern_not_applied",
        detail=f"{_JUDGE[ctx.config.task.pattern_check]} these patterns not applied: {', '.join(missing)}",
    )
    return replace(state, verdict=verdict, problem=problem)
