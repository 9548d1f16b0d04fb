"""The ``slogan`` kind: the program asks for a slogan per topic; the generator writes it."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import ClassVar

from syndgen.context import AnswerTask, RunContext, SeedContext
from syndgen.kinds.base import KindBase
from syndgen.records import Message, Question, Seed, SeedOutcome
from syndgen.steps.answer import answer
from syndgen.steps.assess import STANDARD_CHECKS
from syndgen.steps.generate import PROMPT_WRITER
from syndgen.steps.student import finish


@dataclass(frozen=True)
class SloganKind(KindBase):
    name: ClassVar[str] = "slogan"
    supports: ClassVar[frozenset[str]] = frozenset()
    task_options: ClassVar[frozenset[str]] = frozenset({"topics"})

    def run(self, ctx: RunContext, seen: SeedContext, seed: Seed) -> SeedOutcome:
        started = time.perf_counter()
        text = f"Which slogan sells {seed.topic} number {seed.variant}?"
        task = AnswerTask(
            seed_index=seed.index,
            question=Question(text=text, model="program"),
            messages=(Message(role="user", content=text),),
            writer=PROMPT_WRITER,
            checks=STANDARD_CHECKS,
        )
        outcome = finish(ctx, seen, seed, task, answer(ctx, seen, task), started)
        if outcome.sample is None:
            return outcome
        sample = outcome.sample.model_copy(
            update={"columns": {"slogan_words": len(outcome.sample.attempt.answer.split())}}
        )
        return outcome.model_copy(update={"sample": sample})


KIND = SloganKind()
