"""Multi-turn conversations: user and assistant turns alternate, each assistant turn reasons.

The seed's ``pattern`` values (an axis of the seed plan) are dealt to the user turns after the
first, so each requested pattern is applied by a named turn. The generator writes every user
turn (following its pattern) and every assistant turn (thinking first, the trace kept per
turn). Each assistant turn must pass the cheap filters; the whole conversation then goes
through the duplicate check and the critic (a 1-5 score); then each pattern is checked on the
user turn that should apply it (``task.pattern_check``): the critic answers one short yes/no
question per pattern (far easier than a checklist over a whole transcript), or, where the
critic is too small to be trusted with it (the embedded 135M model answers "no" to every such
question), the turn's embedding must be close to the pattern's description; ``any`` accepts
either. A missing pattern rejects the conversation as ``pattern_not_applied``. A rejected
conversation is written once more from scratch with the critique in view. With
``task.trim_truncated`` an assistant turn cut by ``max_tokens`` after a complete reasoning
trace keeps its text up to the last full sentence instead of failing the conversation.
"""

from __future__ import annotations

import re
import time
from dataclasses import replace
from typing import TYPE_CHECKING

from syndgen.config_sections import AxisConfig
from syndgen.records import Attempt, Message, Question, Rejection, Seed, SeedOutcome, Turn, Usage
from syndgen.steps.assess import Assessment, CriticAsk, assess
from syndgen.steps.common import SeedContext, ask, request_seed
from syndgen.steps.filters import check_attempt
from syndgen.steps.question import clean_question
from syndgen.steps.single import attempt_with

if TYPE_CHECKING:
    from syndgen.steps.record import Engine

PATTERN_AXIS = "pattern"


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


def _patterns(seed: Seed) -> list[str]:
    value = seed.attributes.get(PATTERN_AXIS, [])
    return list(value) if isinstance(value, list) else [value]


def _user_turn(
    engine: Engine, seed: Seed, turns: list[Turn], patterns: list[str], attempt_no: int, critique: str | None
) -> tuple[Turn, Usage]:
    cfg = engine.config
    descriptions = _descriptions(engine)
    openers = _openers(engine)
    opener = next((openers[p] for p in patterns if p in openers), None)
    messages = engine.prompts.render(
        "conversation_user",
        topic=seed.topic,
        attributes={k: v for k, v in seed.attributes.items() if k != PATTERN_AXIS},
        transcript=transcript(turns),
        patterns=[(p, descriptions.get(p, "")) for p in patterns],
        opener=opener,
        critique=critique,
    )
    stage = f"user{len(turns)}"
    response = ask(
        engine.generator,
        cfg.generator,
        messages,
        seed=request_seed(cfg.seed, seed.index, stage, attempt_no),
        max_tokens=cfg.task.question_max_tokens,
    )
    text = clean_question(response.text) if not turns else response.text.strip().strip('"').strip()
    if opener is not None:
        text = with_opener(opener, text)
    return Turn(role="user", content=text, pattern=", ".join(patterns) or None), response.usage


def with_opener(opener: str, text: str) -> str:
    """The user turn starting with ``opener``: kept if the model wrote it, prefixed if not (pure)."""
    first_line = text.splitlines()[0].strip() if text.strip() else ""
    if first_line.lower().startswith(opener.lower()):
        return first_line
    return f"{opener} {first_line}".strip()


def _openers(engine: Engine) -> dict[str, str]:
    axis = _pattern_axis(engine)
    return axis.openers if axis else {}


def _pattern_axis(engine: Engine) -> AxisConfig | None:
    return next((a for a in engine.config.task.axes if a.name == PATTERN_AXIS), None)


def _descriptions(engine: Engine) -> dict[str, str]:
    axis = _pattern_axis(engine)
    return axis.descriptions if axis else {}


def _assistant_messages(engine: Engine, turns: list[Turn]) -> tuple[Message, ...]:
    system = engine.prompts.render("answer", question="", system_prompt=engine.config.task.system_prompt)[0]
    history = [Message(role=t.role, content=t.content) for t in turns]
    return (system, *history) if system.role == "system" else tuple(history)


def converse(engine: Engine, seed: Seed, attempt_no: int, critique: str | None = None) -> Attempt:
    """Write one whole conversation; the attempt's ``turns`` hold it, reasoning per turn."""
    cfg = engine.config
    patterns = _patterns(seed)
    exchanges = planned_exchanges(cfg.seed, seed.index, cfg.task.turns, len(patterns))
    dealt = deal_patterns(patterns, exchanges)
    turns: list[Turn] = []
    usage, latency = Usage(), 0.0
    last: Attempt | None = None
    for n in range(exchanges):
        user, spent = _user_turn(engine, seed, turns, dealt[n], attempt_no, critique)
        usage = usage + spent
        turns.append(user)
        messages = _assistant_messages(engine, turns)
        last = attempt_with(engine, seed.index, attempt_no * 100 + n, messages)
        if last.finish_reason == "length" and cfg.task.trim_truncated and last.reasoning:
            trimmed = trim_to_sentence(last.answer, cfg.task.min_answer_chars)
            if trimmed is not None:
                last = last.model_copy(update={"answer": trimmed, "finish_reason": "trimmed"})
        usage, latency = usage + last.usage, latency + last.latency_s
        turns.append(Turn(role="assistant", content=last.answer, reasoning=last.reasoning))
        if check_attempt(last, cfg.task, cfg.quality) is not None:
            break  # a failed turn fails the conversation; no need to write the rest
    assert last is not None
    return last.model_copy(
        update={
            "attempt_no": attempt_no,
            "raw_text": transcript(turns),
            "usage": usage,
            "latency_s": latency,
            "turns": tuple(turns),
        }
    )


