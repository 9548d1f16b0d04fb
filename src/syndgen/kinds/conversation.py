"""Multi-turn conversations: user and assistant turns alternate, each assistant turn reasons.

The seed's ``pattern`` values (an axis of the seed plan) are dealt to the user turns after the
first, so each requested pattern is applied by a named turn. The generator writes every user
turn (following its pattern) and every assistant turn (thinking first, the trace kept per
turn). The conversation is one attempt of the shared answer loop, with its own writer and
checks: each assistant turn must pass the cheap filters; the whole conversation then goes
through the duplicate check, the verifiers and the critic (a 1-5 score); then each pattern is
checked on the user turn that should apply it (:mod:`syndgen.steps.patterns`). A missing
pattern rejects the conversation as ``pattern_not_applied``. A rejected conversation is written
once more from scratch with the critique in view. With ``task.trim_truncated`` an assistant
turn cut by ``max_tokens`` after a complete reasoning trace keeps its text up to the last full
sentence instead of failing the conversation. Voting and the student gate need one answer to
compare, so conversations do not support them (a config that asks is refused).
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, replace
from typing import ClassVar

from syndgen.backends.call import request_seed
from syndgen.context import AnswerTask, Assessment, CriticAsk, RunContext, SeedContext
from syndgen.kinds.base import KindBase
from syndgen.records import (
    Attempt,
    Message,
    Question,
    Seed,
    SeedOutcome,
    ShapeOutcome,
    Turn,
    Usage,
    Verdict,
)
from syndgen.steps.answer import answer
from syndgen.steps.assess import check_critic, check_duplicates, rejection
from syndgen.steps.filters import check_attempt
from syndgen.steps.generate import attempt_with
from syndgen.steps.patterns import PATTERN_AXIS, check_patterns, descriptions, pattern_axis
from syndgen.steps.question import question_chars
from syndgen.steps.shaped import required_shape_request, shaped_ask
from syndgen.steps.student import finish
from syndgen.steps.verify import run_verifiers


def exchanges_for(run_seed: int, seed_index: int, bounds: tuple[int, int]) -> int:
    """How many user/assistant exchanges this seed's conversation has (pure)."""
    low, high = bounds
    return low + request_seed(run_seed, seed_index, "exchanges") % (high - low + 1)


def planned_exchanges(run_seed: int, seed_index: int, bounds: tuple[int, int], patterns: int) -> int:
    """Exchanges for this seed: enough for one pattern per later user turn where the bounds allow."""
    return max(exchanges_for(run_seed, seed_index, bounds), min(patterns + 1, bounds[1]))


def deal_patterns(patterns: list[str], exchanges: int) -> list[list[str]]:
    """Patterns per user turn: none for the opening turn, then dealt round-robin (pure)."""
    slots: list[list[str]] = [[] for _ in range(exchanges)]
    later = max(1, exchanges - 1)
    for j, pattern in enumerate(patterns):
        slots[min(exchanges - 1, 1 + j % later)].append(pattern)
    return slots


_SENTENCE_END = re.compile(r"[.!?](?=\s|$)")


def trim_to_sentence(text: str, min_chars: int) -> str | None:
    """``text`` up to its last complete sentence, or None when too little is left (pure)."""
    ends = [m.end() for m in _SENTENCE_END.finditer(text)]
    if not ends:
        return None
    trimmed = text[: ends[-1]].strip()
    return trimmed if len(trimmed) >= min_chars else None


def transcript(turns: list[Turn] | tuple[Turn, ...]) -> str:
    return "\n".join(f"{t.role.upper()}: {t.content}" for t in turns)


def with_opener(opener: str, text: str) -> str:
    """The user turn starting with ``opener``: kept if the model wrote it, prefixed if not (pure)."""
    first_line = text.splitlines()[0].strip() if text.strip() else ""
    if first_line.lower().startswith(opener.lower()):
        return first_line
    return f"{opener} {first_line}".strip()


_RUNG_ORDER: tuple[ShapeOutcome, ...] = ("failed", "repaired", "parsed", "constrained")


def worst_rung(rungs: list[ShapeOutcome]) -> ShapeOutcome | None:
    """The lowest rung any user turn of a conversation needed (pure)."""
    return next((r for r in _RUNG_ORDER if r in rungs), None)


def seed_patterns(seed: Seed) -> list[str]:
    value = seed.attributes.get(PATTERN_AXIS, [])
    return list(value) if isinstance(value, list) else [value]


