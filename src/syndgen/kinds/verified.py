"""Built-in verifiable tasks: math word problems (``math``) and small Python functions (``code``).

The program writes the question and knows the truth (the reference answer it computed, or the
tests a function must pass), so a record is kept only when a verifier confirms the answer: the
critic is not needed to decide (``quality.critic: auto``). The plan balances problem kinds
(topics) and the difficulty levels of ``task.difficulty``; a rewrite for the student gate draws
a problem of the same kind one level harder or easier.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from typing import Any, ClassVar

from syndgen.config import RunConfig
from syndgen.context import AnswerTask, RunContext, SeedContext
from syndgen.kinds.base import KindBase
from syndgen.records import Question, Seed, SeedOutcome
from syndgen.steps.answer import answer
from syndgen.steps.assess import STANDARD_CHECKS
from syndgen.steps.generate import PROMPT_WRITER
from syndgen.steps.shaped import shape_request
from syndgen.steps.student import finish
from syndgen.verify import tasks


def difficulty_for(config: RunConfig, seed: Seed) -> int:
    """Difficulty levels cycle per topic round, so each topic sees every level (pure)."""
    low, high = config.task.difficulty
    return low + (seed.variant - 1) % (high - low + 1)


def problem_task(ctx: RunContext, kind: str, seed: Seed, difficulty: int, salt: int = 0) -> AnswerTask:
    """The program-written problem for ``seed`` at ``difficulty``, as an answer task."""
    cfg = ctx.config
    if kind == "math":
        problem: Any = tasks.math_problem(
            cfg.seed, seed.index + salt, topic=seed.topic, difficulty=difficulty
        )
        question = Question(text=problem.question, model="program", reference=problem.reference_answer)
    else:
        problem = tasks.code_problem(cfg.seed, seed.index + salt, topic=seed.topic, difficulty=difficulty)
        question = Question(text=problem.question, model="program", tests=problem.tests)
    variables = {"question": question.text, "system_prompt": cfg.task.system_prompt}
    messages = ctx.prompts.render(f"answer_{kind}", **variables)
    return AnswerTask(
        seed_index=seed.index,
        question=question,
        messages=messages,
        writer=PROMPT_WRITER,
        checks=STANDARD_CHECKS,
        extra={"difficulty_level": difficulty},
        shape=shape_request(ctx.prompts, f"answer_{kind}", variables),
    )


@dataclass(frozen=True)
class VerifiedKind(KindBase):
    """One class for both program-checked kinds; ``name`` picks the problems and the verifier."""

    supports: ClassVar[frozenset[str]] = frozenset({"voting", "student", "rewrite"})
    task_options: ClassVar[frozenset[str]] = frozenset({"difficulty"})
    name: str = "math"

    @property
    def problems(self) -> str:
        return self.name

    def topics(self, config: RunConfig) -> list[str]:
        return list(tasks.MATH_TOPICS if self.problems == "math" else tasks.CODE_TOPICS)

    def verifiers(self, config: RunConfig) -> list[tuple[str, dict[str, Any]]]:
        return [(self.problems, {})]

    def run(self, ctx: RunContext, seen: SeedContext, seed: Seed) -> SeedOutcome:
        started = time.perf_counter()
        level = difficulty_for(ctx.config, seed)
        seed = seed.model_copy(update={"attributes": {**seed.attributes, "level": str(level)}})
        task = problem_task(ctx, self.problems, seed, level)
        return finish(ctx, seen, seed, task, answer(ctx, seen, task), started, self.rewrite)

    def rewrite(self, ctx: RunContext, seed: Seed, task: AnswerTask, harder: bool) -> AnswerTask | None:
        """A program-checked problem of the same kind, one level harder or easier (None at the edge)."""
        level = int(task.extra.get("difficulty_level", 1)) + (1 if harder else -1)
        if not 1 <= level <= 3:
            return None
        new = problem_task(ctx, self.problems, seed, level, salt=1_000_003)
        return replace(new, question=new.question.model_copy(update={"model": "rewrite"}))


MATH = VerifiedKind(name="math")
CODE = VerifiedKind(name="code")