def _turn_problem(attempt: Attempt, engine: Engine) -> tuple[str, str] | None:
    cfg = engine.config
    assistants = [t for t in attempt.turns if t.role == "assistant"]
    patterns = [p for t in attempt.turns if t.role == "user" and t.pattern for p in t.pattern.split(", ")]
    expected = planned_exchanges(cfg.seed, attempt.seed_index, cfg.task.turns, len(patterns))
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


PATTERN_SCHEMA = {
    "type": "object",
    "properties": {"applied": {"type": "boolean"}},
    "required": ["applied"],
    "additionalProperties": False,
}


def pattern_applied(
    engine: Engine, seed: Seed, turns: tuple[Turn, ...], position: int, pattern: str
) -> tuple[bool, Usage]:
    """Ask the critic whether the user turn at ``position`` applies ``pattern`` (yes/no)."""
    from syndgen.backends.base import ResponseFormat
    from syndgen.steps.equivalence import parse_flag

    cfg = engine.config
    previous = next((t.content for t in reversed(turns[:position]) if t.role == "assistant"), "")
    messages = engine.prompts.render(
        "pattern_check",
        message=turns[position].content,
        previous=previous,
        description=_descriptions(engine).get(pattern, pattern.replace("_", " ")),
    )
    fmt = ResponseFormat(kind="json", schema=PATTERN_SCHEMA, name="applied")
    response = ask(
        engine.critic,
        cfg.critic_model,
        messages,
        seed=request_seed(cfg.seed, seed.index, f"pattern:{position}:{pattern}"),
        max_tokens=16,
        response_format=fmt if engine.critic.capabilities.structured_output else None,
    )
    return parse_flag(response.text, "applied"), response.usage


def _check_patterns(engine: Engine, seed: Seed, attempt: Attempt, result: Assessment) -> Assessment:
    """Each requested pattern, checked on the user turn that was asked to apply it."""
    assert result.verdict is not None
    flags: dict[str, bool] = {}
    usage = result.verdict.usage
    for position, turn in enumerate(attempt.turns):
        if turn.role != "user" or not turn.pattern:
            continue
        for pattern in turn.pattern.split(", "):
            flags[pattern], spent = pattern_applied(engine, seed, attempt.turns, position, pattern)
            usage = usage + spent
    verdict = result.verdict.model_copy(update={"flags": flags, "usage": usage})
    missing = [p for p, ok in flags.items() if not ok]
    if not missing:
        return replace(result, verdict=verdict)
    problem = Rejection(
        seed_index=seed.index,
        attempt_no=attempt.attempt_no,
        stage="critic",
        reason="pattern_not_applied",
        detail=f"the critic found these patterns not applied: {', '.join(missing)}",
    )
    return replace(result, verdict=verdict, problem=problem)


def run(seed: Seed, engine: Engine, ctx: SeedContext) -> SeedOutcome:
    started = time.perf_counter()
    patterns = _patterns(seed)
    descriptions = _descriptions(engine)
    attempts: list[Attempt] = []
    verdicts, rejections = [], []
    sample = None
    critique: str | None = None
    tries = 2 if engine.config.quality.regenerate else 1
    question: Question | None = None
    for attempt_no in range(1, tries + 1):
        attempt = converse(engine, seed, attempt_no, critique)
        attempts.append(attempt)
        question = Question(text=attempt.turns[0].content, model=attempt.model)
        failed = _turn_problem(attempt, engine)
        if failed is not None:
            problem = Rejection(
                seed_index=seed.index,
                attempt_no=attempt_no,
                stage="filter",
                reason=failed[0],
                detail=failed[1],
            )
            rejections.append(problem)
            critique = problem.detail
            continue
        result = assess(
            attempt,
            question.text,
            engine,
            ctx,
            record={"question": question.text, "answer": attempt.raw_text, "turns": attempt.turns},
            text=transcript(attempt.turns),
            ask=CriticAsk(
                template="critic_conversation",
                variables={
                    "transcript": attempt.raw_text,
                    "patterns": [(p, descriptions.get(p, "")) for p in patterns],
                },
            ),
            skip_filters=True,
        )
        if result.problem is None and result.verdict is not None:
            result = _check_patterns(engine, seed, attempt, result)
        if result.verdict is not None:
            verdicts.append(result.verdict)
        if result.problem is None:
            from syndgen.records import Sample

            sample = Sample(seed=seed, question=question, attempt=result.attempt, verdict=result.verdict)
            break
        rejections.append(result.problem)
        critique = (
            result.verdict.rationale if result.verdict and result.verdict.score else result.problem.detail
        )
    return SeedOutcome(
        seed=seed,
        question=question,
        attempts=tuple(attempts),
        verdicts=tuple(verdicts),
        rejections=tuple(rejections),
        sample=sample,
        elapsed_s=time.perf_counter() - started,
    )