def _openers(ctx: RunContext) -> dict[str, str]:
    axis = pattern_axis(ctx)
    return axis.openers if axis else {}


def _user_turn(
    ctx: RunContext, seed: Seed, turns: list[Turn], patterns: list[str], attempt_no: int, critique: str | None
) -> tuple[Turn, Usage, ShapeOutcome]:
    """The user's next turn, its cost, and how it got the user-turn shape."""
    cfg = ctx.config
    described = descriptions(ctx)
    openers = _openers(ctx)
    opener = next((openers[p] for p in patterns if p in openers), None)
    variables = {
        "topic": seed.topic,
        "attributes": {k: v for k, v in seed.attributes.items() if k != PATTERN_AXIS},
        "transcript": transcript(turns),
        "patterns": [(p, described.get(p, "")) for p in patterns],
        "opener": opener,
        "critique": critique,
        "max_chars": question_chars(cfg.task.question_max_tokens),
    }
    stage = f"user{len(turns)}"
    result = shaped_ask(
        ctx.generator,
        cfg.generator,
        ctx.prompts.render("conversation_user", **variables),
        required_shape_request(ctx.prompts, "conversation_user", variables),
        prompts=ctx.prompts,
        seed=request_seed(cfg.seed, seed.index, stage, attempt_no),
        repair_seed=request_seed(cfg.seed, seed.index, f"{stage}-repair", attempt_no),
        max_tokens=cfg.task.question_max_tokens,
    )
    text = result.answer.strip().strip('"').strip()
    if opener is not None and result.rung is None:
        text = with_opener(opener, text)
    turn = Turn(role="user", content=text, pattern=", ".join(patterns) or None)
    return turn, result.usage, result.rung or "failed"


def _assistant_messages(ctx: RunContext, turns: list[Turn]) -> tuple[Message, ...]:
    system = ctx.prompts.render("answer", question="", system_prompt=ctx.config.task.system_prompt)[0]
    history = [Message(role=t.role, content=t.content) for t in turns]
    return (system, *history) if system.role == "system" else tuple(history)


def _assistant_turn(ctx: RunContext, seed: Seed, turns: list[Turn], number: int) -> Attempt:
    cfg = ctx.config
    last = attempt_with(ctx, seed.index, number, _assistant_messages(ctx, turns))
    if last.finish_reason == "length" and cfg.task.trim_truncated and last.reasoning:
        trimmed = trim_to_sentence(last.answer, cfg.task.min_answer_chars)
        if trimmed is not None:
            last = last.model_copy(update={"answer": trimmed, "finish_reason": "trimmed"})
    return last


def converse(ctx: RunContext, seed: Seed, attempt_no: int, critique: str | None = None) -> Attempt:
    """Write one whole conversation; the attempt's ``turns`` hold it, reasoning per turn."""
    cfg = ctx.config
    patterns = seed_patterns(seed)
    exchanges = planned_exchanges(cfg.seed, seed.index, cfg.task.turns, len(patterns))
    dealt = deal_patterns(patterns, exchanges)
    turns: list[Turn] = []
    usage, latency = Usage(), 0.0
    last: Attempt | None = None
    rungs: list[ShapeOutcome] = []
    for n in range(exchanges):
        user, spent, rung = _user_turn(ctx, seed, turns, dealt[n], attempt_no, critique)
        rungs.append(rung)
        usage = usage + spent
        turns.append(user)
        last = _assistant_turn(ctx, seed, turns, attempt_no * 100 + n)
        usage, latency = usage + last.usage, latency + last.latency_s
        turns.append(Turn(role="assistant", content=last.answer, reasoning=last.reasoning))
        if rung == "failed" or check_attempt(last, cfg.task, cfg.quality) is not None:
            break  # a failed turn fails the conversation; no need to write the rest
    assert last is not None
    return last.model_copy(
        update={
            "attempt_no": attempt_no,
            "raw_text": transcript(turns),
            "usage": usage,
            "latency_s": latency,
            "turns": tuple(turns),
            "shape": worst_rung(rungs),
        }
    )


