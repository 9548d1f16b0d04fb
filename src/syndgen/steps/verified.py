"""Built-in verifiable tasks: math word problems and small Python functions.

The program writes the question and knows the truth (the reference answer it computed, or the
tests a function must pass), so a record is kept only when a verifier confirms the answer: the
critic is not needed to decide (``quality.critic: auto``). The plan balances problem kinds
(topics) and the difficulty levels of ``task.difficulty``; a rewrite for the student gate draws
a problem of the same kind one level harder or easier.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from syndgen.records import Question, Seed, SeedOutcome
from syndgen.steps.common import SeedContext
from syndgen.steps.single import AnswerTask, answer
from syndgen.steps.student import finish

if TYPE_CHECKING:
    from syndgen.steps.record import Engine


def topics(kind: str) -> list[str]:
    from syndgen.verify import tasks

    return list(tasks.MATH_TOPICS if kind == "math" else tasks.CODE_TOPICS)


def difficulty_for(engine: Engine, seed: Seed) -> int:
    """Difficulty levels cycle per topic round, so each topic sees every level (pure)."""
    low, high = engine.config.task.difficulty
    return low + (seed.variant - 1) % (high - low + 1)


def problem_task(engine: Engine, seed: Seed, difficulty: int, salt: int = 0) -> AnswerTask:
    from syndgen.verify import tasks

    cfg = engine.config
    kind = cfg.task.kind
    if kind == "math":
        problem: Any = tasks.math_problem(
            cfg.seed, seed.index + salt, topic=seed.topic, difficulty=difficulty
        )
        question = Question(text=problem.question, model="program", reference=problem.reference_answer)
    else:
        problem = tasks.code_problem(cfg.seed, seed.index + salt, topic=seed.topic, difficulty=difficulty)
        question = Question(text=problem.question, model="program", tests=problem.tests)
    messages = engine.prompts.render(
        f"answer_{kind}", question=question.text, system_prompt=cfg.task.system_prompt
    )
    return AnswerTask(question=question, messages=messages, extra={"difficulty_level": difficulty})


def run(seed: Seed, engine: Engine, ctx: SeedContext) -> SeedOutcome:
    started = time.perf_counter()
    level = difficulty_for(engine, seed)
    seed = seed.model_copy(update={"attributes": {**seed.attributes, "level": str(level)}})
    task = problem_task(engine, seed, level)
    return finish(seed, engine, ctx, task, answer(engine, ctx, task, seed.index), started)


def rewrite(engine: Engine, seed: Seed, task: AnswerTask, *, harder: bool) -> AnswerTask | None:
    """A program-checked problem of the same kind, one level harder or easier (None at the edge)."""
    level = int(task.extra.get("difficulty_level", 1)) + (1 if harder else -1)
    if not 1 <= level <= 3:
        return None
    new = problem_task(engine, seed, level, salt=1_000_003)
    return AnswerTask(
        question=new.question.model_copy(update={"model": "rewrite"}),
        messages=new.messages,
        extra=new.extra,
    )