def turn_problem(attempt: Attempt, ctx: RunContext) -> tuple[str, str] | None:
    """The first turn that fails the cheap filters, too few exchanges, or an empty user turn."""
    cfg = ctx.config
    assistants = [t for t in attempt.turns if t.role == "assistant"]
    patterns = [p for t in attempt.turns if t.role == "user" and t.pattern for p in t.pattern.split(", ")]
    expected = planned_exchanges(cfg.seed, attempt.seed_index, cfg.task.turns, len(patterns))
    if attempt.shape == "failed":
        users = [t for t in attempt.turns if t.role == "user"]
        return "bad_user_turn", f"user turn {len(users)} is not one message, even after one repair"
    for n, turn in enumerate(assistants):
        probe = attempt.model_copy(update={"answer": turn.content, "reasoning": turn.reasoning})
        if n < len(assistants) - 1:
            probe = probe.model_copy(update={"finish_reason": "stop"})
        failed = check_attempt(probe, cfg.task, cfg.quality)
        if failed is not None:
            return failed[0], f"assistant turn {n + 1}: {failed[1]}"
    if len(assistants) < expected:
        return "too_few_turns", f"{len(assistants)} of {expected} exchanges"
    if any(len(t.content) < 8 for t in attempt.turns if t.role == "user"):
        return "empty_user_turn", "a user turn is empty or too short"
    return None


def check_turns(ctx: RunContext, seen: SeedContext, task: AnswerTask, state: Assessment) -> Assessment:
    failed = turn_problem(state.attempt, ctx)
    if failed is None:
        return state
    return replace(state, problem=rejection(state.attempt, "filter", *failed))


def check_conversation_verifiers(
    ctx: RunContext, seen: SeedContext, task: AnswerTask, state: Assessment
) -> Assessment:
    """The verifiers see the opening question, the transcript as the answer, and the turns."""
    attempt = state.attempt
    question = attempt.turns[0].content
    record = {"question": question, "answer": attempt.raw_text, "turns": attempt.turns}
    checks = run_verifiers(ctx.verifiers, record)
    state = replace(state, attempt=attempt.model_copy(update={"checks": checks, "final_answer": None}))
    failed = [c for c in checks if c.status == "fail"]
    if failed:
        return replace(
            state, problem=rejection(state.attempt, "verify", f"verifier_{failed[0].name}", failed[0].detail)
        )
    return state


def check_conversation_critic(
    ctx: RunContext, seen: SeedContext, task: AnswerTask, state: Assessment
) -> Assessment:
    """The critic grades the whole transcript; the opening user turn is the question."""
    attempt = state.attempt
    asked = replace(
        task,
        question=Question(text=attempt.turns[0].content, model=attempt.model),
        ask=replace(task.ask, variables={**task.ask.variables, "transcript": attempt.raw_text}),
    )
    return check_critic(ctx, seen, asked, state)


CONVERSATION_CHECKS = (
    check_turns,
    check_duplicates,
    check_conversation_verifiers,
    check_conversation_critic,
    check_patterns,
)


@dataclass(frozen=True)
class ConversationWriter:
    """Writes the whole conversation; the regeneration writes it again with the critique."""

    seed: Seed

    def first(self, ctx: RunContext, task: AnswerTask, attempt_no: int) -> Attempt:
        return converse(ctx, self.seed, attempt_no)

    def again(
        self,
        ctx: RunContext,
        task: AnswerTask,
        attempt_no: int,
        previous: Attempt,
        verdict: Verdict | None,
        critique: str,
    ) -> Attempt:
        return converse(ctx, self.seed, attempt_no, critique).model_copy(update={"role": "regenerate"})


@dataclass(frozen=True)
class ConversationKind(KindBase):
    name: ClassVar[str] = "conversation"
    supports: ClassVar[frozenset[str]] = frozenset({"expand_topics"})
    task_options: ClassVar[frozenset[str]] = frozenset(
        {
            "topics",
            "expand_topics",
            "turns",
            "pattern_check",
            "pattern_similarity",
            "trim_truncated",
            "question_max_tokens",
        }
    )

    def run(self, ctx: RunContext, seen: SeedContext, seed: Seed) -> SeedOutcome:
        started = time.perf_counter()
        patterns = seed_patterns(seed)
        described = descriptions(ctx)
        task = AnswerTask(
            seed_index=seed.index,
            question=Question(text="", model=""),
            messages=(),
            writer=ConversationWriter(seed),
            checks=CONVERSATION_CHECKS,
            ask=CriticAsk(
                template="critic_conversation",
                variables={"patterns": [(p, described.get(p, "")) for p in patterns]},
            ),
        )
        answered = answer(ctx, seen, task)
        last = answered.attempts[-1]
        task = replace(task, question=Question(text=last.turns[0].content, model=last.model))
        return finish(ctx, seen, seed, task, answered, started)


KIND = ConversationKind()
